"""A learning loop in the browser: take advice; time passes; the sweep reminds; the email's link opens the
outcome form; the outcome is recorded; the adviser sees that their advice helped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from communities import tasks as community_tasks
from practice import tasks
from practice.models import FollowUp, Outcome
from practice.services import requests as services
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_learning_loop_from_i_will_try_this_to_your_advice_helped(
    page, browser, live_server, community, member, core
):
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    help_request = services.help_request_create(
        community=community,
        author=member,
        title="Independent insulin double-checks at night",
        situation="Two nurses for 28 beds: the second check often waits 20 minutes.",
    )
    services.advice_create(
        help_request=help_request, author=core, body="Agree a **buddy ward**: their nurse does your second check."
    )

    # The asker decides to try the advice.
    log_in(page, live_server, member.email)
    page.goto(f"{live_server.url}{help_request.get_absolute_url()}")
    page.get_by_role("button", name="I'll try this").click()
    expect(page.get_by_text("We'll ask you later how it turned out")).to_be_visible()
    follow_up = FollowUp.objects.get(request=help_request)
    expect(page.get_by_role("heading", name="How did it go?")).to_be_visible()
    expect(page.get_by_role("button", name="Stop reminders for this request")).to_be_visible()

    # Two weeks pass; the beat task's sweeps run (called directly, as beat would through a worker).
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(days=community.follow_up_first_days, minutes=5), tick=False):
        assert tasks.send_due_follow_ups() == 1
        assert community_tasks.send_outbound_email() >= 1
    (reminder,) = [m for m in mail.outbox if "How did it go?" in m.subject]
    assert reminder.to == [member.email]
    assert reminder.extra_headers["Message-ID"] == f"<followup.{follow_up.pk}.1@child.example>"
    assert "How did it go?" in reminder.subject
    link = re.search(r"https?://\S+/outcome/", reminder.body).group(0)

    # The link in the email opens the outcome form.
    page.goto(link.replace("http://testserver", live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("How did it go?")
    page.get_by_label("Partly resolved").check()
    page.get_by_label("What worked").fill("The buddy ward: checks within five minutes.")
    page.get_by_label("What didn't").fill("Weekends, when the other ward is short too.")
    page.get_by_label(re.compile(r"Core: Agree a buddy ward")).check()
    page.get_by_label("The community's value report may tell this as a story of value created").check()
    page.get_by_role("button", name="Save how it went").click()
    expect(page.get_by_text("Thank you: the loop is closed")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("How it turned out"))).to_contain_text("Partly resolved")

    outcome = Outcome.objects.get(request=help_request)
    assert (outcome.result, outcome.story_consent) == ("partly", True)
    assert FollowUp.objects.get(pk=follow_up.pk).state == FollowUp.State.CLOSED

    # The adviser sees that their advice helped: in the inbox and on the request.
    adviser = browser.new_page()
    adviser.set_default_timeout(10_000)
    log_in(adviser, live_server, core.email)
    adviser.goto(f"{live_server.url}/notifications/")
    expect(adviser.get_by_text(re.compile("Your advice helped")).first).to_be_visible()
    adviser.goto(f"{live_server.url}{help_request.get_absolute_url()}")
    expect(adviser.get_by_text("Your advice helped.")).to_be_visible()
    expect(adviser.get_by_text("The buddy ward: checks within five minutes.")).to_be_visible()
    assert problems == []
