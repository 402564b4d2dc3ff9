"""The learning loop demo: closed loops with outcomes, one stopped, one lapsed, reminders due at start-up."""

from __future__ import annotations

import pytest
from django.utils import timezone

from communities.demo import core
from communities.models import Category, Notification, OutboundEmail
from practice import tasks
from practice.demo import loops as demo_loops
from practice.demo import requests as demo
from practice.models import FollowUp, Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    state = core.seed()
    demo.seed(state)
    demo_loops.seed(state)
    return state


def test_it_tells_how_the_demo_loops_turned_out(seeded):
    loops = FollowUp.objects.filter(community=seeded.community)
    states = set(loops.values_list("state", flat=True))
    assert {"closed", "stopped", "lapsed", "scheduled"} <= states
    outcomes = Outcome.objects.filter(community=seeded.community)
    assert set(outcomes.values_list("result", flat=True)) == {"resolved", "partly", "not_resolved"}
    assert outcomes.filter(story_consent=True).count() >= 2
    assert outcomes.filter(story_consent=False).exists()
    assert outcomes.filter(share_as_learning=True, share_kind="case_story").exists()
    assert outcomes.filter(share_as_learning=True, share_kind="failure_reflection").exists()
    assert all(o.recorded_at < seeded.now for o in outcomes)
    # History does not flood the console at start-up: its emails count as sent.
    assert not OutboundEmail.objects.filter(state="pending", category__in=[Category.ADVICE, "follow_ups"]).exists()


def test_reminders_are_due_at_start_up_and_the_member_gets_one(seeded):
    due = FollowUp.objects.filter(state__in=FollowUp.PENDING, due_at__lte=timezone.now())
    count = due.count()
    assert count >= 2
    assert due.filter(asker__email="member@demo.example").exists()
    assert tasks.send_due_follow_ups() == count
    reminder = OutboundEmail.objects.get(to="member@demo.example", category=Category.FOLLOW_UPS, state="pending")
    assert "How did it go?" in reminder.subject and "/outcome/" in reminder.body_text
    assert Notification.objects.filter(user=seeded.users["member"], title__startswith="How did it go?").exists()


def test_it_is_idempotent(seeded):
    before = (FollowUp.objects.count(), Outcome.objects.count(), OutboundEmail.objects.count())
    demo_loops.seed(seeded)
    assert (FollowUp.objects.count(), Outcome.objects.count(), OutboundEmail.objects.count()) == before
