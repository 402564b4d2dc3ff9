"""Delivering the email outbox, and the daily digest of notifications."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from communities.models import Category, EmailMode, Notification, NotificationPreference, OutboundEmail, User
from communities.services.notify import queue_email, render_deferred

log = logging.getLogger(__name__)

# A row left in "sending" this long was claimed by a worker that died; it is claimed again.
STALE_CLAIM = timedelta(seconds=settings.OUTBOX_STALE_CLAIM_SECONDS)
MAX_ATTEMPTS = 5
# A message the server refused waits before the next attempt (doubling each time, up to RETRY_MAX).
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)


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
    """Send pending emails (and reclaim stale claims); return how many were sent.

    On PostgreSQL each email is claimed, sent and marked sent in ONE transaction (see
    :func:`_deliver_in_transaction`); elsewhere (SQLite, which would block every writer while
    SMTP answers) the claim is committed first and a worker's death leaves the row "sending"
    until ``STALE_CLAIM`` has passed.
    """
    now = now or timezone.now()
    candidates = list(
        OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .values_list("pk", "state")[:limit]
    ) + list(
        OutboundEmail.objects.filter(state=OutboundEmail.State.SENDING, claimed_at__lt=now - STALE_CLAIM).values_list(
            "pk", "state"
        )[:limit]
    )
    sent = 0
    in_transaction = db_connection.features.has_select_for_update_skip_locked
    deliver = _deliver_in_transaction if in_transaction else _deliver
    connection = get_connection()
    try:
        for email_id, state in candidates:
            # One SMTP session for the sweep, reopened after a failure. A server that refuses the
            # connection ends the sweep: nothing was claimed, every row stays queued for the next one.
            error = _open(connection)
            if error is not None:
                log.warning(
                    "outbox: the mail server is unreachable (%s); %d email(s) stay queued", error, len(candidates)
                )
                break
            if deliver(email_id, state=state, now=now, connection=connection):
                sent += 1
    finally:
        _close(connection)
    return sent


def _open(connection) -> str | None:
    """Open the backend's connection; return the error when the server cannot be reached."""
    if not hasattr(connection, "open"):
        return None
    try:
        connection.open()
    except Exception as exc:  # ConnectionRefusedError, socket.timeout, SMTPException, ...
        _close(connection)
        return str(exc)[:500] or exc.__class__.__name__
    return None


def _close(connection) -> None:
    if hasattr(connection, "close"):
        try:
            connection.close()
        except Exception:  # a connection that never opened, or one the server already dropped
            log.debug("closing the mail connection failed", exc_info=True)


def _send(email: OutboundEmail, connection) -> str | None:
    """Hand one email to the backend; return the error, or None when it was accepted."""
    try:
        _message(email, connection).send()
    except Exception as exc:  # SMTP errors come in many types; record and retry later
        log.warning("sending email %s failed: %s", email.message_id, exc)
        _close(connection)
        return str(exc)[:500] or exc.__class__.__name__
    return None


def retry_delay(attempts: int) -> timedelta:
    """How long a row waits after its ``attempts``-th failed attempt: 1, 2, 4, 8... minutes, at most an hour."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


def _failed(email: OutboundEmail, error: str, *, now: datetime) -> None:
    final = email.attempts >= MAX_ATTEMPTS
    OutboundEmail.objects.filter(pk=email.pk).update(
        state=OutboundEmail.State.FAILED if final else OutboundEmail.State.PENDING,
        sent_at=None,
        last_error=error,
        next_attempt_at=None if final else now + retry_delay(email.attempts),
    )


def _deliver(email_id: int, *, state: str, now: datetime, connection) -> bool:
    """Claim (committed), send, mark sent: three short transactions, for databases without row locks.

    A worker killed between claim and send leaves the row "sending"; after ``STALE_CLAIM`` it is sent
    (nothing was delivered: exactly once). Killed after the server accepted and before the "sent"
    UPDATE below committed, the same email goes out again after ``STALE_CLAIM``, with the same
    Message-ID: the window is that one statement.
    """
    if not _claim(email_id, expected_state=state, now=now):
        return False  # another worker took it
    email = render_deferred(OutboundEmail.objects.get(pk=email_id))
    error = _send(email, connection)
    if error is not None:
        _failed(email, error, now=now)
        return False
    OutboundEmail.objects.filter(pk=email_id).update(state=OutboundEmail.State.SENT, sent_at=timezone.now())
    return True


def _deliver_in_transaction(email_id: int, *, state: str, now: datetime, connection) -> bool:
    """Claim, send and mark sent as one unit: the row is marked "sent" BEFORE the SMTP exchange,
    inside a transaction that commits right after the server accepts the message.

    - A worker killed before the server accepted rolls the transaction back: the row is "pending"
      again at once (no stale-claim wait) and the next sweep delivers it. Nothing was delivered.
    - A send that fails turns the row back to "pending" (or "failed") in the same transaction.
    - Another worker skips the row while it is locked (SKIP LOCKED), then finds it no longer pending.

    The one window left: a worker killed after the SMTP server accepted the message (its reply to
    the final "." of DATA) and before the COMMIT left for the database — the few Python statements
    between reading the "250" reply and sending COMMIT (microseconds). The transaction then rolls
    back and the email is sent again by the next sweep, with the same Message-ID, so the receiver
    can recognise the duplicate. SMTP offers no way to close this window: the sender cannot learn
    whether a server accepted a message whose reply it never read.
    """
    with transaction.atomic():
        # The lock is taken on the row's own primary key and state (no join, no subquery).
        locked = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, state=state)
            .values_list("pk", flat=True)
            .first()
        )
        if locked is None:
            return False  # another worker holds it, or it is no longer in that state
        qs = OutboundEmail.objects.filter(pk=email_id, state=state)
        if state == OutboundEmail.State.SENDING:
            qs = qs.filter(claimed_at__lt=now - STALE_CLAIM)
        if not qs.update(
            state=OutboundEmail.State.SENT, claimed_at=now, sent_at=timezone.now(), attempts=F("attempts") + 1
        ):
            return False
        email = render_deferred(OutboundEmail.objects.get(pk=email_id))
        error = _send(email, connection)
        if error is not None:
            _failed(email, error, now=now)
            return False
    return True


def daily_digests_send(*, now: datetime | None = None) -> int:
    """Gather each user's notifications waiting for a daily digest into one email.

    The digest is its own category (``DAILY_DIGEST``): switching it off (its footer's one-click link)
    stops the digest email; the notifications stay in the portal's inbox.
    """
    now = now or timezone.now()
    off = set(
        NotificationPreference.objects.filter(category=Category.DAILY_DIGEST, email=EmailMode.OFF).values_list(
            "user_id", flat=True
        )
    )
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
            if not taken or user.pk in off:
                continue
            queue_email(
                user=user,
                category=Category.DAILY_DIGEST,
                template="daily_digest",
                context={"items": items, "date": now},
            )
            queued += 1
    return queued
