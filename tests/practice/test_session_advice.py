"""Advice "from the session": the core group records advice given in a held session on one of its agenda
requests, in the name of a member who attended; the request shows it marked and the asker is told."""

from __future__ import annotations

import html as html_lib
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities.models import Category, Notification, OutboundEmail
from practice.models import Advice, HelpRequest, SessionAgendaItem, SessionAttendance
from practice.services import requests as services
from tests.conftest import client_for
from tests.practice.factories_sessions import PracticeSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
HELD = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # Tuesday 10 March, 13:00 in London


def _url(session) -> str:
    return reverse("practice:session-advice", kwargs={"slug": session.community.slug, "pk": session.pk})


@pytest.fixture
def held(community, member, core, facilitator, post_request):
    """A session held two days ago, with ``member``'s request on its agenda; ``core`` and ``member`` attended."""
    with time_machine.travel(HELD - timedelta(days=3), tick=False):
        help_request = post_request()
        other = post_request(title="Handover of controlled drugs")
    session = PracticeSessionFactory(
        community=community, title="March case clinic", starts_at=HELD, ends_at=HELD + timedelta(hours=1)
    )
    session.agenda.create(request=help_request, added_by=facilitator, status=SessionAgendaItem.Status.ACCEPTED)
    session.agenda.create(request=other, added_by=member, status=SessionAgendaItem.Status.PROPOSED)
    for user in (core, member):
        SessionAttendance.objects.create(session=session, user=user, recorded_by=facilitator)
    return session, help_request


def _post(client, session, **data):
    return client.post(_url(session), {"submit_token": str(uuid.uuid4()), **data})


def test_a_facilitator_records_advice_from_the_session_in_an_attendees_name(held, facilitator, core, member):
    session, help_request = held
    with time_machine.travel(NOW, tick=False):
        response = _post(
            client_for(facilitator),
            session,
            request=help_request.pk,
            author=core.pk,
            body="Ask **pharmacy** for a second checker.",
        )
    advice = Advice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{help_request.get_absolute_url()}#advice-{advice.pk}"
    assert (advice.request, advice.author, advice.session, advice.created_at) == (help_request, core, session, NOW)
    assert advice.body == "Ask **pharmacy** for a second checker."
    # The usual rules of advice: the first response answers the request.
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.ANSWERED
    assert help_request.first_response_at == NOW
    # The asker is told, in the app and by email.
    note = Notification.objects.get(user=member, category=Category.ADVICE)
    assert note.title == "Core advised on “Insulin double-checks at night” in the session “March case clinic”"
    assert note.url.endswith(f"#advice-{advice.pk}")
    email = OutboundEmail.objects.get(to=member.email, category=Category.ADVICE)
    assert 'Core answered your request "Insulin double-checks at night" in the session "March case clinic"' in (
        email.body_text
    )
    assert "on 10 Mar 2026" in email.body_text
    assert f"http://testserver{session.get_absolute_url()}" in email.body_html


def test_the_request_page_marks_the_advice_from_the_session_with_a_link(held, facilitator, core, member):
    session, help_request = held
    with time_machine.travel(NOW, tick=False):
        services.advice_create(
            help_request=help_request, author=core, body="From the clinic.", session=session, recorder=facilitator
        )
        services.advice_create(help_request=help_request, author=facilitator, body="Typed later online.")
        page = client_for(member).get(help_request.get_absolute_url()).content.decode()
    articles = re.findall(r'<article id="advice-\d+".*?</article>', page, flags=re.S)
    assert len(articles) == 2
    mark = (
        f'from the session <a href="{session.get_absolute_url()}">March case clinic</a> on '
        '<time datetime="2026-03-10">10 Mar 2026</time>'
    )
    assert mark in articles[0] and "From the clinic." in articles[0]
    assert "from the session" not in articles[1]
    # And the session's page lists it.
    with time_machine.travel(NOW, tick=False):
        session_page = client_for(member).get(session.get_absolute_url()).content.decode()
    assert "Advice given in the session" in session_page
    assert f"{help_request.get_absolute_url()}#advice-{Advice.objects.get(session=session).pk}" in session_page


def test_the_form_offers_the_agenda_requests_and_the_attendees_defaulting_to_the_recorder(held, core, facilitator):
    session, _ = held
    with time_machine.travel(NOW, tick=False):
        mine = client_for(core).get(_url(session)).content.decode()
        theirs = client_for(facilitator).get(_url(session)).content.decode()
    request_select = re.search(r'<select name="request".*?</select>', mine, flags=re.S).group(0)
    assert "Insulin double-checks at night" in request_select
    assert "Handover of controlled drugs" not in request_select  # only proposed, not on the agenda
    author_select = re.search(r'<select name="author".*?</select>', mine, flags=re.S).group(0)
    assert re.findall(r"<option[^>]*>([^<]+)</option>", author_select) == ["Core", "Member"]
    assert re.search(rf'<option value="{core.pk}"\s+selected>', author_select)
    # The facilitator did not attend: nobody is preselected beyond the first attendee.
    theirs_select = re.search(r'<select name="author".*?</select>', theirs, flags=re.S).group(0)
    assert "selected" not in theirs_select


@pytest.mark.parametrize("persona", ["member", "newcomer"])
def test_members_get_403_and_record_nothing(held, personas, core, persona):
    session, help_request = held
    client = client_for(personas[persona])
    with time_machine.travel(NOW, tick=False):
        assert client.get(_url(session)).status_code == 403
        response = _post(client, session, request=help_request.pk, author=core.pk, body="Sneaky.")
    assert response.status_code == 403
    assert not Advice.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "stranger", "site_admin"])
def test_outsiders_get_404(held, personas, core, persona):
    session, help_request = held
    client = client_for(personas[persona])
    with time_machine.travel(NOW, tick=False):
        assert client.get(_url(session)).status_code == 404
        response = _post(client, session, request=help_request.pk, author=core.pk, body="Sneaky.")
    assert response.status_code == 404
    assert not Advice.objects.exists()


def test_an_author_who_did_not_attend_is_refused_and_the_text_kept(held, core, facilitator):
    session, help_request = held
    with time_machine.travel(NOW, tick=False):
        response = _post(
            client_for(core), session, request=help_request.pk, author=facilitator.pk, body="Kept <b>text</b>."
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice." in page
    assert html_lib.escape("Kept <b>text</b>.") in page
    assert not Advice.objects.exists()


def test_an_identifier_in_the_advice_is_refused_and_kept(held, core):
    session, help_request = held
    body = "Call her daughter on 07911 123456 before discharge."
    with time_machine.travel(NOW, tick=False):
        response = _post(client_for(core), session, request=help_request.pk, author=core.pk, body=body)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This looks like a phone number: <mark>07911 123456</mark>" in page
    assert html_lib.escape(body) in page
    assert not Advice.objects.exists()


def test_a_repeated_submit_records_the_advice_once(held, core, member):
    session, help_request = held
    data = {"submit_token": str(uuid.uuid4()), "request": help_request.pk, "author": core.pk, "body": "Once."}
    client = client_for(core)
    with time_machine.travel(NOW, tick=False):
        first = client.post(_url(session), data)
        second = client.post(_url(session), data)
    assert first.status_code == 302 and second.status_code == 302
    assert Advice.objects.count() == 1
    assert Notification.objects.filter(user=member, category=Category.ADVICE).count() == 1


def test_before_the_session_is_held_the_page_sends_back_to_the_session(community, core):
    session = PracticeSessionFactory(community=community)  # next week
    response = client_for(core).get(_url(session))
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert not Advice.objects.exists()


def test_the_service_keeps_the_rules_of_advice_from_a_session(held, core, member, facilitator, post_request):
    session, help_request = held
    record = {"help_request": help_request, "body": "x", "session": session}
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(PermissionDenied):
            services.advice_create(author=core, recorder=member, **record)
        with pytest.raises(ValidationError, match="not recorded as having attended"):
            services.advice_create(author=facilitator, recorder=facilitator, **record)
        with pytest.raises(ValidationError, match="your own request"):
            services.advice_create(author=member, recorder=facilitator, **record)
        off_agenda = post_request(title="Not discussed")
        with pytest.raises(ValidationError, match="not on the session's agenda"):
            services.advice_create(
                help_request=off_agenda, author=core, body="x", session=session, recorder=facilitator
            )
    with (
        time_machine.travel(HELD - timedelta(hours=1), tick=False),
        pytest.raises(ValidationError, match="once the session has been held"),
    ):
        services.advice_create(author=core, recorder=facilitator, **record)
    assert not Advice.objects.exists()
