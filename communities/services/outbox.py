"""Delivering the email outbox, and the daily digest of notifications."""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from communities.models import Category, EmailMode, Notification, NotificationPreference, OutboundEmail, User
from communities.services.mime import envelope_address, message_bytes
from communities.services.notify import outbound_email_build, render_deferred

log = logging.getLogger(__name__)

# A row left in "sending" this long was claimed by a worker that died; it is claimed again.
STALE_CLAIM = timedelta(seconds=settings.OUTBOX_STALE_CLAIM_SECONDS)
MAX_ATTEMPTS = 5
# A batch stops sending after this long and hands its unsent rows back (well inside STALE_CLAIM, so a
# live batch is never mistaken for a dead worker's; each row's claim is verified before it is sent anyway).
BATCH_SECONDS = min(30.0, STALE_CLAIM.total_seconds() / 2)
# Back-off before a row is tried again: RETRY_BASE after an interrupted batch, doubling per failed attempt.
RETRY_BASE = timedelta(seconds=settings.OUTBOX_RETRY_SECONDS)
RETRY_MAX = timedelta(hours=1)

# Errors after which the SMTP session is unusable: the rest of the batch goes back to the outbox.
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)


def _due(now: datetime) -> Q:
    pending = Q(state=OutboundEmail.State.PENDING) & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    return pending | Q(state=OutboundEmail.State.SENDING, claimed_at__lt=now - STALE_CLAIM)


def outbox_claim(
    *, now: datetime, limit: int | None = None, token: str | None = None
) -> tuple[str, list[OutboundEmail]]:
    """Claim up to ``limit`` due rows (pending, or left "sending" by a dead worker) for one batch.

    Returns the batch's token and its rows, oldest first. Safe with any number of workers:
    on PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` (a row another worker has
    locked, for instance one it is sending right now, is skipped, never waited for) and then
    updated by primary key, in one short transaction; SQLite serialises writers, so one
    ``UPDATE … WHERE id IN (SELECT … LIMIT n)`` claims them atomically.
    """
    token = token or uuid.uuid4().hex
    limit = limit or settings.OUTBOX_BATCH_SIZE
    claim = {"state": OutboundEmail.State.SENDING, "claim_token": token, "claimed_at": now}
    # The index's order alone (outbound_email_unsent): a tie-breaker would sort every row of a bulk
    # fan-out (one created_at) before the LIMIT.
    due = OutboundEmail.objects.filter(_due(now)).order_by("created_at")
    if db_connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            if not ids:
                return token, []
            OutboundEmail.objects.filter(pk__in=ids).update(**claim)
        rows = OutboundEmail.objects.filter(pk__in=ids)
    else:
        OutboundEmail.objects.filter(pk__in=due.values("pk")[:limit]).update(**claim)
        rows = OutboundEmail.objects.filter(state=OutboundEmail.State.SENDING, claim_token=token)
    return token, list(rows.select_related("user").order_by("created_at", "id"))


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
    for content, mimetype in email.alternatives:
        # "text/calendar; method=REQUEST" keeps its parameter in the part's Content-Type (RFC 6047).
        message.attach_alternative(content, mimetype)
    return message


def _hand_over(email: OutboundEmail, connection) -> None:
    """Give one email to the SMTP session.

    Over Django's SMTP backend the message goes as bytes built by ``communities.services.mime``
    (the same message ``_message`` describes, without the standard library's costly header
    folding) straight to the open ``smtplib`` session; any other backend (the tests' in-memory
    one, the console) gets the ``EmailMultiAlternatives``.
    """
    if not isinstance(connection, SMTPBackend):
        connection.send_messages([_message(email, connection)])
        return
    if connection.connection is None:
        raise smtplib.SMTPServerDisconnected("the SMTP connection is closed")
    data = message_bytes(
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        headers={"Message-ID": email.message_id, **email.headers},
        alternatives=[tuple(a) for a in email.alternatives],
    )
    connection.connection.sendmail(envelope_address(settings.DEFAULT_FROM_EMAIL), [envelope_address(email.to)], data)


def outbound_email_send_due(
    *, now: datetime | None = None, limit: int = 10_000, batch_size: int | None = None, budget_seconds: float = 25
) -> int:
    """Send due emails in batches of ``OUTBOX_BATCH_SIZE``, each claimed in one statement and sent over
    one SMTP connection.

    Returns how many were sent. Stops when nothing is due, after ``limit`` rows or after
    ``budget_seconds`` (below beat's 30-second interval; the next run takes up the rest), or when
    the SMTP server cannot be reached (the rows wait a back-off).
    """
    now = now or timezone.now()
    started = time.monotonic()
    sent = claimed = 0
    while claimed < limit and time.monotonic() - started < budget_seconds:
        clock = now + timedelta(seconds=time.monotonic() - started)
        size = min(batch_size or settings.OUTBOX_BATCH_SIZE, limit - claimed)
        token, batch = outbox_claim(now=clock, limit=size)
        if not batch:
            break
        claimed += len(batch)
        done, interrupted = outbox_send_batch(batch, token=token, now=clock)
        sent += done
        if interrupted or len(batch) < size:
            break
    return sent


def outbox_send_batch(batch: list[OutboundEmail], *, token: str, now: datetime) -> tuple[int, bool]:
    """Send one claimed batch over one SMTP connection; return (how many were sent, interrupted?).

    Each row is marked sent as soon as the server accepted it, so a worker killed mid-batch has
    sent each row at most once and left the others to be claimed again. A connection error hands
    the unsent rows back (claim cleared) with a back-off; so does running out of ``BATCH_SECONDS``
    (without a back-off).
    """
    started = time.monotonic()
    connection = get_connection()
    sent = 0
    try:
        _open(connection)
        for index, email in enumerate(batch):
            if time.monotonic() - started > BATCH_SECONDS:
                _release(batch[index:], token=token, retry_at=None)
                return sent, False
            moment = now + timedelta(seconds=time.monotonic() - started)
            outcome = _deliver(email, token=token, now=moment, connection=connection)
            if outcome is _SENT:
                sent += 1
            elif outcome is _CONNECTION_LOST:
                _release(batch[index + 1 :], token=token, retry_at=moment + RETRY_BASE)
                return sent, True
    except CONNECTION_ERRORS as exc:  # the server could not be reached at all
        log.warning("SMTP connection failed, %d emails wait %s: %s", len(batch), RETRY_BASE, exc)
        _release(batch, token=token, retry_at=now + RETRY_BASE)
        return 0, True
    finally:
        _close(connection)
    return sent, False


def _open(connection) -> None:
    if hasattr(connection, "open"):
        connection.open()


def _close(connection) -> None:
    if hasattr(connection, "close"):
        try:
            connection.close()
        except Exception:  # a dead connection may fail to say goodbye
            log.debug("closing the SMTP connection failed", exc_info=True)


def _release(rows: list[OutboundEmail], *, token: str, retry_at: datetime | None) -> int:
    """Hand claimed, unsent rows back to the outbox (only those still carrying our claim)."""
    if not rows:
        return 0
    return OutboundEmail.objects.filter(
        pk__in=[r.pk for r in rows], state=OutboundEmail.State.SENDING, claim_token=token
    ).update(state=OutboundEmail.State.PENDING, claim_token="", claimed_at=None, retry_at=retry_at)


_SENT, _SKIPPED, _FAILED, _CONNECTION_LOST = object(), object(), object(), object()


def _mine(email: OutboundEmail, token: str):
    return OutboundEmail.objects.filter(pk=email.pk, state=OutboundEmail.State.SENDING, claim_token=token)


def _mark_sent_sql() -> str:
    # This transaction's COMMIT does not wait for the WAL flush: see _mark_sent_holding_lock.
    table = db_connection.ops.quote_name(OutboundEmail._meta.db_table)
    columns = "state = %s, sent_at = %s, claimed_at = %s, attempts = attempts + 1"
    return f"SET LOCAL synchronous_commit TO OFF; UPDATE {table} SET {columns} WHERE id = %s AND state = %s AND claim_token = %s"  # noqa: E501, S608 - constants only


def _mark_sent_holding_lock(email: OutboundEmail, *, token: str, now: datetime) -> bool:
    """PostgreSQL, inside the row's transaction: mark it sent if it still carries our claim (locking it).

    One statement, written out rather than built by the ORM on every row (the outbox's hot path).
    The transaction commits with ``synchronous_commit`` off: the COMMIT returns without waiting
    for the write-ahead log to reach the disk (about a millisecond per email). A worker killed
    after the COMMIT loses nothing, as the database server has the change; only a crash of the
    database server itself within the WAL writer's delay (a fraction of a second) could forget a
    "sent" mark, and that email would go out again with the same Message-ID: the window an SMTP
    client has anyway between the server's "250" and its own COMMIT.
    """
    with db_connection.cursor() as cursor:
        cursor.execute(
            _mark_sent_sql(),
            [OutboundEmail.State.SENT, now, now, email.pk, OutboundEmail.State.SENDING, token],
        )
        return cursor.rowcount == 1


def _deliver(email: OutboundEmail, *, token: str, now: datetime, connection):
    """Verify the row is still ours, send it, mark it sent.

    PostgreSQL: one transaction per row. Its first statement marks the row "sent" on the
    condition that it still carries our claim, which also locks it: another worker's claim skips
    it (SKIP LOCKED) however long the SMTP exchange takes. The transaction commits right after
    the server accepted the message; a worker killed before that rolls back, and the row, still
    "sending", is claimed again after ``STALE_CLAIM`` (nothing was delivered). The one window
    left, as with any SMTP client: killed after the server's "250" and before the COMMIT, the
    email goes out again later with the same Message-ID, so the receiver can spot the duplicate.

    SQLite (which would block every writer while SMTP answers): the claim is refreshed by a
    conditional UPDATE (committed), then the email is sent and marked sent. A row another worker
    reclaimed in the meantime no longer carries our token and is skipped.
    """
    if db_connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            if not _mark_sent_holding_lock(email, token=token, now=now):
                return _SKIPPED  # reclaimed by another worker after a stale claim
            return _send_or_record(email, connection, now=now)
    if not _mine(email, token).update(claimed_at=now, attempts=F("attempts") + 1):
        return _SKIPPED
    outcome = _send_or_record(email, connection, now=now)
    if outcome is _SENT:
        OutboundEmail.objects.filter(pk=email.pk, claim_token=token).update(state=OutboundEmail.State.SENT, sent_at=now)
    return outcome


def _send_or_record(email: OutboundEmail, connection, *, now: datetime):
    """Render (if deferred) and hand one email to the SMTP session; on an error record it for a retry."""
    email.attempts += 1
    try:
        render_deferred(email)
        _hand_over(email, connection)
    except Exception as exc:  # SMTP errors come in many types; record and retry later
        log.warning("sending email %s failed: %s", email.message_id, exc)
        final = email.attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=email.pk).update(
            state=OutboundEmail.State.FAILED if final else OutboundEmail.State.PENDING,
            sent_at=None,
            claim_token="",
            claimed_at=None,
            retry_at=None if final else now + min(RETRY_BASE * 2 ** (email.attempts - 1), RETRY_MAX),
            last_error=str(exc)[:500] or exc.__class__.__name__,
        )
        if isinstance(exc, CONNECTION_ERRORS):
            _close(connection)
            return _CONNECTION_LOST
        return _FAILED
    return _SENT


DIGEST_BATCH = 100


def daily_digests_send(*, now: datetime | None = None, batch: int = DIGEST_BATCH) -> int:
    """Gather each user's notifications waiting for a daily digest into one email.

    The digest is its own category (``DAILY_DIGEST``): switching it off (its footer's one-click link)
    stops the digest email; the notifications stay in the portal's inbox. Works through the users in
    batches: per batch one transaction locks and takes the waiting
    notifications (a conditional UPDATE decides, even where ``select_for_update`` is a no-op) and
    one INSERT puts all the batch's digests in the outbox.
    """
    now = now or timezone.now()
    user_ids = sorted(
        set(Notification.objects.filter(in_daily_digest=True, created_at__lte=now).values_list("user_id", flat=True))
    )
    queued = 0
    for start in range(0, len(user_ids), batch):
        queued += _daily_digests_batch(user_ids[start : start + batch], now=now)
    return queued


@transaction.atomic
def _daily_digests_batch(user_ids: list[int], *, now: datetime) -> int:
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True)}
    waiting = Notification.objects.filter(user_id__in=list(users), in_daily_digest=True, created_at__lte=now)
    items = list(waiting.select_for_update(of=("self",)).select_related("community").order_by("created_at", "id"))
    taken = set(
        Notification.objects.filter(pk__in=[n.pk for n in items], in_daily_digest=True).values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=taken).update(in_daily_digest=False)
    off = set(
        NotificationPreference.objects.filter(
            user_id__in=list(users), category=Category.DAILY_DIGEST, email=EmailMode.OFF
        ).values_list("user_id", flat=True)
    )
    by_user: dict[int, list[Notification]] = {}
    for item in items:
        if item.pk in taken and item.user_id not in off:
            by_user.setdefault(item.user_id, []).append(item)
    OutboundEmail.objects.bulk_create(
        outbound_email_build(
            user=users[user_id],
            category=Category.DAILY_DIGEST,
            template="daily_digest",
            context={"items": user_items, "date": now},
            now=now,
        )
        for user_id, user_items in by_user.items()
    )
    return len(by_user)
