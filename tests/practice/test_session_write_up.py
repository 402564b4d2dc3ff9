"""After the session: attendance (RSVPs plus walk-ins), notes, "Write up as summary" into captured
learning, and the members who missed it told when the summary is published."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Notification
from practice.models import Artefact, SessionAgendaItem, SessionAttendance
from tests.practice.factories import HelpRequestFactory
from tests.practice.factories_sessions import PracticeSessionFactory, SessionRSVPFactory

pytestmark = pytest.mark.django_db


def _url(name: str, session) -> str:
    return reverse(f"practice:{name}", kwargs={"slug": session.community.slug, "pk": session.pk})


@pytest.fixture
def held(community, member, core):
    start = timezone.now() - timedelta(hours=3)
    session = PracticeSessionFactory(
        community=community, title="Huddle on handovers", starts_at=start, ends_at=start + timedelta(hours=1),
        until=start + timedelta(hours=1),
    )  # fmt: skip
    SessionRSVPFactory(session=session, user=member, answer="going")
    SessionRSVPFactory(session=session, user=core, answer="maybe")
    return session


def test_the_attendance_form_starts_from_the_rsvps_and_records_walk_ins(
    held, facilitator, member, core, newcomer, as_user
):
    client = as_user(facilitator)
    page = client.get(_url("session-attendance", held)).content.decode()
    assert re.search(rf'value="{member.pk}"[^>]*checked', page) and re.search(rf'value="{core.pk}"[^>]*checked', page)
    assert re.search(rf'value="{newcomer.pk}"[^>]*>', page) and not re.search(
        rf'value="{newcomer.pk}"[^>]*checked', page
    )
    response = client.post(
        _url("session-attendance", held), {"attendees": [member.pk, facilitator.pk], "notes": "* SBAR at the bedside"}
    )
    assert response.status_code == 302
    rows = {a.user_id: a.walk_in for a in SessionAttendance.objects.filter(session=held)}
    assert rows == {member.pk: False, facilitator.pk: True}
    held.refresh_from_db()
    assert held.notes == "* SBAR at the bedside"
    detail = as_user(member).get(held.get_absolute_url()).content.decode()
    assert "2 attended" in detail and "Facilitator (walk-in)" in detail


def test_an_upcoming_session_has_no_attendance_yet_and_what_was_typed_stays(community, facilitator, member, as_user):
    upcoming = PracticeSessionFactory(community=community)
    response = as_user(facilitator).post(
        _url("session-attendance", upcoming), {"attendees": [member.pk], "notes": "Keep these words"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Attendance is recorded once the session has started" in content and "Keep these words" in content
    assert not SessionAttendance.objects.exists()


def test_notes_become_a_draft_summary_whose_publication_tells_those_who_missed_it(
    held, facilitator, core, member, newcomer, sponsor, as_user
):
    request = HelpRequestFactory(community=held.community, author=member)
    SessionAgendaItem.objects.create(session=held, request=request, added_by=facilitator)
    client = as_user(facilitator)
    # No notes yet: a clear message, nothing drafted.
    response = client.post(_url("session-write-up", held), follow=True)
    assert "Write the notes of the session first" in response.content.decode()
    assert not Artefact.objects.exists()

    client.post(_url("session-attendance", held), {"attendees": [member.pk, facilitator.pk], "notes": "Use **SBAR**."})
    response = client.post(_url("session-write-up", held))
    artefact = Artefact.objects.get()
    assert response.status_code == 302 and response["Location"] == artefact.get_absolute_url()
    assert artefact.kind == Artefact.Kind.SUMMARY and artefact.status == Artefact.Status.DRAFT
    assert artefact.key_points == "Use **SBAR**." and artefact.title == "Huddle on handovers: highlights"
    assert list(artefact.source_requests.all()) == [request]
    held.refresh_from_db()
    assert held.summary == artefact
    client.post(_url("session-write-up", held))  # twice: still one summary
    assert Artefact.objects.count() == 1

    publish = reverse("practice:learning-publish", kwargs={"slug": held.community.slug, "pk": artefact.pk})
    assert client.post(publish).status_code == 302
    told = set(Notification.objects.filter(title__startswith="You missed").values_list("user_id", flat=True))
    assert told == {core.pk, newcomer.pk, sponsor.pk}  # not those who attended
    # The newcomer who missed it finds it in Learning, and on the session's page.
    learning = (
        as_user(newcomer).get(reverse("practice:learning", kwargs={"slug": held.community.slug})).content.decode()
    )
    assert "Huddle on handovers: highlights" in learning
    assert artefact.get_absolute_url() in as_user(newcomer).get(held.get_absolute_url()).content.decode()
