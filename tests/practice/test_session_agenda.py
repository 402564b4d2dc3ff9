"""A session's agenda from practice: facilitators pull open, unanswered and overdue requests and the learning
agenda's top topics; members propose their own requests with a reason; facilitators accept or decline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Notification
from practice.models import HelpRequest, SessionAgendaItem
from tests.factories import TagFactory
from tests.practice.factories import AdviceFactory, HelpRequestFactory
from tests.practice.factories_sessions import PracticeSessionFactory

pytestmark = pytest.mark.django_db


def _url(name: str, session, **kwargs) -> str:
    return reverse(f"practice:{name}", kwargs={"slug": session.community.slug, "pk": session.pk, **kwargs})


def test_facilitators_pull_unanswered_and_overdue_requests_and_top_topics(
    community, facilitator, member, core, as_user
):
    session = PracticeSessionFactory(community=community)
    tag = TagFactory(community=community, name="insulin", slug="insulin")
    overdue = HelpRequestFactory(community=community, author=member, title="Overdue insulin question")
    HelpRequest.objects.filter(pk=overdue.pk).update(
        created_at=timezone.now() - timedelta(days=3), response_due_at=timezone.now() - timedelta(hours=1)
    )
    overdue.tags.add(tag)
    answered = HelpRequestFactory(community=community, author=member, title="Answered handover question")
    AdviceFactory(request=answered, author=core)
    closed = HelpRequestFactory(community=community, author=member, title="Closed one", status="resolved")
    client = as_user(facilitator)
    page = client.get(_url("session-agenda", session)).content.decode()
    assert page.index("Overdue insulin question") < page.index("Answered handover question")
    assert "Unanswered" in page and "Overdue" in page and "insulin (1 request)" in page
    assert closed.title not in page
    # Nothing ticked: a clear message, nothing added.
    assert "Tick at least one request or topic" in client.post(_url("session-agenda", session), {}).content.decode()
    response = client.post(_url("session-agenda", session), {"requests": [overdue.pk, answered.pk], "tags": [tag.pk]})
    assert response.status_code == 302
    items = list(session.agenda.all())
    assert [(i.request_id, i.tag_id, i.status) for i in items] == [
        (overdue.pk, None, "accepted"),
        (answered.pk, None, "accepted"),
        (None, tag.pk, "accepted"),
    ]
    detail = as_user(member).get(session.get_absolute_url()).content.decode()
    assert "Overdue insulin question" in detail and "Topic: insulin" in detail


def test_a_member_proposes_their_request_and_a_facilitator_accepts_or_declines(
    community, facilitator, member, newcomer, as_user
):
    session = PracticeSessionFactory(community=community)
    mine = HelpRequestFactory(community=community, author=member, title="My tricky case")
    other = HelpRequestFactory(community=community, author=newcomer, title="Not mine")
    client = as_user(member)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "My tricky case" in page.split('id="propose-request"')[1] and "Not mine" not in page
    # No reason: the message, and what was chosen stays.
    response = client.post(_url("session-propose", session), {"request": mine.pk, "reason": ""})
    assert response.status_code == 200 and "Say in a few words why" in response.content.decode()
    # Someone else's request is refused.
    client.post(_url("session-propose", session), {"request": other.pk, "reason": "Because it matters"})
    assert not SessionAgendaItem.objects.exists()
    client.post(_url("session-propose", session), {"request": mine.pk, "reason": "Two wards disagree on this"})
    item = SessionAgendaItem.objects.get()
    assert (item.status, item.added_by, item.reason) == ("proposed", member, "Two wards disagree on this")
    assert Notification.objects.filter(user=facilitator, title__startswith="Proposed for").exists()

    response = as_user(facilitator).post(
        _url("session-agenda-decide", session, item_pk=item.pk), {"decision": "accept"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "accepted"
    assert Notification.objects.filter(user=member, title__startswith="Your request is on the agenda").exists()
    # Decided once.
    as_user(facilitator).post(_url("session-agenda-decide", session, item_pk=item.pk), {"decision": "decline"})
    item.refresh_from_db()
    assert item.status == "accepted"


def test_a_declined_proposal_leaves_the_agenda(community, facilitator, member, as_user):
    session = PracticeSessionFactory(community=community)
    request = HelpRequestFactory(community=community, author=member, title="Declined case")
    item = SessionAgendaItem.objects.create(session=session, request=request, added_by=member, status="proposed")
    as_user(facilitator).post(_url("session-agenda-decide", session, item_pk=item.pk), {"decision": "decline"})
    item.refresh_from_db()
    assert item.status == "declined"
    assert (
        "Declined case"
        not in as_user(member)
        .get(session.get_absolute_url())
        .content.decode()
        .split('id="agenda"')[1]
        .split("</ol>")[0]
    )
