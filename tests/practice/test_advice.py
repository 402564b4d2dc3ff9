"""Advice, the asker's responses ("I'll try this", "I see it differently", "Thanks"), discussions and kudos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.html import strip_tags

from communities.models import Category, Notification
from practice.models import EDIT_WINDOW, Advice, AdviceResponse, DiscussionComment, HelpRequest, Kudos, Nudge
from practice.services import requests as services
from tests.conftest import client_for
from tests.practice.factories import AdviceFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def url(name, hr, **kwargs):
    return reverse(f"practice:{name}", kwargs={"slug": hr.community.slug, "pk": hr.pk, **kwargs})


# --- giving advice ---------------------------------------------------------------------------


def test_it_records_the_first_response_and_answers_the_request(as_user, post_request, core, member):
    with time_machine.travel(NOW, tick=False):
        hr = post_request()
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        response = as_user(core).post(url("request-advice", hr), {"body": "Use a **second ward's** nurse."})
    advice = Advice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{hr.get_absolute_url()}#advice-{advice.pk}"
    hr.refresh_from_db()
    assert hr.status == HelpRequest.Status.ANSWERED
    assert hr.first_response_at == NOW + timedelta(hours=3)
    assert hr.last_activity_at == NOW + timedelta(hours=3)
    assert hr.responded_within_commitment is True
    assert set(hr.nudges.values_list("state", flat=True)) == {Nudge.State.CANCELLED}
    note = Notification.objects.get(user=member, category=Category.ADVICE)
    assert note.title == "Core advised on “Insulin double-checks at night”"
    assert note.url.endswith(f"#advice-{advice.pk}")


def test_it_keeps_the_first_response_time_when_more_advice_comes(post_request, core, newcomer):
    with time_machine.travel(NOW, tick=False):
        hr = post_request()
    with time_machine.travel(NOW + timedelta(hours=60), tick=False):
        services.advice_create(help_request=hr, author=core, body="Late but here.")
    with time_machine.travel(NOW + timedelta(hours=70), tick=False):
        services.advice_create(help_request=hr, author=newcomer, body="Me too.")
    hr.refresh_from_db()
    assert hr.first_response_at == NOW + timedelta(hours=60)
    assert hr.responded_within_commitment is False
    assert hr.last_activity_at == NOW + timedelta(hours=70)
    with time_machine.travel(NOW + timedelta(hours=80), tick=False):
        html = client_for(core).get(hr.get_absolute_url()).content.decode()
    assert "First response after 2\xa0days, 12\xa0hours, later than our 48-hour commitment." in html


def test_it_does_not_let_the_asker_answer_their_own_request(as_user, post_request, member):
    hr = post_request()
    response = as_user(member).post(url("request-advice", hr), {"body": "Answering myself."})
    assert response.status_code == 400
    assert "your own request" in response.content.decode()
    assert "Answering myself." in response.content.decode()  # nothing typed is lost
    hr.refresh_from_db()
    assert hr.status == HelpRequest.Status.OPEN and hr.first_response_at is None


def test_it_refuses_advice_on_a_concluded_request(post_request, member, core):
    hr = post_request()
    services.help_request_withdraw(help_request=hr, actor=member)
    with pytest.raises(ValidationError):
        services.advice_create(help_request=hr, author=core, body="Too late.")


def test_it_keeps_the_advice_typed_when_it_is_empty(as_user, post_request, core):
    hr = post_request()
    response = as_user(core).post(url("request-advice", hr), {"body": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Advice.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("newcomer", 302), ("facilitator", 302)],
)
def test_it_takes_advice_from_members_only(as_user, personas, post_request, persona, status):
    hr = post_request()
    response = as_user(personas[persona]).post(url("request-advice", hr), {"body": "My advice."})
    assert response.status_code == status
    assert Advice.objects.exists() is (persona in {"newcomer", "facilitator"})
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_it_answers_404_for_advice_of_another_request_or_community(as_user, post_request, core, other_community):
    hr = post_request()
    elsewhere = AdviceFactory(request=HelpRequestFactory(community=other_community))
    other_request = post_request(title="Another problem entirely")
    here = AdviceFactory(request=other_request)
    client = as_user(core)
    assert client.post(url("request-advice-kudos", hr, advice_pk=elsewhere.pk)).status_code == 404
    assert client.post(url("request-advice-kudos", hr, advice_pk=here.pk)).status_code == 404
    foreign = reverse("practice:request-advice", kwargs={"slug": "med-safety", "pk": elsewhere.request_id})
    assert client.post(foreign, {"body": "x"}).status_code == 404
    assert not Kudos.objects.exists()


def test_it_lets_the_adviser_edit_within_the_window_only(as_user, post_request, core):
    with time_machine.travel(NOW, tick=False):
        hr = post_request()
        advice = services.advice_create(help_request=hr, author=core, body="First thought.")
    edit = url("request-advice-edit", hr, advice_pk=advice.pk)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        assert as_user(core).post(edit, {"body": "Better thought."}).status_code == 302
    with time_machine.travel(NOW + EDIT_WINDOW + timedelta(minutes=1), tick=False):
        assert as_user(core).post(edit, {"body": "Much later."}).status_code == 302
    advice.refresh_from_db()
    assert advice.body == "Better thought."
    assert advice.edited_at == NOW + timedelta(minutes=10)


def test_it_forbids_editing_someone_elses_advice(as_user, post_request, core, newcomer):
    hr = post_request()
    advice = services.advice_create(help_request=hr, author=core, body="Mine.")
    assert as_user(newcomer).post(url("request-advice-edit", hr, advice_pk=advice.pk), {"body": "x"}).status_code == 403


# --- responses -------------------------------------------------------------------------------


@pytest.fixture
def advised(post_request, core):
    hr = post_request()
    advice = services.advice_create(help_request=hr, author=core, body="Ask pharmacy for a second checker.")
    return hr, advice


def test_it_records_i_will_try_this_and_tells_the_adviser(as_user, advised, member, core):
    hr, advice = advised
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        response = as_user(member).post(
            url("request-advice-respond", hr, advice_pk=advice.pk), {"kind": "try", "note": "Starting Monday."}
        )
    assert response.status_code == 302
    reply = AdviceResponse.objects.get()
    assert (reply.kind, reply.request, reply.author, reply.note) == ("try", hr, member, "Starting Monday.")
    hr.refresh_from_db()
    assert hr.last_activity_at == NOW + timedelta(days=1)
    note = Notification.objects.get(user=core, title__contains="will try")
    assert note.category == Category.ADVICE
    assert note.body == "Starting Monday."


def test_it_records_each_kind_of_response_once(advised, member):
    hr, advice = advised
    first, created = services.advice_respond(advice=advice, author=member, kind="thanks")
    again, created_again = services.advice_respond(advice=advice, author=member, kind="thanks")
    assert created and not created_again and first.pk == again.pk
    services.advice_respond(advice=advice, author=member, kind="try")
    assert sorted(AdviceResponse.objects.values_list("kind", flat=True)) == ["thanks", "try"]
    with pytest.raises(IntegrityError), transaction.atomic():
        AdviceResponse.objects.create(advice=advice, request=hr, author=member, kind="try")


@pytest.mark.parametrize("persona", ["core", "newcomer", "facilitator"])
def test_it_lets_only_the_asker_respond(as_user, personas, advised, persona):
    hr, advice = advised
    response = as_user(personas[persona]).post(url("request-advice-respond", hr, advice_pk=advice.pk), {"kind": "try"})
    assert response.status_code == 403
    assert not AdviceResponse.objects.exists()


def test_it_rejects_an_unknown_kind_of_response(as_user, advised, member):
    hr, advice = advised
    response = as_user(member).post(url("request-advice-respond", hr, advice_pk=advice.pk), {"kind": "maybe"})
    assert response.status_code == 302
    assert not AdviceResponse.objects.exists()


# --- discussion ------------------------------------------------------------------------------


def test_it_opens_a_discussion_when_the_asker_sees_it_differently(as_user, advised, member, core, newcomer):
    hr, advice = advised
    respond = url("request-advice-respond", hr, advice_pk=advice.pk)
    comment = url("request-comment", hr, advice_pk=advice.pk)
    # No discussion before the disagreement.
    assert as_user(newcomer).post(comment, {"body": "Early."}).status_code == 400
    as_user(member).post(respond, {"kind": "discuss", "note": "Pharmacy is closed at night."})
    assert Notification.objects.filter(user=core, title__contains="sees it differently").exists()
    assert as_user(core).post(comment, {"body": "Then the on-call pharmacist?"}).status_code == 302
    assert as_user(newcomer).post(comment, {"body": "We phone the next ward."}).status_code == 302
    bodies = list(DiscussionComment.objects.values_list("author__email", "body"))
    assert bodies == [
        ("core@example.org", "Then the on-call pharmacist?"),
        ("newcomer@example.org", "We phone the next ward."),
    ]
    # The asker, the adviser and earlier participants hear about the newcomer's reply; the newcomer does not.
    told = set(Notification.objects.filter(title__startswith="Newcomer replied").values_list("user__email", flat=True))
    assert told == {"member@example.org", "core@example.org"}
    page = as_user(member).get(hr.get_absolute_url()).content.decode()
    assert "Pharmacy is closed at night." in page and "We phone the next ward." in page


def test_it_keeps_a_discussion_message_typed_when_it_is_too_long(as_user, advised, member, core):
    hr, advice = advised
    services.advice_respond(advice=advice, author=member, kind="discuss")
    text = "Long. " * 800
    response = as_user(core).post(url("request-comment", hr, advice_pk=advice.pk), {"body": text})
    assert response.status_code == 400
    assert text.strip() in response.content.decode()
    assert not DiscussionComment.objects.exists()


def test_it_lets_the_asker_try_the_advice_after_discussing(advised, member, core):
    hr, advice = advised
    services.advice_respond(advice=advice, author=member, kind="discuss", note="Not at night.")
    services.comment_create(advice=advice, author=core, body="The on-call pharmacist, then.")
    _, created = services.advice_respond(advice=advice, author=member, kind="try")
    assert created
    kinds = hr.advice_responses.order_by("created_at", "id").values_list("kind", flat=True)
    assert list(kinds) == ["discuss", "try"]


def _stances(html: str) -> str:
    """The asker's stance line of the (one) advice, as text."""
    block = html.split('aria-label="The asker\'s responses">', 1)[1].split("</ul>", 1)[0]
    return " ".join(strip_tags(block).split())


def test_it_shows_the_latest_stance_first_and_the_earlier_one_as_history(as_user, advised, member):
    hr, advice = advised
    services.advice_respond(advice=advice, author=member, kind="discuss", now=datetime(2026, 12, 2, 12, tzinfo=UTC))
    services.advice_respond(advice=advice, author=member, kind="thanks", now=datetime(2026, 12, 2, 13, tzinfo=UTC))
    services.advice_respond(advice=advice, author=member, kind="try", now=datetime(2026, 12, 3, 12, tzinfo=UTC))
    html = as_user(member).get(hr.get_absolute_url()).content.decode()
    stances = _stances(html)
    assert stances.startswith(f"{member.name} will try this · earlier: saw it differently (2 Dec)")
    assert f"{member.name} said thanks" in stances
    assert "sees it differently" not in stances  # the earlier stance is history, not a second current one
    assert 'class="list-inline-item stance-current"' in html


def test_it_shows_a_changed_mind_the_other_way_round(as_user, advised, member):
    hr, advice = advised
    services.advice_respond(advice=advice, author=member, kind="try", now=datetime(2026, 12, 1, 12, tzinfo=UTC))
    services.advice_respond(advice=advice, author=member, kind="discuss", now=datetime(2026, 12, 2, 12, tzinfo=UTC))
    stances = _stances(as_user(member).get(hr.get_absolute_url()).content.decode())
    assert stances == f"{member.name} sees it differently · earlier: would try it (1 Dec)"


def test_it_shows_a_single_stance_without_history(as_user, advised, member):
    hr, advice = advised
    services.advice_respond(advice=advice, author=member, kind="try")
    stances = _stances(as_user(member).get(hr.get_absolute_url()).content.decode())
    assert stances == f"{member.name} will try this"


# --- kudos -----------------------------------------------------------------------------------


def test_it_gives_kudos_once_per_person_and_takes_them_back(as_user, advised, member, newcomer, core):
    hr, advice = advised
    kudos = url("request-advice-kudos", hr, advice_pk=advice.pk)
    assert as_user(member).post(kudos).status_code == 302
    assert as_user(newcomer).post(kudos).status_code == 302
    assert Kudos.objects.filter(advice=advice).count() == 2
    assert Notification.objects.filter(user=core, title__contains="gave kudos").count() == 2
    as_user(member).post(kudos)  # a second click takes them back
    assert list(Kudos.objects.values_list("user__email", flat=True)) == ["newcomer@example.org"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Kudos.objects.create(advice=advice, user=newcomer)


def test_it_refuses_kudos_for_ones_own_advice(as_user, advised, core):
    hr, advice = advised
    response = as_user(core).post(url("request-advice-kudos", hr, advice_pk=advice.pk), follow=True)
    assert "other people" in response.content.decode()
    assert not Kudos.objects.exists()


def test_it_requires_a_target_for_kudos(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Kudos.objects.create(user=member)


def test_it_shows_kudos_counts_on_the_request_page(as_user, advised, member, newcomer):
    hr, advice = advised
    services.kudos_toggle(advice=advice, user=member)
    services.kudos_toggle(advice=advice, user=newcomer)
    html = as_user(member).get(hr.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in html
    assert 'Kudos <span class="badge text-bg-light">2</span>' in html
