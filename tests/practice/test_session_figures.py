"""Practice sessions in the figures: held against planned, attendance per session and month, newcomers'
first session on the dashboard; attendance counts as participation ("active members")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.selectors.contributions import contribution_sources
from practice.models import PracticeSession, SessionAttendance
from practice.selectors import sessions as selectors
from tests.practice.factories_sessions import PracticeSessionFactory

pytestmark = pytest.mark.django_db


def _past(community, days: float, **extra) -> PracticeSession:
    start = timezone.now() - timedelta(days=days)
    return PracticeSessionFactory(
        community=community,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        until=start + timedelta(hours=1),
        **extra,
    )


@pytest.fixture
def history(community, member, core, newcomer, facilitator):
    held = _past(community, 2)
    for user in (member, core, newcomer):
        SessionAttendance.objects.create(session=held, user=user)
    older = _past(community, 40)
    SessionAttendance.objects.create(session=older, user=member)
    _past(community, 10)  # planned, no attendance recorded
    _past(community, 12, status=PracticeSession.Status.CANCELLED)
    PracticeSessionFactory(community=community)  # upcoming: not counted yet
    return held


def test_the_figures_count_held_against_planned_attendance_and_newcomers(community, history, newcomer):
    f = selectors.session_figures(community=community, now=timezone.now())
    assert (f.planned, f.held, f.cancelled) == (3, 2, 1)
    assert f.attendance_per_session == 2.0
    assert sum(n for _, n, _ in f.per_month) == 2 and sum(a for _, _, a in f.per_month) == 4
    assert (f.newcomers, f.newcomers_attended) == (1, 1)


def test_the_dashboard_shows_them(community, history, facilitator, as_user):
    page = as_user(facilitator).get(reverse("communities:dashboard", kwargs={"slug": community.slug})).content.decode()
    assert "Practice sessions" in page
    assert '<div class="stat" id="sessions-held">2 of 3</div>' in page
    assert '<div class="stat" id="sessions-newcomers">1 of 1</div>' in page


def test_attendance_counts_as_a_contribution(community, history, member, newcomer):
    source = contribution_sources()["session attendance"]
    now = timezone.now()
    rows = list(source(community, now - timedelta(days=7), now))
    assert sorted(user_id for user_id, _ in rows) == sorted([history.attendance.values_list("user_id", flat=True)][0])
    assert all(at == history.starts_at for _, at in rows)
