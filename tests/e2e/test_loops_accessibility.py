"""axe-core finds no serious or critical accessibility violations on the learning loop pages (demo data)."""

from __future__ import annotations

import pytest

from communities.demo import core
from practice.demo import loops as demo_loops
from practice.demo import requests as practice_demo
from practice.models import FollowUp, Outcome
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import DEMO_PASSWORD, SLUG, check

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    state = core.seed()
    practice_demo.seed(state)
    demo_loops.seed(state)


def test_the_outcome_form_and_the_loop_on_the_request_page_have_no_serious_violations(page, live_server, demo):
    due = FollowUp.objects.get(
        asker__email="member@demo.example", state="scheduled", reminders_sent=0, request__anonymous=False
    )
    stopped = FollowUp.objects.filter(asker__email="member@demo.example", state="stopped").first()
    closed = Outcome.objects.exclude(author__email="member@demo.example").first()
    paths = [
        f"/c/{SLUG}/requests/{due.request_id}/outcome/",
        f"/c/{SLUG}/requests/{due.request_id}/",
        f"/c/{SLUG}/requests/{stopped.request_id}/",
        f"/c/{SLUG}/requests/{closed.request_id}/",
    ]
    log_in(page, live_server, "member@demo.example", DEMO_PASSWORD)
    problems = [p for path in paths for p in check(page, live_server.url + path)]
    assert problems == []


def test_the_learning_loops_dashboard_section_has_no_serious_violations(page, live_server, demo):
    log_in(page, live_server, "facilitator@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/c/{SLUG}/dashboard/")
    assert page.get_by_role("heading", name="Learning loops: how advice turned out").is_visible()
    assert check(page, f"{live_server.url}/c/{SLUG}/dashboard/") == []
