"""Learning loops under faults: real Celery worker processes, a real SMTP server, workers killed mid-run.

On PostgreSQL + Redis (CI's first pass) two workers sweep concurrently; on SQLite + the filesystem
broker (the embedded default, CI's second pass) a single worker does, and the same assertions hold.
"""

from __future__ import annotations

import ast
import os
import signal
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from childsys.celery import app
from communities.models import Category, Membership, OutboundEmail, Role
from practice.models import FollowUp, FollowUpReminder, HelpRequest
from practice.services.loops import reminder_message_id
from tests.conftest import client_for, skip_or_fail
from tests.factories import CommunityFactory, UserFactory
from tests.support.smtp import pid_of_peer, smtp_sink
from tests.support.workers import ROOT, celery_workers, wait_until

N = 500


def _multi_worker_stack() -> bool:
    """PostgreSQL runs the multi-worker version, which needs Redis (CI); SQLite runs one worker."""
    if connection.vendor == "postgresql":
        if not settings.REDIS_URL:
            skip_or_fail("the multi-worker test on PostgreSQL needs Redis (REDIS_URL)")
        return True
    return False


def _seed_due_follow_ups(n: int) -> list[int]:
    community = CommunityFactory(name="Ward Safety Circle", slug="ward-safety")
    asker = UserFactory(email="asker@example.org", display_name="Asker")
    Membership.objects.create(community=community, user=asker, role=Role.MEMBER)
    now = timezone.now()
    requests = HelpRequest.objects.bulk_create(
        HelpRequest(
            community=community,
            author=asker,
            title=f"Night-shift double checks, ward {i}",
            situation="Two nurses at night.",
            created_at=now - timedelta(days=20),
            last_activity_at=now - timedelta(days=20),
            response_due_at=now - timedelta(days=18),
        )
        for i in range(n)
    )
    follow_ups = FollowUp.objects.bulk_create(
        FollowUp(
            request=r,
            community=community,
            asker=asker,
            created_at=now - timedelta(days=15),
            due_at=now - timedelta(minutes=1),
        )
        for r in requests
    )
    return [f.pk for f in follow_ups]


def _worker_ready(log: Path) -> bool:
    return log.exists() and " ready." in log.read_text()


def _logs(tmp_path: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-2500:]}" for p in sorted(tmp_path.glob("*.log")))


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_every_due_follow_up_produces_exactly_one_email_with_workers_killed_mid_run(tmp_path):
    multi = _multi_worker_stack()
    workers = 2 if multi else 1
    ids = _seed_due_follow_ups(N)
    expected = {reminder_message_id(pk, 1) for pk in ids}
    pids: list[int] = []
    kills: dict[str, object] = {}
    sink_ref: list = []

    def before_accept(peer, message_id: str) -> bool:
        # Once, when 100 emails have arrived: kill the worker delivering this one, in the middle of
        # its DATA exchange (the server has not accepted it). Its email must still arrive, once.
        if "delivery" in kills or sink_ref[0].total() < 100:
            return False
        pid = pid_of_peer(peer, pids)
        if pid is None:
            return False
        os.kill(pid, signal.SIGKILL)
        kills["delivery"] = (pid, message_id)
        return True

    started = time.monotonic()
    with smtp_sink(before_accept) as (sink, port):
        sink_ref.append(sink)
        env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "OUTBOX_STALE_CLAIM_SECONDS": "2"}

        # 1. The follow-up sweep fired several times at once; one worker killed while it runs.
        with celery_workers(workers, pool="solo", log_dir=tmp_path, name="first", env=env) as first:
            pids.extend(p.pid for p in first)
            assert wait_until(lambda: all(_worker_ready(tmp_path / f"first-{i}.log") for i in range(workers))), _logs(
                tmp_path
            )
            for _ in range(4):
                app.send_task("practice.tasks.send_due_follow_ups")
            assert wait_until(lambda: FollowUpReminder.objects.count() >= 40, timeout=30, interval=0.02), _logs(
                tmp_path
            )
            os.kill(first[0].pid, signal.SIGKILL)
            first[0].wait(timeout=10)
            kills["sweep"] = FollowUpReminder.objects.count()
            print(f"phase 1 kill after {time.monotonic() - started:.1f} s at {kills['sweep']} reminders")
            assert kills["sweep"] < N, "the sweep finished before the kill: the test proves nothing"

            # 2. Fresh workers: a further follow-up sweep and the outbox sweep, several at once. The
            # SMTP server kills the worker that delivers the 100th email before accepting it.
            with celery_workers(workers, pool="solo", log_dir=tmp_path, name="second", env=env) as second:
                pids.extend(p.pid for p in second)
                app.send_task("practice.tasks.send_due_follow_ups")
                for _ in range(3):
                    app.send_task("communities.tasks.send_outbound_email")
                assert wait_until(lambda: "delivery" in kills, timeout=40), _logs(tmp_path)
                print(f"phase 2 delivery kill after {time.monotonic() - started:.1f} s")

                # 3. One more worker and further sweeps until the outbox is empty.
                with celery_workers(1, pool="solo", log_dir=tmp_path, name="third", env=env):

                    def done() -> bool:
                        return (
                            len(sink.distinct("<followup.")) >= N
                            and not OutboundEmail.objects.exclude(state=OutboundEmail.State.SENT).exists()
                        )

                    deadline = time.monotonic() + 45
                    while not done() and time.monotonic() < deadline:
                        app.send_task("practice.tasks.send_due_follow_ups")
                        app.send_task("communities.tasks.send_outbound_email")
                        wait_until(done, timeout=3)
        print(f"done after {time.monotonic() - started:.1f} s")
        assert first[0].returncode == -signal.SIGKILL
        assert done(), _logs(tmp_path)

    # Exactly once, at the database level and at the SMTP server.
    assert FollowUpReminder.objects.count() == N
    assert set(FollowUp.objects.values_list("reminders_sent", "state").distinct()) == {(1, "reminded")}
    emails = OutboundEmail.objects.filter(category=Category.FOLLOW_UPS)
    assert set(emails.values_list("message_id", flat=True)) == expected
    assert emails.count() == N
    assert sink.distinct("<followup.") == expected  # none lost
    assert sink.duplicates() == {}  # none received twice
    assert sink.refused == 1 and kills["delivery"][1] in expected
    assert time.monotonic() - started < 110


def _reset_producer_pool() -> None:
    """Forget pooled broker connections, so the next send (if any) connects to the current broker URL."""
    # kombu keeps one pool per broker URL; the app caches the current one.
    app._pool = None
    app.amqp._producer_pool = None


class HungBroker:
    """A TCP server that accepts connections and never answers (a hung broker)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.conns:
            conn.close()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_posting_and_taking_advice_never_touch_a_hung_broker_and_reminders_go_out_once_it_is_back(
    tmp_path, community, member, core, settings
):
    import kombu

    hung = HungBroker()
    real_broker = app.conf.broker_url
    try:
        url = f"redis://127.0.0.1:{hung.port}/0"
        settings.CELERY_BROKER_URL = url
        app.conf.broker_url = url
        _reset_producer_pool()
        # The broker really hangs: a client gives up on it only after its timeout.
        with (
            pytest.raises(Exception),
            kombu.Connection(url, connect_timeout=0.5, transport_options={"socket_timeout": 0.5}) as conn,
        ):
            conn.ensure_connection(max_retries=1, timeout=1)

        assert wait_until(lambda: len(hung.conns) >= 1, timeout=5)  # the probe above reached it
        time.sleep(0.2)
        probed = len(hung.conns)

        # Posting, advising and "I'll try this" never wait on the broker: they do not even connect to it
        # (the follow-up is a row the beat's sweep picks up later), so a hung broker costs them nothing.
        asker, adviser = client_for(member), client_for(core)
        response = asker.post(
            f"/c/{community.slug}/requests/new/",
            {"title": "Insulin double-checks at night", "situation": "Two nurses on the ward.", "urgency": "normal"},
        )
        assert response.status_code == 302, response.content[:500]
        help_request = HelpRequest.objects.get()
        response = adviser.post(f"/c/{community.slug}/requests/{help_request.pk}/advice/", {"body": "A checklist."})
        assert response.status_code == 302
        advice = help_request.advice.get()
        response = asker.post(
            f"/c/{community.slug}/requests/{help_request.pk}/advice/{advice.pk}/respond/", {"kind": "try", "note": ""}
        )
        assert response.status_code == 302
        time.sleep(0.2)  # a connection attempt, had there been one, is accepted by now
        assert len(hung.conns) == probed, "a web request connected to the broker"
        follow_up = FollowUp.objects.get()
        assert follow_up.state == FollowUp.State.SCHEDULED
    finally:
        hung.close()
        settings.CELERY_BROKER_URL = real_broker
        app.conf.broker_url = real_broker
        _reset_producer_pool()

    # The broker is back: the due reminder goes out through a worker.
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    with (
        smtp_sink() as (sink, port),
        celery_workers(1, pool="solo", log_dir=tmp_path, env={"EMAIL_URL": f"smtp://127.0.0.1:{port}"}),
    ):
        app.send_task("practice.tasks.send_due_follow_ups")
        assert wait_until(lambda: FollowUpReminder.objects.exists(), timeout=40), _logs(tmp_path)
        app.send_task("communities.tasks.send_outbound_email")
        assert wait_until(lambda: reminder_message_id(follow_up.pk, 1) in sink.received, timeout=40), _logs(tmp_path)
    assert sink.received[reminder_message_id(follow_up.pk, 1)] == 1


# --- no long ETAs ----------------------------------------------------------------------------------

MAX_DELAY = 60
SCHEDULING_KEYWORDS = {"countdown", "eta", "default_retry_delay", "retry_backoff_max"}


def long_delays(source: str, filename: str = "<source>") -> list[str]:
    """Places where a task is scheduled further than MAX_DELAY seconds ahead, or where that cannot be told.

    ``countdown=``/``default_retry_delay=``/``retry_backoff_max=`` must be a number literal of at most
    60; ``eta=`` (an absolute time) is never allowed; ``apply_async`` options passed as ``**kwargs``
    cannot be checked and are refused.
    """
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for kw in node.keywords:
            where = f"{filename}:{node.lineno}"
            if kw.arg is None and name == "apply_async":
                found.append(f"{where}: apply_async(**...) hides its countdown/eta")
            elif kw.arg == "eta":
                found.append(f"{where}: eta= schedules at an absolute time")
            elif kw.arg in SCHEDULING_KEYWORDS:
                value = kw.value
                if not (isinstance(value, ast.Constant) and isinstance(value.value, int | float)):
                    found.append(f"{where}: {kw.arg}= is not a number literal")
                elif value.value > MAX_DELAY:
                    found.append(f"{where}: {kw.arg}={value.value} > {MAX_DELAY} s")
    return found


def project_sources() -> list[Path]:
    skip = {".venv", "node_modules", "var", "static", "staticfiles", ".git"}
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]


def test_no_task_is_scheduled_more_than_a_minute_ahead_anywhere():
    sources = project_sources()
    assert any(p.name == "tasks.py" for p in sources)  # the scan sees the code
    problems = [problem for path in sources for problem in long_delays(path.read_text(), str(path.relative_to(ROOT)))]
    assert problems == []


def test_the_eta_scan_catches_long_delays():
    bad = """
send.apply_async(args=[1], countdown=3600)
send.apply_async(eta=tomorrow)
send.apply_async(**options)
self.retry(countdown=delay)
@shared_task(default_retry_delay=600)
def f(): ...
ok.apply_async(countdown=30)
"""
    assert len(long_delays(bad)) == 5


def test_the_beat_schedule_sweeps_follow_ups_every_minute_and_digests_weekly():
    import practice.tasks  # noqa: F401 - registers the tasks, as the worker's autodiscovery does

    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["practice.tasks.send_due_follow_ups"] == 60.0
    assert "practice.tasks.send_weekly_digests" in schedule
    assert {"practice.tasks.send_due_follow_ups", "practice.tasks.send_weekly_digests"} <= set(app.tasks)
