"""The facilitators' session pages — the agenda, attendance and notes, advice from the session — run the same
number of queries whatever the number of members, answers, requests, topics and attendees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from practice.models import SessionAgendaItem, SessionAttendance
from tests.factories import MembershipFactory, TagFactory, UserFactory
from tests.practice.factories import AdviceFactory, HelpRequestFactory
from tests.practice.factories_sessions import PracticeSessionFactory, SessionRSVPFactory

pytestmark = pytest.mark.django_db


def _grow(community, session, n: int, asker) -> None:
    """``n`` times: a member who answered and attended, an open request (half with advice) on a topic, on the
    agenda or offered for it, and a topic of the learning agenda."""
    for i in range(n):
        user = UserFactory()
        MembershipFactory(community=community, user=user)
        SessionRSVPFactory(session=session, user=user, answer="going" if i % 2 else "maybe")
        SessionAttendance.objects.create(session=session, user=user, walk_in=bool(i % 3))
        tag = TagFactory(community=community)
        for on_agenda in (True, False):
            help_request = HelpRequestFactory(community=community, author=asker)
            help_request.tags.add(tag)
            if i % 2:
                AdviceFactory(request=help_request, author=user)
            if on_agenda:
                session.agenda.create(request=help_request, status=SessionAgendaItem.Status.ACCEPTED, position=i)
        session.agenda.create(tag=tag, status=SessionAgendaItem.Status.ACCEPTED, position=n + i)


@pytest.mark.parametrize("page", ["session-agenda", "session-attendance", "session-advice"])
def test_the_pages_run_the_same_queries_at_1x_and_10x(
    page, community, facilitator, member, as_user, django_assert_num_queries
):
    # Held yesterday for the advice page; the agenda and attendance pages take any session.
    start = timezone.now() - timedelta(days=1) if page == "session-advice" else timezone.now() + timedelta(days=2)
    session = PracticeSessionFactory(community=community, starts_at=start, ends_at=start + timedelta(hours=1))
    SessionAttendance.objects.create(session=session, user=facilitator)
    _grow(community, session, 1, member)
    client = as_user(facilitator)
    url = reverse(f"practice:{page}", kwargs={"slug": community.slug, "pk": session.pk})
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert response.status_code == 200
    _grow(community, session, 10, member)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    # The 10x data is on the page: the off-agenda requests offered, every member, the agenda and attendees.
    expected = {
        "session-agenda": ('name="requests"', 11),
        "session-attendance": ('name="attendees"', 13),  # the facilitator, the asker, 11 grown members
        "session-advice": ("<option", 11 + 12),  # 11 agenda requests, 12 attendees
    }[page]
    assert content.count(expected[0]) == expected[1]
