"""The value report's demo data: the sponsor sees a funnel and stories in the default period, whatever the day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from communities.demo import core
from communities.models import Membership
from communities.selectors.report_periods import report_period
from practice.demo import value as demo_value
from practice.models import HelpRequest, Outcome
from practice.selectors.value import funnel, value_stories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


# The last full quarter ends between 1 and 92 days before the seeding day: both ends, and the middle.
@pytest.mark.parametrize(
    "today",
    [
        datetime(2026, 11, 28, 12, tzinfo=UTC),
        datetime(2026, 12, 31, 22, tzinfo=UTC),  # already 1 January in Amsterdam: Q4 is the last full quarter
        datetime(2027, 1, 1, 1, tzinfo=UTC),
        datetime(2026, 9, 30, 21, tzinfo=UTC),  # the last hours of Q3 in Amsterdam
    ],
)
def test_it_puts_closed_loops_and_stories_into_the_last_full_quarter(today):
    with time_machine.travel(today, tick=False):
        state = core.seed()
        demo_value.seed(state)
        community = state.community
        period = report_period(community)
        seeded = HelpRequest.objects.filter(community=community, title__in=[loop.title for loop in demo_value.LOOPS])
        assert seeded.count() == len(demo_value.LOOPS)
        for help_request in seeded:
            assert period.current.contains(help_request.created_at)
            joined = Membership.objects.get(community=community, user=help_request.author).joined_at
            assert joined < help_request.created_at  # nobody asks before they joined
        outcomes = Outcome.objects.filter(community=community)
        assert all(period.current.contains(o.recorded_at) for o in outcomes)
        stories = value_stories(community, period)
        assert stories.total == 3  # resolved or partly, with consent; the private one never shows
        assert outcomes.filter(story_consent=False, result="resolved").count() == 1
        steps = {s.key: s.count.value for s in funnel(community, period)}
        assert steps["asked"] >= 8 and steps["answered"] >= 8
        assert steps["advice_taken"] >= 5 and steps["outcome_reported"] >= 4
        assert steps["captured"] >= 1  # the insulin-pen story, published as a case story


def test_seed_demo_shows_the_sponsor_a_funnel_and_stories():
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115 - idempotent
    community_requests = HelpRequest.objects.filter(title=demo_value.LOOPS[0].title)
    assert community_requests.count() == 1
    sponsor = Membership.objects.get(community__slug=core.SLUG, user__email="sponsor@demo.example").user
    page = client_for(sponsor).get(reverse("communities:value", kwargs={"slug": core.SLUG})).content.decode()
    assert "Value funnel" in page
    assert demo_value.LOOPS[0].title in page  # a consented story
    assert "Handover of patients going home on a new anticoagulant" not in page  # no consent, no story
