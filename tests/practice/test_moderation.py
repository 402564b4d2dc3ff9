"""Facilitators edit, hide or close content, always with a reason that goes into the activity log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from communities.models import ActivityLog
from practice.models import EDIT_WINDOW, HelpRequest
from practice.services import requests as services
from tests.practice.factories import AdviceFactory, DiscussionCommentFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "Mrs Jansen in bed 12"


@pytest.fixture
def thread(post_request, member, core, newcomer):
    """A request with advice and a discussion message, all naming a patient."""
    with time_machine.travel(NOW, tick=False):
        hr = post_request(situation=f"About {SECRET}: she keeps falling.")
        advice = services.advice_create(help_request=hr, author=core, body=f"For {SECRET}, a low bed.")
        services.advice_respond(advice=advice, author=member, kind="discuss")
        comment = services.comment_create(advice=advice, author=newcomer, body=f"I nursed {SECRET} too.")
    return hr, advice, comment


def moderate_url(kind, hr, obj=None):
    kwargs = {"slug": hr.community.slug, "pk": hr.pk}
    if kind == "request":
        return reverse("practice:request-moderate", kwargs=kwargs)
    if kind == "advice":
        return reverse("practice:request-advice-moderate", kwargs={**kwargs, "advice_pk": obj.pk})
    return reverse("practice:request-comment-moderate", kwargs={**kwargs, "comment_pk": obj.pk})


@pytest.mark.parametrize("kind", ["request", "advice", "comment"])
def test_it_hides_content_with_a_reason_in_the_activity_log(as_user, thread, facilitator, newcomer, kind):
    hr, advice, comment = thread
    target = {"request": hr, "advice": advice, "comment": comment}[kind]
    response = as_user(facilitator).post(
        moderate_url(kind, hr, target), {"action": "hide", "reason": "Identifies a patient"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_hidden and target.hidden_by == facilitator and target.hidden_reason == "Identifies a patient"
    log = ActivityLog.objects.get(action__endswith=".hide")
    assert log.actor == facilitator and log.community == hr.community
    assert log.summary.endswith(": Identifies a patient")
    member_view = as_user(newcomer).get(hr.get_absolute_url()).content.decode()
    assert "Hidden by a facilitator." in member_view
    facilitator_view = as_user(facilitator).get(hr.get_absolute_url()).content.decode()
    assert "Identifies a patient" in facilitator_view
    if kind == "request":
        assert SECRET not in member_view  # the whole thread is hidden
    else:
        assert member_view.count(SECRET) == 2  # the other two items still show
    assert facilitator_view.count(SECRET) == 3


def test_it_shows_the_author_why_their_content_was_hidden(as_user, thread, facilitator, core, newcomer):
    hr, advice, _ = thread
    services.content_hide(obj=advice, actor=facilitator, reason="Names a patient")
    assert "Reason: Names a patient" in as_user(core).get(hr.get_absolute_url()).content.decode()
    assert "Reason: Names a patient" not in as_user(newcomer).get(hr.get_absolute_url()).content.decode()


def test_it_shows_hidden_content_again_with_a_reason(as_user, thread, facilitator):
    hr, advice, _ = thread
    services.content_hide(obj=advice, actor=facilitator, reason="Check with the author")
    response = as_user(facilitator).post(moderate_url("advice", hr, advice), {"action": "unhide", "reason": "Edited"})
    assert response.status_code == 302
    advice.refresh_from_db()
    assert not advice.is_hidden
    assert ActivityLog.objects.filter(action="practice.advice.unhide", summary__endswith=": Edited").exists()


def test_it_keeps_the_form_when_the_reason_is_missing(as_user, thread, facilitator):
    hr, _, _ = thread
    response = as_user(facilitator).post(moderate_url("request", hr), {"action": "hide", "reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    hr.refresh_from_db()
    assert not hr.is_hidden
    assert not ActivityLog.objects.filter(action__startswith="practice.").exists()


def test_it_closes_a_request_with_a_reason(as_user, thread, sponsor, newcomer):
    hr, _, _ = thread
    response = as_user(sponsor).post(moderate_url("request", hr), {"action": "close", "reason": "Duplicate of #3"})
    assert response.status_code == 302
    hr.refresh_from_db()
    assert hr.status == HelpRequest.Status.CLOSED
    assert hr.conclusion_note == "Duplicate of #3"
    assert ActivityLog.objects.filter(action="practice.request.close", actor=sponsor).exists()
    page = as_user(newcomer).get(hr.get_absolute_url()).content.decode()
    assert "Closed: Duplicate of #3" in page
    assert "Give advice" not in page


def test_it_offers_no_close_for_a_concluded_request(as_user, thread, facilitator, member):
    hr, _, _ = thread
    services.help_request_resolve(help_request=hr, actor=member)
    response = as_user(facilitator).post(moderate_url("request", hr), {"action": "close", "reason": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("kind", ["request", "advice", "comment"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("newcomer", 403), ("member", 403), ("core", 403),
     ("facilitator", 200), ("sponsor", 200)],
)  # fmt: skip
def test_it_lets_only_facilitators_moderate(as_user, personas, thread, kind, persona, status):
    hr, advice, comment = thread
    url = moderate_url(kind, hr, {"request": hr, "advice": advice, "comment": comment}[kind])
    client = as_user(personas[persona])
    assert client.get(url).status_code == status
    posted = client.post(url, {"action": "hide", "reason": "Testing"})
    assert posted.status_code == (302 if status == 200 else status)
    hr.refresh_from_db()
    advice.refresh_from_db()
    comment.refresh_from_db()
    assert any(x.is_hidden for x in (hr, advice, comment)) is (status == 200)


def test_it_answers_404_for_content_of_another_community(as_user, thread, facilitator, other_community):
    hr, _, _ = thread
    foreign = HelpRequestFactory(community=other_community)
    foreign_advice = AdviceFactory(request=foreign)
    foreign_comment = DiscussionCommentFactory(advice=foreign_advice)
    client = as_user(facilitator)
    assert client.get(moderate_url("advice", hr, foreign_advice)).status_code == 404
    assert client.get(moderate_url("comment", hr, foreign_comment)).status_code == 404
    url = reverse("practice:request-moderate", kwargs={"slug": hr.community.slug, "pk": foreign.pk})
    assert client.post(url, {"action": "hide", "reason": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert not foreign.is_hidden


# --- facilitators' edits ----------------------------------------------------------------------


def test_it_lets_a_facilitator_edit_a_request_with_a_reason(as_user, thread, facilitator):
    hr, _, _ = thread
    url = reverse("practice:request-edit", kwargs={"slug": hr.community.slug, "pk": hr.pk})
    data = {"title": hr.title, "situation": "About a patient: she keeps falling.", "tried": "", "urgency": "normal"}
    with time_machine.travel(NOW + EDIT_WINDOW + timedelta(hours=1), tick=False):
        assert "Reason for this edit" in as_user(facilitator).get(url).content.decode()
        missing = as_user(facilitator).post(url, data)
        assert missing.status_code == 200
        assert "About a patient: she keeps falling." in missing.content.decode()
        response = as_user(facilitator).post(url, {**data, "reason": "Removed the patient's name"})
    assert response.status_code == 302
    hr.refresh_from_db()
    assert SECRET not in hr.situation
    log = ActivityLog.objects.get(action="practice.request.edit")
    assert log.actor == facilitator and log.summary.endswith("Removed the patient's name")


@pytest.mark.parametrize("kind", ["advice", "comment"])
def test_it_lets_a_facilitator_edit_advice_and_messages_with_a_reason(as_user, thread, facilitator, kind):
    hr, advice, comment = thread
    target = advice if kind == "advice" else comment
    name = "request-advice-edit" if kind == "advice" else "request-comment-edit"
    key = "advice_pk" if kind == "advice" else "comment_pk"
    url = reverse(f"practice:{name}", kwargs={"slug": hr.community.slug, "pk": hr.pk, key: target.pk})
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert as_user(facilitator).post(url, {"body": "Redacted."}).status_code == 200
        assert as_user(facilitator).post(url, {"body": "Redacted.", "reason": "Patient name"}).status_code == 302
    target.refresh_from_db()
    assert target.body == "Redacted."
    assert ActivityLog.objects.filter(action=f"practice.{kind}.edit", summary__endswith="Patient name").exists()


def test_it_refuses_a_members_edit_of_a_discussion_message(as_user, thread, member):
    hr, _, comment = thread
    url = reverse("practice:request-comment-edit", kwargs={"slug": hr.community.slug, "pk": hr.pk,
                                                          "comment_pk": comment.pk})  # fmt: skip
    assert as_user(member).post(url, {"body": "Changed"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body != "Changed"


def test_it_takes_no_new_contributions_on_hidden_content(as_user, thread, facilitator, newcomer):
    hr, advice, _ = thread
    services.content_hide(obj=advice, actor=facilitator, reason="Names a patient")
    client = as_user(newcomer)
    kwargs = {"slug": hr.community.slug, "pk": hr.pk, "advice_pk": advice.pk}
    assert client.post(reverse("practice:request-comment", kwargs=kwargs), {"body": "More"}).status_code == 400
    client.post(reverse("practice:request-advice-kudos", kwargs=kwargs))
    assert not advice.kudos.exists()
    services.content_hide(obj=hr, actor=facilitator, reason="Names a patient")
    response = client.post(reverse("practice:request-advice", kwargs={"slug": hr.community.slug, "pk": hr.pk}),
                           {"body": "Still advising"})  # fmt: skip
    assert response.status_code == 400
    assert hr.advice.count() == 1
