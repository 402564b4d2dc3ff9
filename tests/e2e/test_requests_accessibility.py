"""axe-core finds no serious or critical accessibility violations on the help-request pages (demo data)."""

from __future__ import annotations

import pytest

from communities.demo import core
from practice.demo import requests as practice_demo
from practice.models import AdviceResponse, HelpRequest
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import DEMO_PASSWORD, SLUG, check

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    """The demo community with its members and the practice demo data (other areas' data is not needed)."""
    practice_demo.seed(core.seed())


def test_the_request_pages_have_no_serious_violations(page, live_server, demo):
    discussed = AdviceResponse.objects.filter(kind="discuss", request__author__email="member@demo.example").first()
    mine = HelpRequest.objects.filter(author__email="member@demo.example", status="answered").first()
    paths = [
        f"/c/{SLUG}/requests/",
        f"/c/{SLUG}/requests/?filter=overdue",
        f"/c/{SLUG}/requests/new/",
        f"/c/{SLUG}/requests/{discussed.request_id}/",
        f"/c/{SLUG}/requests/{mine.pk}/",
    ]
    log_in(page, live_server, "member@demo.example", DEMO_PASSWORD)
    problems = [p for path in paths for p in check(page, live_server.url + path)]
    assert problems == []


def test_the_moderation_and_dashboard_pages_have_no_serious_violations(page, live_server, demo):
    hr = HelpRequest.objects.filter(community__slug=SLUG).order_by("-created_at").first()
    paths = [
        f"/c/{SLUG}/requests/{hr.pk}/moderate/",
        f"/c/{SLUG}/requests/{hr.pk}/edit/",
        f"/c/{SLUG}/dashboard/",
    ]
    log_in(page, live_server, "facilitator@demo.example", DEMO_PASSWORD)
    problems = [p for path in paths for p in check(page, live_server.url + path)]
    assert problems == []
