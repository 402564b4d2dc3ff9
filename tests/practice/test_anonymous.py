"""Asking anonymously: the asker's flows keep working, they can reveal themselves, facilitators can
write to them, and the figures count the request for the community but for nobody in particular.

That no page, export or email names the asker is checked over every route in
tests/guards/test_anonymity.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import ActivityLog, Notification, OutboundEmail
from communities.selectors.report_periods import report_period
from communities.selectors.value import participation
from practice.models import Artefact, FollowUp, HelpRequest
from practice.selectors.value import funnel
from practice.services import learning, loops
from practice.services import requests as services
from tests.factories import UserFactory
from tests.practice.factories import AdviceFactory, AdviceResponseFactory, DiscussionCommentFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def _ask(community, member, **kwargs) -> HelpRequest:
    return services.help_request_create(
        community=community,
        author=member,
        title="I gave a double dose on nights",
        situation="Two charts, one patient.",
        anonymous=True,
        **kwargs,
    )


def test_it_posts_anonymously_from_the_form(as_user, member, community):
    url = reverse("practice:request-new", kwargs={"slug": community.slug})
    form = as_user(member).get(url).content.decode()
    assert "Post anonymously" in form and "Nobody in the community" in form
    response = as_user(member).post(
        url, {"title": "I gave a double dose", "situation": "What now?", "urgency": "normal", "anonymous": "on"}
    )
    help_request = HelpRequest.objects.get()
    assert response.status_code == 302
    assert help_request.anonymous and help_request.author == member


def test_it_keeps_the_box_ticked_when_the_form_comes_back(as_user, member, community):
    url = reverse("practice:request-new", kwargs={"slug": community.slug})
    response = as_user(member).post(
        url, {"title": "x", "situation": "What now?", "urgency": "normal", "anonymous": "on"}
    )
    assert response.status_code == 200
    assert 'name="anonymous"' in response.content.decode()
    assert response.context["form"]["anonymous"].value() is True
    assert not HelpRequest.objects.exists()


def test_it_still_tells_the_asker_and_opens_the_follow_up(community, member, core, facilitator):
    help_request = _ask(community, member)
    new = Notification.objects.get(user=facilitator)
    assert member.name not in new.title + new.body
    advice = services.advice_create(help_request=help_request, author=core, body="Call pharmacy.")
    assert Notification.objects.filter(user=member, title__contains="advised on").exists()
    assert OutboundEmail.objects.filter(user=member, subject__contains="advised on").exists()
    services.advice_respond(advice=advice, author=member, kind="try")
    follow_up = FollowUp.objects.get(request=help_request)
    assert follow_up.asker == member
    told = Notification.objects.get(user=core, title__contains="will try")
    assert told.title.startswith("A member (anonymous) will try")
    loops.outcome_record(help_request=help_request, author=member, result="resolved", helpful_advice=[advice])
    helped = Notification.objects.get(user=core, title__contains="Your advice helped")
    assert "A member (anonymous)" in helped.title and member.name not in helped.title
    entry = ActivityLog.objects.get(action="practice.outcome.record")
    assert entry.actor is None and member.name not in entry.summary


def test_it_shows_the_outcome_form_to_the_anonymous_asker(as_user, community, member, core):
    help_request = _ask(community, member)
    advice = AdviceFactory(request=help_request, author=core)
    services.advice_respond(advice=advice, author=member, kind="try")
    url = reverse("practice:request-outcome", kwargs={"slug": community.slug, "pk": help_request.pk})
    assert as_user(member).get(url).status_code == 200


def test_it_reveals_the_asker_on_request(as_user, community, member, facilitator):
    help_request = _ask(community, member)
    before = as_user(facilitator).get(help_request.get_absolute_url()).content.decode()
    assert f"Asked by {member.name}" not in before and "Asked by A member (anonymous)" in before
    url = reverse("practice:request-reveal", kwargs={"slug": community.slug, "pk": help_request.pk})
    assert as_user(member).get(url).status_code == 405  # GET never changes state
    response = as_user(member).post(url)
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert not help_request.anonymous
    page = as_user(facilitator).get(help_request.get_absolute_url()).content.decode()
    assert f"Asked by {member.name}" in page and "A member (anonymous)" not in page
    assert ActivityLog.objects.filter(action="practice.request.reveal", actor=member).exists()


def test_it_lets_nobody_else_reveal_the_asker(as_user, community, member, facilitator):
    help_request = _ask(community, member)
    url = reverse("practice:request-reveal", kwargs={"slug": community.slug, "pk": help_request.pk})
    assert as_user(facilitator).post(url).status_code == 403
    help_request.refresh_from_db()
    assert help_request.anonymous


def test_it_delivers_a_facilitators_message_to_the_anonymous_asker(as_user, community, member, facilitator):
    help_request = _ask(community, member)
    url = reverse("practice:request-message-asker", kwargs={"slug": community.slug, "pk": help_request.pk})
    client = as_user(facilitator)
    response = client.post(url, {"message": "Are you all right? Talk to me on the ward."})
    assert response.status_code == 302
    note = Notification.objects.get(user=member, title__contains="wrote to you")
    assert note.body == "Are you all right? Talk to me on the ward."
    email = OutboundEmail.objects.get(user=member, subject__contains="wrote to you")
    assert "Talk to me on the ward" in email.body_text
    # The facilitator learns nothing: the page they are sent back to still hides the asker.
    page = client.get(response["Location"]).content.decode()
    assert f"Asked by {member.name}" not in page and member.email not in page
    assert "delivered to the asker" in page


def test_it_keeps_a_message_that_is_empty_or_for_members_from_delivery(as_user, community, member, facilitator):
    help_request = _ask(community, member)
    url = reverse("practice:request-message-asker", kwargs={"slug": community.slug, "pk": help_request.pk})
    assert as_user(facilitator).post(url, {"message": " "}).status_code == 400
    assert as_user(member).post(url, {"message": "Hello"}).status_code == 403
    assert not Notification.objects.filter(user=member, title__contains="wrote to you").exists()


def test_it_counts_anonymous_posts_for_the_community_but_for_nobody(community, member, core):
    period = report_period(community, now=NOW)
    moment = period.current.start + timedelta(days=1)
    with time_machine.travel(moment, tick=False):
        help_request = _ask(community, member)
        advice = AdviceFactory(request=help_request, author=core, created_at=moment)
        AdviceResponseFactory(advice=advice, kind="discuss", author=member, created_at=moment)
        DiscussionCommentFactory(advice=advice, author=member, created_at=moment)
    current = participation(community, period).current
    # core's advice is a contribution; the anonymous request, response and message are nobody's.
    assert (current.contributors, current.contributions) == (1, 1)
    steps = {step.key: step.count.value for step in funnel(community, period)}
    assert steps["asked"] == 1
    HelpRequest.objects.filter(pk=help_request.pk).update(anonymous=False)
    current = participation(community, period).current
    assert (current.contributors, current.contributions) == (2, 4)


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def test_it_renders_anonymous_requests_in_the_same_number_of_queries(as_user, community, member, facilitator):
    client = as_user(facilitator)
    known = HelpRequestFactory(community=community, author=member)
    hidden = HelpRequestFactory(community=community, author=UserFactory(), anonymous=True)
    for hr in (known, hidden):
        advice = AdviceFactory(request=hr, author=UserFactory())
        AdviceResponseFactory(advice=advice, kind="discuss", author=hr.author)
        DiscussionCommentFactory(advice=advice, author=hr.author)
    assert _queries(client, hidden.get_absolute_url()) == _queries(client, known.get_absolute_url())
    list_url = reverse("practice:request-list", kwargs={"slug": community.slug})
    mixed = _queries(client, list_url)
    HelpRequest.objects.update(anonymous=False)
    assert mixed == _queries(client, list_url)


def test_it_reveals_the_author_of_an_anonymous_failure_reflection(as_user, community, member, facilitator):
    member.display_name = "Zelda Quist"  # a name no page heading or menu contains
    member.save(update_fields=["display_name"])
    reflection = learning.artefact_create(
        community=community,
        author=member,
        kind=Artefact.Kind.FAILURE_REFLECTION,
        title="The night I skipped the second check",
        fields={"what_happened": "I skipped it.", "what_we_learned": "Never skip it."},
        anonymous=True,
    )
    learning.artefact_publish(artefact=reflection, actor=facilitator)
    url = reverse("practice:learning-reveal", kwargs={"slug": community.slug, "pk": reflection.pk})
    mine = as_user(member).get(reflection.get_absolute_url()).content.decode()
    assert "You posted this anonymously" in mine and url in mine
    before = as_user(facilitator).get(reflection.get_absolute_url()).content.decode()
    assert member.name not in before and "A member (anonymous)" in before and url not in before
    assert as_user(facilitator).post(url).status_code == 403  # only the author can reveal the author
    reflection.refresh_from_db()
    assert reflection.anonymous
    assert as_user(member).post(url).status_code == 302
    reflection.refresh_from_db()
    assert not reflection.anonymous
    after = as_user(facilitator).get(reflection.get_absolute_url()).content.decode()
    assert member.name in after and "A member (anonymous)" not in after
    assert ActivityLog.objects.filter(action="practice.learning.reveal", actor=member).exists()
