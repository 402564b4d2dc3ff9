"""The outbox sender in batches, against a real SMTP server (aiosmtpd): one connection per batch,
each row marked sent as it is accepted, a dropped connection handing the rest back with a back-off."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from communities.models import Category, OutboundEmail
from communities.services import outbox
from communities.services.notify import queue_email
from tests.factories import UserFactory
from tests.support.smtp import free_port

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class CountingSink:
    """Counts accepted Message-IDs and SMTP connections; drops the connection at message ``drop_at``."""

    def __init__(self, drop_at: int | None = None):
        self.received: Counter[str] = Counter()
        self.peers: set[tuple[str, int]] = set()
        self.drop_at = drop_at
        self.arrived = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message_id = (BytesHeaderParser().parsebytes(envelope.original_content).get("Message-ID") or "").strip()
        with self.lock:
            self.arrived += 1
            if self.drop_at is not None and self.arrived == self.drop_at:
                self.drop_at = None
                server.transport.abort()  # gone in the middle of DATA: this one is not accepted
                return "421 closing"
            self.peers.add(session.peer)
            self.received[message_id] += 1
        return "250 OK"


@pytest.fixture
def sink(settings):
    handler = CountingSink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield handler
    finally:
        controller.stop()


def _queue(n: int) -> list[OutboundEmail]:
    user = UserFactory()
    return [
        queue_email(
            user=user,
            category=Category.DIRECTION,
            template="notification",
            context={"title": f"Vision draft {i}", "body": "", "url": "http://testserver/c/x/"},
            message_id=f"<batch.{i}@child.example>",
        )
        for i in range(n)
    ]


def test_a_batch_goes_over_one_smtp_connection_and_each_row_is_sent_once(sink, settings):
    settings.OUTBOX_BATCH_SIZE = 25
    emails = _queue(25)
    assert outbox.outbound_email_send_due(now=NOW) == 25
    assert outbox.outbound_email_send_due(now=NOW) == 0
    assert set(sink.received) == {e.message_id for e in emails}
    assert set(sink.received.values()) == {1}
    assert len(sink.peers) == 1  # one SMTP session for the whole batch
    assert set(OutboundEmail.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_rows_are_claimed_in_one_statement_whatever_the_batch_size(django_assert_num_queries):
    _queue(12)
    # PostgreSQL: savepoint, SELECT … FOR UPDATE SKIP LOCKED, UPDATE, release, read the rows;
    # SQLite: one UPDATE … WHERE id IN (SELECT … LIMIT n), read the rows.
    expected = 5 if connection.features.has_select_for_update_skip_locked else 2
    with django_assert_num_queries(expected):
        token, first = outbox.outbox_claim(now=NOW, limit=2)
    with django_assert_num_queries(expected):
        _, rest = outbox.outbox_claim(now=NOW, limit=10)
    assert len(first) == 2 and len(rest) == 10
    assert not {e.pk for e in first} & {e.pk for e in rest}
    assert OutboundEmail.objects.filter(state="sending", claim_token=token).count() == 2
    with django_assert_num_queries(3 if expected == 5 else 2):  # nothing left: PostgreSQL stops after the SELECT
        assert outbox.outbox_claim(now=NOW, limit=10)[1] == []


def test_a_dropped_connection_hands_the_unsent_rows_back_with_a_back_off(sink, settings):
    settings.OUTBOX_BATCH_SIZE = 10
    emails = _queue(10)
    sink.drop_at = 4  # the server accepts three, then hangs up during the fourth
    assert outbox.outbound_email_send_due(now=NOW) == 3
    rows = {e.message_id: e for e in OutboundEmail.objects.all()}
    ids = [e.message_id for e in emails]
    assert set(sink.received) == set(ids[:3])
    assert [rows[m].state for m in ids[:3]] == ["sent"] * 3
    dropped = rows[ids[3]]
    assert (dropped.state, dropped.attempts, dropped.claim_token) == ("pending", 1, "")
    assert NOW + outbox.RETRY_BASE <= dropped.retry_at <= NOW + outbox.RETRY_BASE + timedelta(seconds=5)
    assert "closed" in dropped.last_error
    for later in ids[4:]:  # never tried: back in the outbox, without an attempt counted against them
        row = rows[later]
        assert (row.state, row.attempts, row.claim_token, row.claimed_at) == ("pending", 0, "", None)
        assert NOW < row.retry_at <= NOW + outbox.RETRY_BASE + timedelta(seconds=5)

    assert outbox.outbound_email_send_due(now=NOW + timedelta(seconds=1)) == 0  # waiting out the back-off
    assert outbox.outbound_email_send_due(now=NOW + outbox.RETRY_BASE + timedelta(seconds=10)) == 7
    assert set(sink.received) == set(ids)
    assert set(sink.received.values()) == {1}  # nothing twice
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}


def test_an_unreachable_server_leaves_every_row_pending_without_using_up_attempts(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    _queue(3)
    assert outbox.outbound_email_send_due(now=NOW) == 0
    assert set(OutboundEmail.objects.values_list("state", "attempts", "claim_token")) == {("pending", 0, "")}
    for retry_at in OutboundEmail.objects.values_list("retry_at", flat=True):
        assert NOW + outbox.RETRY_BASE <= retry_at <= NOW + outbox.RETRY_BASE + timedelta(seconds=5)


def test_a_batch_that_outlived_its_claim_skips_the_rows_another_worker_reclaimed(sink):
    emails = _queue(4)
    token, stale_batch = outbox.outbox_claim(now=NOW)  # this worker then stalls
    later = NOW + outbox.STALE_CLAIM + timedelta(seconds=1)
    other, reclaimed = outbox.outbox_claim(now=later, limit=2)  # a second worker takes two over
    assert len(reclaimed) == 2 and other != token
    assert outbox.outbox_send_batch(stale_batch, token=token, now=later) == (2, False)
    assert outbox.outbox_send_batch(reclaimed, token=other, now=later) == (2, False)
    assert set(sink.received) == {e.message_id for e in emails}
    assert set(sink.received.values()) == {1}
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}


def test_a_batch_out_of_time_hands_back_the_rest_at_once(sink, monkeypatch):
    _queue(5)
    monkeypatch.setattr(outbox, "BATCH_SECONDS", -1.0)  # out of time before the first row
    token, batch = outbox.outbox_claim(now=NOW)
    assert outbox.outbox_send_batch(batch, token=token, now=NOW) == (0, False)
    assert set(OutboundEmail.objects.values_list("state", "claim_token", "retry_at")) == {("pending", "", None)}
    assert sink.received == Counter()
