"""Practice session pages: scheduling (and its errors), the list, one session, RSVPs; query counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import OutboundEmail
from practice.models import PracticeSession, SessionRSVP
from tests.factories import MembershipFactory, UserFactory
from tests.practice.factories_sessions import PracticeSessionFactory, SessionRSVPFactory

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _amsterdam(community):
    community.time_zone = "Europe/Amsterdam"
    community.save(update_fields=["time_zone"])


def _url(name: str, community, **kwargs) -> str:
    return reverse(f"practice:{name}", kwargs={"slug": community.slug, **kwargs})


FORM = {
    "title": "Case clinic: handover errors",
    "kind": "case_clinic",
    "date": "2026-03-24",
    "start_time": "13:00",
    "end_time": "14:30",
    "place": "Seminar room 2",
    "online_url": "",
    "capacity": "",
    "repeat": "",
    "occurrences": "1",
    "description": "Bring a case from last week.",
}


def test_it_schedules_a_session_in_the_communitys_time_zone_and_invites_the_members(community, core, member, as_user):
    with time_machine.travel(NOW, tick=False):
        response = as_user(core).post(_url("session-new", community), FORM)
    session = PracticeSession.objects.get()
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert session.starts_at == datetime(2026, 3, 24, 13, 0, tzinfo=AMS)
    assert session.ends_at - session.starts_at == timedelta(minutes=90)
    assert session.created_by == core and session.sequence == 0 and session.until == session.ends_at
    assert set(OutboundEmail.objects.values_list("to", flat=True)) == {core.email, member.email}
    assert community.activity.filter(action="session").exists()


def test_bad_input_gets_clear_messages_and_keeps_what_was_typed(community, facilitator, as_user):
    client = as_user(facilitator)
    bad = {**FORM, "end_time": "12:00", "description": "My *notes* stay"}
    response = client.post(_url("session-new", community), bad)
    assert response.status_code == 200
    content = response.content.decode()
    assert "The session must end after it starts" in content
    assert "My *notes* stay" in content and "Case clinic: handover errors" in content
    # 29 March 2026, 02:30 does not exist in Amsterdam: the clocks jump from 02:00 to 03:00.
    gap = {**FORM, "date": "2026-03-29", "start_time": "02:30", "end_time": "03:30"}
    assert (
        "does not exist on 29 Mar 2026 in Europe/Amsterdam"
        in client.post(_url("session-new", community), gap).content.decode()
    )
    nowhere = {**FORM, "place": ""}
    assert "Say where the session takes place" in client.post(_url("session-new", community), nowhere).content.decode()
    repeat_once = {**FORM, "repeat": "weekly", "occurrences": "1"}
    assert (
        "A repeating session needs 2 to 52" in client.post(_url("session-new", community), repeat_once).content.decode()
    )
    assert not PracticeSession.objects.exists()


def test_a_change_raises_the_sequence_and_a_portal_only_change_does_not(community, facilitator, member, as_user):
    with time_machine.travel(NOW, tick=False):
        as_user(facilitator).post(_url("session-new", community), FORM)
        session = PracticeSession.objects.get()
        client = as_user(facilitator)
        client.post(_url("session-edit", community, pk=session.pk), {**FORM, "capacity": "12"})
        session.refresh_from_db()
        assert session.capacity == 12 and session.sequence == 0
        client.post(_url("session-edit", community, pk=session.pk), {**FORM, "capacity": "12", "start_time": "13:30"})
    session.refresh_from_db()
    assert session.sequence == 1 and session.starts_at == datetime(2026, 3, 24, 13, 30, tzinfo=AMS)
    assert OutboundEmail.objects.filter(to=member.email).count() == 2  # the invitation and one update


def test_members_answer_and_a_full_session_says_so(community, facilitator, member, newcomer, as_user):
    session = PracticeSessionFactory(community=community, capacity=1)
    response = as_user(member).post(_url("session-rsvp", community, pk=session.pk), {"answer": "going"})
    assert response.status_code == 302
    assert SessionRSVP.objects.get(session=session, user=member).answer == "going"
    response = as_user(newcomer).post(_url("session-rsvp", community, pk=session.pk), {"answer": "going"}, follow=True)
    assert "The session is full (1 places)" in response.content.decode()
    assert not SessionRSVP.objects.filter(user=newcomer).exists()
    as_user(newcomer).post(_url("session-rsvp", community, pk=session.pk), {"answer": "maybe"})
    assert SessionRSVP.objects.get(user=newcomer).answer == "maybe"
    # Changing one's mind: a single answer per member.
    as_user(member).post(_url("session-rsvp", community, pk=session.pk), {"answer": "not_going"})
    assert SessionRSVP.objects.get(session=session, user=member).answer == "not_going"
    page = as_user(member).get(session.get_absolute_url()).content.decode()
    assert "0 going, 1 maybe, 1 not going" in page


def test_a_cancelled_or_past_session_takes_no_answers(community, facilitator, member, as_user):
    past = PracticeSessionFactory(community=community, starts_at=NOW - timedelta(days=3))
    response = as_user(member).post(_url("session-rsvp", community, pk=past.pk), {"answer": "going"}, follow=True)
    assert "This session is over" in response.content.decode()
    cancelled = PracticeSessionFactory(community=community, status=PracticeSession.Status.CANCELLED)
    response = as_user(member).post(_url("session-rsvp", community, pk=cancelled.pk), {"answer": "going"}, follow=True)
    assert "This session was cancelled" in response.content.decode()
    assert not SessionRSVP.objects.exists()


def test_a_facilitator_cancels_one_occurrence_of_a_series_from_its_page(community, facilitator, member, as_user):
    start = datetime(2026, 3, 3, 13, 0, tzinfo=AMS)
    session = PracticeSessionFactory(
        community=community, starts_at=start, ends_at=start + timedelta(hours=1), repeat="weekly", occurrences=4,
        until=start + timedelta(weeks=3, hours=1),
    )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        page = as_user(facilitator).get(session.get_absolute_url()).content.decode()
        assert page.count("Cancel this one") == 4
        second = session.all_starts()[1]
        as_user(facilitator).post(
            _url("session-occurrence-cancel", community, pk=session.pk), {"start": second.isoformat()}
        )
        session.refresh_from_db()
        assert second not in session.occurrence_starts() and len(session.occurrence_starts()) == 3
        assert session.sequence == 1
        # Members see the series without it, and no button.
        page = as_user(member).get(session.get_absolute_url()).content.decode()
        assert "Cancel this one" not in page and page.count('datetime="2026-03') == 3


def test_the_list_shows_upcoming_and_past_sessions(community, member, as_user):
    with time_machine.travel(NOW, tick=False):
        upcoming = PracticeSessionFactory(community=community, title="Next week clinic")
        past = PracticeSessionFactory(
            community=community, title="Last month huddle", starts_at=NOW - timedelta(days=30)
        )
        SessionRSVPFactory(session=upcoming, user=member)
        response = as_user(member).get(_url("session-list", community))
    content = response.content.decode()
    upcoming_part, past_part = content.split("Past and cancelled")
    assert "Next week clinic" in upcoming_part and "You: going" in upcoming_part
    assert "Last month huddle" in past_part and past.title not in upcoming_part


def _grow(community, n: int) -> PracticeSession:
    session = None
    for i in range(n):
        session = PracticeSessionFactory(
            community=community, repeat="weekly" if i % 2 else "", occurrences=3 if i % 2 else 1
        )
        PracticeSessionFactory(community=community, starts_at=NOW - timedelta(days=10 + i))
        for _ in range(3):
            user = UserFactory()
            MembershipFactory(community=community, user=user)
            SessionRSVPFactory(session=session, user=user)
    return session


@pytest.mark.parametrize("page", ["session-list", "session-detail"])
def test_the_pages_run_the_same_queries_at_1x_and_10x(page, community, member, as_user, django_assert_num_queries):
    target = PracticeSessionFactory(community=community)
    SessionRSVPFactory(session=target, user=member)
    _grow(community, 1)
    client = as_user(member)
    url = _url(page, community, **({"pk": target.pk} if page == "session-detail" else {}))
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _grow(community, 10)
    for _ in range(3):
        SessionRSVPFactory(session=target, user=UserFactory())
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
