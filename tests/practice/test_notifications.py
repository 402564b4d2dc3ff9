"""Practice notifications: in-app rows, email per preference, stable Message-IDs, one-click unsubscribe."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from communities.models import Category, EmailMode, Notification, NotificationPreference, OutboundEmail
from communities.services import notify as notify_services
from communities.services import outbox
from practice.services import requests as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def advised(post_request, core, member, tags, expert):
    hr = post_request(tags=[tags["medication"]])
    advice = services.advice_create(help_request=hr, author=core, body="Ask the on-call pharmacist.")
    return hr, advice


def emails_to(user, template_hint: str = ""):
    qs = OutboundEmail.objects.filter(to=user.email)
    return [e for e in qs if template_hint in e.subject]


def test_it_emails_a_new_request_with_three_templates(post_request, expert, tags):
    hr = post_request(tags=[tags["medication"]], urgency="urgent")
    email = OutboundEmail.objects.get(to=expert.email)
    assert email.category == Category.REQUESTS
    assert email.subject == "[Medication Safety Network] Urgent request: Insulin double-checks at night"
    assert "Member asked the community for help (urgent)" in email.body_text
    assert f"http://testserver/c/med-safety/requests/{hr.pk}/" in email.body_text
    assert "Tags: medication safety" in email.body_text
    assert "<strong>Insulin double-checks at night</strong>" in email.body_html
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://testserver/notifications/unsubscribe/[^>]+/>", email.headers["List-Unsubscribe"])


def test_it_emails_the_asker_about_advice_and_the_adviser_about_responses(advised, member, core):
    _, advice = advised
    to_asker = OutboundEmail.objects.get(to=member.email, category=Category.ADVICE)
    assert to_asker.subject == "[Medication Safety Network] Core advised on “Insulin double-checks at night”"
    assert "Ask the on-call pharmacist." in to_asker.body_text
    assert "I'll try this" in to_asker.body_text
    services.advice_respond(advice=advice, author=member, kind="discuss", note="Not at 3 am.")
    to_adviser = OutboundEmail.objects.get(to=core.email, category=Category.ADVICE)
    assert "sees it differently" in to_adviser.subject
    assert "Not at 3 am." in to_adviser.body_text
    assert "join the discussion" in to_adviser.body_text
    services.comment_create(advice=advice, author=core, body="Then the night coordinator.")
    reply = OutboundEmail.objects.filter(to=member.email, category=Category.ADVICE).latest("id")
    assert reply.subject == (
        "[Medication Safety Network] Core replied in the discussion on “Insulin double-checks at night”"
    )


@pytest.mark.parametrize(
    ("mode", "emails", "in_digest"),
    [(EmailMode.IMMEDIATE, 1, False), (EmailMode.DAILY, 0, True), (EmailMode.OFF, 0, False)],
)
def test_it_honours_the_email_preference_for_new_requests(post_request, expert, tags, mode, emails, in_digest):
    notify_services.preference_set(user=expert, category=Category.REQUESTS, email=mode)
    post_request(tags=[tags["medication"]])
    note = Notification.objects.get(user=expert)  # always in the portal
    assert note.in_daily_digest is in_digest
    assert OutboundEmail.objects.filter(to=expert.email).count() == emails


def test_it_puts_daily_advice_into_the_digest(post_request, member, core):
    notify_services.preference_set(user=member, category=Category.ADVICE, email=EmailMode.DAILY)
    hr = post_request()
    services.advice_create(help_request=hr, author=core, body="A thought.")
    assert not OutboundEmail.objects.filter(to=member.email).exists()
    assert outbox.daily_digests_send() == 1
    digest = OutboundEmail.objects.get(to=member.email)
    assert digest.category == Category.DAILY_DIGEST
    assert "Core advised on" in digest.body_text


def test_it_honours_preferences_per_category(advised, member, core, tags, expert, post_request):
    # The expert turns off request emails but keeps advice emails.
    notify_services.preference_set(user=expert, category=Category.REQUESTS, email=EmailMode.OFF)
    OutboundEmail.objects.all().delete()
    hr = post_request(title="Another insulin question", tags=[tags["medication"]])
    assert not OutboundEmail.objects.filter(to=expert.email).exists()
    advice = services.advice_create(help_request=hr, author=expert, body="Same as before.")
    services.advice_respond(advice=advice, author=member, kind="thanks")
    assert OutboundEmail.objects.filter(to=expert.email, category=Category.ADVICE).count() == 1


def test_it_stops_emails_after_one_click_unsubscribe(client, advised, member, core):
    hr, _ = advised
    email = OutboundEmail.objects.get(to=member.email, category=Category.ADVICE)
    unsubscribe = email.headers["List-Unsubscribe"].strip("<>").replace("http://testserver", "")
    assert unsubscribe in email.body_text and unsubscribe in email.body_html
    # The mail client's one-click POST, without session or CSRF token.
    response = client.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=member, category=Category.ADVICE).email == EmailMode.OFF
    OutboundEmail.objects.all().delete()
    services.advice_create(help_request=hr, author=core, body="More.")
    assert Notification.objects.filter(user=member, category=Category.ADVICE).count() == 2
    assert not OutboundEmail.objects.filter(to=member.email).exists()


def test_it_refuses_a_tampered_unsubscribe_link(client, advised, member):
    email = OutboundEmail.objects.get(to=member.email, category=Category.ADVICE)
    unsubscribe = email.headers["List-Unsubscribe"].strip("<>").replace("http://testserver", "")
    assert client.post(unsubscribe[:-3] + "xyz/").status_code == 404
    assert not NotificationPreference.objects.filter(user=member).exists()


def test_it_sends_each_email_with_its_stable_message_id(advised, member):
    email = OutboundEmail.objects.get(to=member.email, category=Category.ADVICE)
    assert outbox.outbound_email_send_due() >= 1
    sent = [m for m in mail.outbox if m.to == [member.email]]
    assert len(sent) == 1
    assert sent[0].extra_headers["Message-ID"] == email.message_id
    assert sent[0].alternatives[0][1] == "text/html"
    # A retry of the same row (e.g. after a worker crash) carries the same Message-ID.
    OutboundEmail.objects.filter(pk=email.pk).update(state=OutboundEmail.State.PENDING)
    outbox.outbound_email_send_due()
    resent = [m for m in mail.outbox if m.to == [member.email]]
    assert [m.extra_headers["Message-ID"] for m in resent] == [email.message_id, email.message_id]


def test_it_never_notifies_the_actor(post_request, member, facilitator):
    hr = post_request(author=facilitator)
    assert not Notification.objects.filter(user=facilitator).exists()
    services.advice_create(help_request=hr, author=member, body="x")
    assert list(Notification.objects.filter(category=Category.ADVICE).values_list("user__email", flat=True)) == [
        "facilitator@example.org"
    ]
