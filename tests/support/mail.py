"""Emails as the outbox delivers them: web requests only queue them, the beat task's sweep sends them."""

from __future__ import annotations

from django.core import mail

from communities.services import outbox


def sent_mail() -> list:
    """Run one outbox sweep (as the beat task would) and return every email sent so far (locmem backend)."""
    outbox.outbound_email_send_due()
    return mail.outbox
