"""Hosted inbound email through django-anymail: Mailgun and Postmark.

Each provider's view checks the provider's signature before anything is read: Mailgun signs every
webhook with HMAC-SHA256 (``MAILGUN_WEBHOOK_SIGNING_KEY``); Postmark authenticates with
the ``user:password`` of the webhook URL (``INBOUND_WEBHOOK_SECRET``, HTTP basic auth), which
anymail also checks for Mailgun when it is set. A provider whose secret is not configured answers
404: no unauthenticated door. (SendGrid is left out: django-anymail no longer supports it.)
The anymail ``inbound`` signal hands the raw message to
:func:`process_inbound`, which records it once (a provider's retry is recognised by its Message-ID).
"""

from __future__ import annotations

from anymail.signals import inbound
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from django.conf import settings
from django.http import Http404
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from practice.inbound.service import process_inbound


def _configured(provider: str) -> bool:
    config = settings.ANYMAIL
    if provider == "mailgun":
        return bool(config.get("MAILGUN_WEBHOOK_SIGNING_KEY"))
    return bool(config.get("WEBHOOK_SECRET"))


def _only_when_configured(provider: str, view_class):
    view = view_class.as_view()

    def door(request, *args, **kwargs):
        if not _configured(provider):
            raise Http404
        return view(request, *args, **kwargs)

    door.__name__ = f"{provider}_inbound"
    # A provider's server posts here, without a session or a token: its signature is the check.
    return csrf_exempt(door)


def on_inbound(sender, event, esp_name: str, **kwargs) -> None:
    process_inbound(event.message.as_bytes(), source=f"webhook:{esp_name.lower()}"[:40])


def connect() -> None:
    inbound.connect(on_inbound, dispatch_uid="practice.inbound.webhooks")


urlpatterns = [
    path("mailgun/inbound/", _only_when_configured("mailgun", MailgunInboundWebhookView), name="inbound-mailgun"),
    path("postmark/inbound/", _only_when_configured("postmark", PostmarkInboundWebhookView), name="inbound-postmark"),
]
