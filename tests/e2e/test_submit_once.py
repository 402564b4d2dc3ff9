"""One post per submit in the browser: the submit button is disabled while the POST is in flight, so a
double click posts one help request."""

from __future__ import annotations

import re
import time

import pytest

from practice.models import HelpRequest
from practice.services import requests as request_services
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_posts_one_request_for_a_double_click(page, live_server, community, member, monkeypatch):
    original = request_services.help_request_create

    def slow_create(**kwargs):
        created = original(**kwargs)
        time.sleep(1.0)  # the request stays in flight long enough to click again
        return created

    monkeypatch.setattr(request_services, "help_request_create", slow_create)
    log_in(page, live_server, member.email)
    page.goto(f"{live_server.url}/c/{community.slug}/requests/new/")
    page.get_by_label(re.compile(r"^\s*Title")).fill("Labelling insulin pens at night")
    page.get_by_label(re.compile(r"^\s*The situation")).fill("Who double-checks the label?")
    # Note in sessionStorage (it survives the navigation) whether the button was disabled just after submitting.
    page.evaluate(
        """() => document.addEventListener("submit", (event) => window.setTimeout(() => {
             const button = event.target.querySelector('[type=submit][name=submit]');
             sessionStorage.setItem("disabledInFlight", String(button.disabled));
           }, 20))"""
    )
    page.get_by_role("button", name="Post request").dblclick()
    page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    assert page.evaluate("sessionStorage.getItem('disabledInFlight')") == "true"
    hr = HelpRequest.objects.get(title="Labelling insulin pens at night")
    assert page.url.endswith(hr.get_absolute_url())
    assert HelpRequest.objects.filter(community=community).count() == 1
