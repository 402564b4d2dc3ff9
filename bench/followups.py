"""Benchmark: the learning-loop sweep, end to end from due follow-ups to an SMTP server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/childsys_bench_followups \\
    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/followups.py

Creates the database if it is missing, migrates it and seeds (once; ``--reseed`` starts over)
100,000 help requests whose follow-ups are all due, written with COPY. An SMTP sink (aiosmtpd, in a
process of its own, counting what it accepts) listens on a free 127.0.0.1 port. Then, for 1 and
for 2 Celery worker processes (``--pool solo``, on Redis), every follow-up is made due again and
the workers are kept fed with the two sweeps beat would send (``send_due_follow_ups`` and
``send_outbound_email``); after a warm-up, the reminders the sink accepts per second over the
window is the end-to-end throughput: claim, reminder row, inbox row, rendered email in the outbox,
delivery over SMTP, marked sent. In the same run a plain smtplib client sends to the same sink over
one connection: the sink's raw throughput, measured before and after each pipeline run (the machine
may be shared). The ratio of the two says how much of the ceiling the portal's pipeline uses; targets
≥ 35% with 1 worker and ≥ 50% with 2.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import smtplib
import subprocess
import sys
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from _common import (
    ROOT,
    configure,
    copy_rows,
    ensure_database,
    next_id,
    require_postgres,
    reset_sequences,
    setup_django,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/childsys_bench_followups"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
FOLLOW_UPS = 100_000
SLUG = "bench-followups"


# --- the SMTP sink, in its own process -----------------------------------------------------------


def _sink_main(port: int, counter, ready) -> None:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def start_sink() -> tuple[multiprocessing.Process, int, object]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    counter = multiprocessing.Value("l", 0)
    ready = multiprocessing.Event()
    proc = multiprocessing.Process(target=_sink_main, args=(port, counter, ready), daemon=True)
    proc.start()
    if not ready.wait(15):
        sys.exit("the SMTP sink did not start")
    return proc, port, counter


def raw_sink_rate(port: int, counter, seconds: float) -> float:
    """Messages per second a plain smtplib client gets accepted over one connection."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "bench@child.example", "asker@example.org", "Raw"
    message.set_content("How did it go? " * 40)
    start_count, sent = counter.value, 0
    with smtplib.SMTP("127.0.0.1", port) as client:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            del message["Message-ID"]
            message["Message-ID"] = f"<raw.{sent}@child.example>"
            client.send_message(message)
            sent += 1
        elapsed = time.monotonic() - started
    return (counter.value - start_count) / elapsed


# --- seeding -------------------------------------------------------------------------------------


def seed() -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from communities.models import Community, Membership, Role, User
    from practice.models import FollowUp, HelpRequest

    call_command("migrate", verbosity=0)
    if FollowUp.objects.filter(community__slug=SLUG).count() >= FOLLOW_UPS:
        return
    print(f"seeding {FOLLOW_UPS:,} due follow-ups …", flush=True)
    community = Community.objects.create(name="Bench Follow-ups", slug=SLUG, domain="Benchmarks.")
    askers = []
    for i in range(200):
        user = User.objects.create_user(email=f"asker{i}@bench.example", password=None, display_name=f"Asker {i}")
        Membership.objects.create(community=community, user=user, role=Role.MEMBER)
        askers.append(user.pk)
    now = timezone.now()
    first_request, first_follow_up = next_id(HelpRequest), next_id(FollowUp)
    posted = now - timedelta(days=20)
    copy_rows(
        HelpRequest,
        (
            {
                "id": first_request + i,
                "community_id": community.pk,
                "author_id": askers[i % len(askers)],
                "title": f"Night-shift double checks on ward {i}",
                "situation": "Two nurses for 28 beds: the second check often waits 20 minutes.",
                "created_at": posted,
                "last_activity_at": posted,
                "response_due_at": posted + timedelta(hours=48),
                "status": "answered",
            }
            for i in range(FOLLOW_UPS)
        ),
    )
    copy_rows(
        FollowUp,
        (
            {
                "id": first_follow_up + i,
                "request_id": first_request + i,
                "community_id": community.pk,
                "asker_id": askers[i % len(askers)],
                "created_at": posted + timedelta(days=1),
                "due_at": now - timedelta(minutes=1),
                "state": "scheduled",
            }
            for i in range(FOLLOW_UPS)
        ),
    )
    reset_sequences(HelpRequest, FollowUp)


def make_all_due() -> None:
    """Every follow-up due again, with no reminder, inbox row or email left from an earlier run."""
    from django.db import connection
    from django.utils import timezone

    from communities.models import Notification, OutboundEmail
    from practice.models import FollowUp, FollowUpReminder

    with connection.cursor() as cursor:
        for model in (FollowUpReminder, Notification, OutboundEmail):
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
    FollowUp.objects.filter(community__slug=SLUG).update(
        state="scheduled", reminders_sent=0, cycle_reminders=0, last_reminded_at=None,
        due_at=timezone.now() - timedelta(minutes=1),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE practice_followup")


# --- one measured run ----------------------------------------------------------------------------


def run(workers: int, *, port: int, counter, env: dict[str, str], warmup: float, window: float, logs: Path) -> float:
    from childsys.celery import app

    make_all_due()
    worker_env = {**os.environ, **env, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    procs = []
    for i in range(workers):
        log = open(logs / f"worker-{workers}-{i}.log", "w")  # noqa: SIM115 - closed with the process
        procs.append(
            subprocess.Popen(
                [
                    *[sys.executable, "-m", "celery", "-A", "childsys", "worker", "--loglevel", "WARNING"],
                    *["--pool", "solo", "--hostname", f"bench{i}-{os.getpid()}@%h"],
                    *["--without-mingle", "--without-gossip", "--without-heartbeat"],
                ],
                cwd=ROOT,
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    try:
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            client.delete("celery")

            def feed() -> None:
                # Keep a few sweeps queued per worker, as beat would with a backlog: short follow-up
                # sweeps alternate with outbox sweeps, so neither starves the other.
                if client.llen("celery") < 2 * workers:
                    app.send_task("practice.tasks.send_due_follow_ups", kwargs={"budget_seconds": 2})
                    app.send_task("communities.tasks.send_outbound_email")

            started = time.monotonic()
            while counter.value == 0 and time.monotonic() - started < 60:  # workers booting
                feed()
                time.sleep(0.2)
            warm_until = time.monotonic() + warmup
            while time.monotonic() < warm_until:
                feed()
                time.sleep(0.2)
            count0, t0 = counter.value, time.monotonic()
            while time.monotonic() - t0 < window:
                feed()
                time.sleep(0.2)
            rate = (counter.value - count0) / (time.monotonic() - t0)
            client.delete("celery")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reseed", action="store_true", help="drop the benchmark database and seed it again")
    parser.add_argument("--warmup", type=float, default=10, help="seconds before measuring (default 10)")
    parser.add_argument("--window", type=float, default=60, help="seconds measured per run (default 60)")
    args = parser.parse_args()

    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS)
    env = configure(database_url=DEFAULT_URL, var_dir="bench-followups")
    env["REDIS_URL"] = os.environ["REDIS_URL"]
    url = require_postgres("bench/followups.py", DEFAULT_URL)
    ensure_database(url, recreate=args.reseed)
    setup_django()
    seed()
    logs = ROOT / "var" / "bench-followups"
    logs.mkdir(parents=True, exist_ok=True)

    sink, port, counter = start_sink()
    try:
        # The machine may be shared: the raw sink is measured right before each pipeline run too, and
        # each ratio is to the mean of the raw rates measured before and after that run.
        raws = [raw_sink_rate(port, counter, seconds=10)]
        print(f"SMTP sink, raw (smtplib, one connection): {raws[0]:8.0f} messages/s", flush=True)
        rates, ratios = {}, {}
        for workers in (1, 2):
            rates[workers] = run(
                workers, port=port, counter=counter, env=env, warmup=args.warmup, window=args.window, logs=logs
            )
            raws.append(raw_sink_rate(port, counter, seconds=10))
            raw = (raws[-2] + raws[-1]) / 2
            ratios[workers] = rates[workers] / raw
            print(
                f"follow-up sweep, {workers} worker{'s' if workers > 1 else ' '} (end to end): "
                f"{rates[workers]:6.0f} reminders/s   ratio to the raw sink {ratios[workers]:5.1%} "
                f"(raw sink around the run: {raw:.0f} messages/s)",
                flush=True,
            )
        print(
            f"scaling 1 → 2 workers: ×{rates[2] / rates[1]:.2f} "
            f"(on {os.cpu_count()} cores, shared with PostgreSQL, Redis and the sink)"
        )
        print(
            f"targets: ≥ 35% with 1 worker ({'met' if ratios[1] >= 0.35 else 'missed'}), "
            f"≥ 50% with 2 workers ({'met' if ratios[2] >= 0.50 else 'missed'})"
        )
    finally:
        sink.kill()


if __name__ == "__main__":
    main()
