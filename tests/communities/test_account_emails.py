"""Account emails (verification, password reset, security notices) go through the outbox.

A web request only queues them, so a mail server that refuses connections never turns a sign-up or
a password reset into a 500: the rows wait in the outbox and go out once the server answers again.
These tests talk to a real SMTP server (aiosmtpd on loopback, ``tests/support/smtp.py``) and to a
closed port standing in for a server that is down.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from communities.models import Category, EmailMode, NotificationPreference, OutboundEmail, User
from communities.services import outbox
from tests.factories import UserFactory
from tests.support.smtp import free_port, smtp_sink

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def sign_up(client, address: str = "ana@example.org"):
    return client.post(
        "/accounts/signup/",
        {"email": address, "display_name": "Ana Silva", "password1": PASSWORD, "password2": PASSWORD},
    )


def test_sign_up_with_smtp_refused_answers_302_and_the_verification_goes_out_once_smtp_returns(client, settings):
    use_smtp(settings, free_port())  # nothing listens there: connection refused

    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get(response["Location"]).status_code == 200
    user = User.objects.get(email="ana@example.org")
    queued = OutboundEmail.objects.get(to="ana@example.org")
    assert (queued.user, queued.category, queued.state) == (user, Category.ACCOUNT, OutboundEmail.State.PENDING)
    assert re.fullmatch(r"<account\.[0-9a-f]{32}@child\.example>", queued.message_id)

    # The sweep with the server still down neither raises nor uses up an attempt.
    assert outbox.outbound_email_send_due() == 0
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (OutboundEmail.State.PENDING, 0)

    # The rows wait OUTBOX_RETRY_SECONDS before the next try, then go out once the server answers.
    with smtp_sink() as (sink, port), time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        use_smtp(settings, port)
        assert outbox.outbound_email_send_due() == 1
    queued.refresh_from_db()
    assert queued.state == OutboundEmail.State.SENT
    assert sink.received == {queued.message_id: 1}

    (raw,) = sink.messages
    message = parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "[CHILD] Please Confirm Your Email Address"
    assert message["To"] == "ana@example.org"
    assert message["Message-ID"] == queued.message_id
    assert message["List-Unsubscribe"] is None
    text, html = parts(message)
    link = re.search(r"https?://testserver/accounts/confirm-email/\S+/", text).group(0)
    assert f'href="{link}"' in html
    assert '<meta name="viewport"' in html
    for body in (text, html):
        assert "Hello from" not in body and "testserver!" not in body
        assert "Unsubscribe" not in body
        assert "sent whatever your email preferences" in body
    assert text.startswith("Hello Ana Silva,\n\nSomeone, probably you, gave ana@example.org as the email address")
    # The link works.
    assert client.post(link.split("testserver", 1)[1]).status_code == 302
    assert user.emailaddress_set.get().verified is True


def test_password_reset_with_smtp_refused_answers_302_and_goes_out_even_with_every_preference_off(client, settings):
    user = UserFactory(email="known@example.org", display_name="Kees")
    for category in Category:
        if category != Category.ACCOUNT:
            NotificationPreference.objects.create(user=user, category=category, email=EmailMode.OFF)
    use_smtp(settings, free_port())

    response = client.post("/accounts/password/reset/", {"email": "known@example.org"})

    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    queued = OutboundEmail.objects.get(to="known@example.org")
    assert queued.category == Category.ACCOUNT
    assert outbox.outbound_email_send_due() == 0

    with smtp_sink() as (sink, port), time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        use_smtp(settings, port)
        assert outbox.outbound_email_send_due() == 1
    (raw,) = sink.messages
    message = parse(raw)
    assert message["Subject"] == "[CHILD] Password Reset Email"
    assert message["List-Unsubscribe"] is None
    text, html = parts(message)
    reset = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", text).group(1)
    assert "Choose a new password</a>" in html
    page = client.get(reset, follow=True)
    form_path = page.redirect_chain[-1][0] if page.redirect_chain else reset
    done = client.post(form_path, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")


def test_a_reset_for_an_unknown_address_is_queued_to_that_address_without_a_user(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    queued = OutboundEmail.objects.get(to="nobody@example.org")
    assert (queued.user, queued.category) == (None, Category.ACCOUNT)
    assert "/accounts/signup/" in queued.body_text
    assert queued.headers == {}
    assert len(mail.outbox) == 0  # nothing left the web request


def test_a_message_the_server_refuses_waits_with_a_back_off_and_goes_out_later(client, settings):
    sign_up(client)
    queued = OutboundEmail.objects.get(to="ana@example.org")
    refusing = True
    start = timezone.now()
    with smtp_sink(before_accept=lambda peer, message_id: refusing) as (sink, port):
        use_smtp(settings, port)
        assert outbox.outbound_email_send_due(now=start) == 0
        queued.refresh_from_db()
        assert (queued.state, queued.attempts) == (OutboundEmail.State.PENDING, 1)
        assert "451" in queued.last_error
        assert queued.retry_at > start + timedelta(seconds=50)  # OUTBOX_RETRY_SECONDS, doubling per attempt

        refusing = False
        # Before the back-off has passed, the sweep leaves the row alone.
        assert outbox.outbound_email_send_due(now=start + timedelta(seconds=30)) == 0
        assert sink.refused == 1 and sink.total() == 0
        with time_machine.travel(start + timedelta(minutes=2), tick=False):
            assert outbox.outbound_email_send_due() == 1
    queued.refresh_from_db()
    assert queued.state == OutboundEmail.State.SENT
    assert sink.received == {queued.message_id: 1}
