"""Delivering the email outbox, and the daily digest of notifications."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from communities.models import Category, Notification, OutboundEmail, User
from communities.services.notify import queue_email, render_deferred

log = logging.getLogger(__name__)

# A row left in "sending" this long was claimed by a worker that died; it is claimed again.
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def _claim(email_id: int, *, expected_state: str, now: datetime) -> bool:
    """Take one row for this worker. The conditional UPDATE makes this safe on SQLite and PostgreSQL."""
    qs = OutboundEmail.objects.filter(pk=email_id, state=expected_state)
    if expected_state == OutboundEmail.State.SENDING:
        qs = qs.filter(claimed_at__lt=now - STALE_CLAIM)
    return qs.update(state=OutboundEmail.State.SENDING, claimed_at=now, attempts=F("attempts") + 1) == 1


def _message(email: OutboundEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": email.message_id, **email.headers},
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def outbound_email_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send pending emails (and reclaim stale claims); return how many were sent."""
    now = now or timezone.now()
    candidates = list(
        OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING)
        .order_by("created_at")
        .values_list("pk", "state")[:limit]
    ) + list(
        OutboundEmail.objects.filter(state=OutboundEmail.State.SENDING, claimed_at__lt=now - STALE_CLAIM).values_list(
            "pk", "state"
        )[:limit]
    )
    sent = 0
    connection = get_connection()
    for email_id, state in candidates:
        if not _claim(email_id, expected_state=state, now=now):
            continue  # another worker took it
        email = render_deferred(OutboundEmail.objects.get(pk=email_id))
        try:
            _message(email, connection).send()
        except Exception as exc:  # SMTP errors come in many types; record and retry later
            log.warning("sending email %s failed: %s", email.message_id, exc)
            final = email.attempts >= MAX_ATTEMPTS
            OutboundEmail.objects.filter(pk=email_id).update(
                state=OutboundEmail.State.FAILED if final else OutboundEmail.State.PENDING,
                last_error=str(exc)[:500],
            )
            continue
        OutboundEmail.objects.filter(pk=email_id).update(state=OutboundEmail.State.SENT, sent_at=timezone.now())
        sent += 1
    return sent


def daily_digests_send(*, now: datetime | None = None) -> int:
    """Gather each user's notifications waiting for a daily digest into one email."""
    now = now or timezone.now()
    user_ids = (
        Notification.objects.filter(in_daily_digest=True, created_at__lte=now)
        .values_list("user_id", flat=True)
        .distinct()
    )
    queued = 0
    for user in User.objects.filter(pk__in=list(user_ids), is_active=True):
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update(of=("self",))
                .filter(user=user, in_daily_digest=True, created_at__lte=now)
                .select_related("community")
                .order_by("created_at")
            )
            # The conditional update decides who sends, even where select_for_update is a no-op.
            taken = Notification.objects.filter(pk__in=[n.pk for n in items], in_daily_digest=True).update(
                in_daily_digest=False
            )
            if not taken:
                continue
            queue_email(
                user=user,
                category=Category.DIGEST,
                template="daily_digest",
                context={"items": items, "date": now},
            )
            queued += 1
    return queued
