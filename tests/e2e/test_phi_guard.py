"""In Chromium: the patient-identifier check warns while a member types, and the post is stopped with the
finding marked until the member removes it or confirms it is not patient information."""

from __future__ import annotations

import re

import pytest

from communities.models import ActivityLog
from practice.models import HelpRequest
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_warns_while_typing_and_stops_the_post_until_confirmed(page, live_server, community, member):
    log_in(page, live_server, member.email)
    page.goto(f"{live_server.url}/c/{community.slug}/requests/new/")
    page.get_by_label(re.compile(r"^\s*Title")).fill("Insulin double-checks at night")
    situation = page.get_by_label(re.compile(r"^\s*The situation"))
    situation.fill("The patient, NHS 943 476 5919, had a double dose.")
    warning = page.locator("#id_situation-phi-warning")
    warning.get_by_text("This looks like an NHS number").wait_for()
    assert warning.locator("mark").inner_text() == "943 476 5919"

    page.get_by_role("button", name="Post request").click()
    page.get_by_text("Nothing was posted: what you wrote may identify a patient.").wait_for()
    assert not HelpRequest.objects.exists()
    assert situation.input_value() == "The patient, NHS 943 476 5919, had a double dose."

    situation.fill("The patient had a double dose.")
    warning.locator("li").wait_for(state="detached")
    page.get_by_role("button", name="Post request").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    assert HelpRequest.objects.get().situation == "The patient had a double dose."
    assert not ActivityLog.objects.filter(action="privacy.not_phi").exists()


def test_a_confirmed_false_positive_is_posted(page, live_server, community, member):
    log_in(page, live_server, member.email)
    page.goto(f"{live_server.url}/c/{community.slug}/requests/new/")
    page.get_by_label(re.compile(r"^\s*Title")).fill("Who answers the pharmacy line at night?")
    page.get_by_label(re.compile(r"^\s*The situation")).fill("The pharmacy's night line 07911 123456 rings out.")
    page.get_by_role("button", name="Post request").click()
    page.get_by_label("“07911 123456” is not patient information (it looks like a phone number)").check()
    page.get_by_role("button", name="Post request").click()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    assert HelpRequest.objects.get().situation == "The pharmacy's night line 07911 123456 rings out."
    assert ActivityLog.objects.get(action="privacy.not_phi").actor == member
