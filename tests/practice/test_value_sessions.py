"""Practice sessions in the value report's participation: sessions held against planned, attendance (total
and per session held) and newcomers' first session, per period — in the page, the CSV and the monthly email."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from communities.models import Category, OutboundEmail, Role
from communities.selectors.report_periods import report_period
from communities.services import value as value_services
from practice.models import PracticeSession, SessionAttendance
from practice.selectors.value import CURRENT, PREVIOUS, PeriodSessions, period_sessions, session_participation_figures
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.practice.factories_sessions import PracticeSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # last full quarter: Q3 2026; the one before: Q2
SECOND = timedelta(seconds=1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def member(community, joined: datetime, email: str = ""):
    user = UserFactory(verified=False, **({"email": email} if email else {}))
    MembershipFactory(community=community, user=user, joined_at=joined)
    return user


def session(community, start: datetime, attendees=(), *, cancelled: bool = False) -> PracticeSession:
    s = PracticeSessionFactory(
        community=community,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=PracticeSession.Status.CANCELLED if cancelled else PracticeSession.Status.SCHEDULED,
    )
    for user in attendees:
        SessionAttendance.objects.create(session=s, user=user)
    return s


def build(community) -> None:
    """Q3: three planned (two held, five attendances), one cancelled; Q2: two planned (one held, three)."""
    a, b = member(community, utc(2026, 1, 1)), member(community, utc(2026, 1, 1))
    n1 = member(community, utc(2026, 7, 5))  # joined in Q3, first session in Q3: counts
    n2 = member(community, utc(2026, 7, 20))  # joined in Q3, first session in Q3: counts
    n3 = member(community, utc(2026, 8, 1))  # joined in Q3, first session in October: not in Q3
    n4 = member(community, utc(2026, 6, 1))  # joined in Q2, first session in Q3: neither period
    n5 = member(community, utc(2026, 5, 1))  # joined in Q2, first session in Q2: counts for Q2
    session(community, utc(2026, 7, 10, 13), [a, n1, n4])
    session(community, utc(2026, 8, 5, 13), [n1, n2])
    session(community, utc(2026, 9, 30, 23, 59, 59))  # planned, nobody recorded: not held
    session(community, utc(2026, 8, 20, 13), [a, b, n4], cancelled=True)  # cancelled: left out
    session(community, utc(2026, 10, 1), [n3, a])  # after the period
    session(community, utc(2026, 5, 3, 13), [a, b, n5])
    session(community, utc(2026, 7, 1) - SECOND)  # the last second of Q2: planned in Q2
    session(community, utc(2026, 3, 31, 23), [a])  # before Q2
    SessionAttendance.objects.create(session=PracticeSession.objects.get(starts_at=utc(2026, 8, 20, 13)), user=n2)


@pytest.fixture
def community():
    return CommunityFactory(time_zone="UTC", slug="sessions-value")


def test_it_counts_held_against_planned_attendance_and_newcomers_first_session(community):
    build(community)
    with time_machine.travel(NOW, tick=False):
        figures = period_sessions(community, report_period(community, now=NOW))
    assert figures[CURRENT] == PeriodSessions(planned=3, held=2, attendance=5, newcomers_first=2)
    assert figures[PREVIOUS] == PeriodSessions(planned=2, held=1, attendance=3, newcomers_first=1)
    assert figures[CURRENT].held_share == pytest.approx(2 / 3)
    assert figures[CURRENT].attendance_per_session == 2.5
    assert figures[PREVIOUS].attendance_per_session == 3.0


def test_its_figures_say_the_change_in_words(community, django_assert_num_queries):
    build(community)
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(2):
        group = session_participation_figures(community, report_period(community, now=NOW))
    by_key = {f.key: f for f in group.figures}
    assert group.title == "Practice sessions"
    assert (by_key["sessions.planned"].display, by_key["sessions.planned"].change) == ("3", "up 1 from 2")
    assert (by_key["sessions.held"].display, by_key["sessions.held"].change) == ("2", "up 1 from 1")
    assert (by_key["sessions.held_share"].display, by_key["sessions.held_share"].previous_display) == ("67%", "50%")
    assert by_key["sessions.attendance"].change == "up 2 from 3"
    assert by_key["sessions.attendance_per_session"].change == "down 0.5 from 3.0"
    assert by_key["sessions.newcomers_first"].change == "up 1 from 1"


def test_an_empty_period_has_no_average(community):
    with time_machine.travel(NOW, tick=False):
        group = session_participation_figures(community, report_period(community, now=NOW))
    by_key = {f.key: f for f in group.figures}
    assert by_key["sessions.planned"].value == 0
    assert by_key["sessions.attendance_per_session"].display == "—"
    assert by_key["sessions.held_share"].value is None


@pytest.fixture
def sponsor(community):
    user = UserFactory(email="sessions.sponsor@example.org")
    MembershipFactory(community=community, user=user, role=Role.SPONSOR, joined_at=utc(2025, 1, 1))
    return user


def _url(community, name: str) -> str:
    return reverse(name, kwargs={"slug": community.slug})


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_them_right_after_participation(community, sponsor, as_user):
    build(community)
    page = as_user(sponsor).get(_url(community, "communities:value")).content.decode()
    assert page.index(">Participation</h2>") < page.index(">Practice sessions</h2>") < page.index(">Vibrancy: how")
    section = page[page.index(">Practice sessions</h2>") :]
    section = section[: section.index("</section>")]
    assert "Practice sessions held (attendance recorded)" in section
    assert "Attendance per session held (average)" in section and "2.5" in section
    assert "Newcomers who came to their first session" in section


@time_machine.travel(NOW, tick=False)
def test_the_csv_has_them_side_by_side(community, sponsor, as_user):
    build(community)
    response = as_user(sponsor).get(_url(community, "communities:value-csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    by_label = {(r[0], r[1]): r for r in rows[3:]}
    section = "Practice sessions"
    assert by_label[(section, "Practice sessions planned")][2:6] == ["count", "3", "2", "up 1 from 2"]
    assert by_label[(section, "Practice sessions held (attendance recorded)")][3:5] == ["2", "1"]
    assert by_label[(section, "Sessions held: share of those planned")][2:5] == ["percent", "66.7", "50.0"]
    assert by_label[(section, "Attendance at sessions held")][3:5] == ["5", "3"]
    assert by_label[(section, "Attendance per session held (average)")][2:5] == ["mean", "2.50", "3.00"]
    assert by_label[(section, "Newcomers who came to their first session")][3:5] == ["2", "1"]


def test_the_monthly_email_has_them(community, sponsor):
    community.created_at = NOW - timedelta(days=400)
    community.save()
    a = member(community, utc(2026, 1, 1))
    newcomer = member(community, utc(2026, 10, 2))
    session(community, utc(2026, 10, 6, 13), [a, newcomer])
    session(community, utc(2026, 10, 20, 13), [a])
    session(community, utc(2026, 9, 15, 13), [a])
    assert value_services.value_reports_send_monthly(now=NOW) == 1
    email = OutboundEmail.objects.get(category=Category.REPORTS, to=sponsor.email)
    assert "PRACTICE SESSIONS" in email.body_text
    assert "- Practice sessions held (attendance recorded): 2 (up 1 from 1, better)" in email.body_text
    assert "- Attendance at sessions held: 3 (up 2 from 1, better)" in email.body_text
    assert "- Newcomers who came to their first session: 1 (up 1 from 0, better)" in email.body_text
