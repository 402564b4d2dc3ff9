"""Inbound email webhooks (django-anymail): a signed webhook posts the advice; a bad signature is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from practice.models import Advice, InboundEmail
from tests.practice.inbound_helpers import REPLY_DOMAIN, reply, reply_to_of

pytestmark = pytest.mark.django_db
SIGNING_KEY = "mailgun-signing-key-for-tests"
SECRET = "child:webhook-secret"


@pytest.fixture
def address(settings, post_request, expert, tags):
    settings.REPLY_DOMAIN = REPLY_DOMAIN
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": SECRET}
    post_request(tags=[tags["medication"]])
    return reply_to_of(expert, "New request")


def _mailgun_form(raw: bytes, *, key: str = SIGNING_KEY) -> dict:
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature, "body-mime": raw.decode()}


def _basic(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def test_a_signed_mailgun_webhook_posts_the_advice_once(address, expert):
    raw = reply(to=address, sender="core@example.org")
    client = Client(enforce_csrf_checks=True)  # the provider's server: no session, no CSRF token
    response = client.post("/inbound/email/mailgun/inbound/", _mailgun_form(raw), **_basic())
    assert response.status_code == 200
    advice = Advice.objects.get()
    assert advice.author == expert and advice.body == "Ask the on-call pharmacist to be the second checker."
    assert InboundEmail.objects.get().source == "webhook:mailgun"
    # Mailgun retries a webhook it thinks failed: the Message-ID recognises it.
    assert client.post("/inbound/email/mailgun/inbound/", _mailgun_form(raw), **_basic()).status_code == 200
    assert Advice.objects.count() == 1


def test_a_mailgun_webhook_with_a_bad_signature_is_refused(address):
    raw = reply(to=address, sender="core@example.org")
    response = Client().post("/inbound/email/mailgun/inbound/", _mailgun_form(raw, key="wrong"), **_basic())
    assert response.status_code == 400
    assert Advice.objects.count() == 0 and InboundEmail.objects.count() == 0


def _postmark_payload(raw: bytes) -> str:
    return json.dumps({"RawEmail": raw.decode(), "Headers": [], "FromFull": {"Email": "core@example.org"}})


def test_an_authenticated_postmark_webhook_posts_the_advice(address, expert):
    raw = reply(to=address, sender="core@example.org")
    response = Client().post(
        "/inbound/email/postmark/inbound/", _postmark_payload(raw), content_type="application/json", **_basic()
    )
    assert response.status_code == 200
    assert Advice.objects.get().author == expert
    assert InboundEmail.objects.get().source == "webhook:postmark"


def test_a_postmark_webhook_with_wrong_credentials_is_refused(address):
    raw = reply(to=address, sender="core@example.org")
    for headers in (_basic("child:guess"), {}):
        response = Client().post(
            "/inbound/email/postmark/inbound/", _postmark_payload(raw), content_type="application/json", **headers
        )
        assert response.status_code == 400
    assert Advice.objects.count() == 0


def test_a_provider_whose_secret_is_not_set_has_no_door(settings, address):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": "", "WEBHOOK_SECRET": None}
    raw = reply(to=address, sender="core@example.org")
    assert Client().post("/inbound/email/mailgun/inbound/", _mailgun_form(raw)).status_code == 404
    response = Client().post(
        "/inbound/email/postmark/inbound/", _postmark_payload(raw), content_type="application/json"
    )
    assert response.status_code == 404
    assert Advice.objects.count() == 0
