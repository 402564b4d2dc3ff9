"""Start real Celery worker processes against the test database and the configured broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def worker_env(*, email_dir: Path | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker that sees the test database and the test's broker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "childsys.settings"
    env["DEBUG"] = "0"
    env["VAR_DIR"] = str(settings.VAR_DIR)  # the filesystem broker's folders live here
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
            f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    if email_dir is not None:
        env["EMAIL_URL"] = f"filemail://{email_dir}"
    env.update(extra or {})
    return env


@contextmanager
def celery_workers(
    count: int = 1,
    *,
    concurrency: int = 1,
    email_dir: Path | None = None,
    queues: str = "celery",
    log_dir: Path,
    pool: str = "prefork",
    name: str = "test",
    env: dict[str, str] | None = None,
) -> Iterator[list[subprocess.Popen]]:
    """Run ``count`` worker processes for the duration of the block; stop them afterwards.

    ``pool="solo"`` runs tasks in the worker process itself, so a SIGKILL of ``proc.pid`` kills
    the task mid-run; ``name`` tells apart the workers of nested blocks (node names and log files
    ``<name>-<i>.log``, or ``worker-<i>.log`` for the default name); ``env`` adds variables, such
    as the ``EMAIL_URL`` of an SMTP server the test started.
    """
    procs = []
    for i in range(count):
        log_name = f"worker-{i}.log" if name == "test" else f"{name}-{i}.log"
        log = open(log_dir / log_name, "w")  # noqa: SIM115 - closed with the process
        procs.append(
            subprocess.Popen(
                [
                    *[sys.executable, "-m", "celery", "-A", "childsys", "worker", "--loglevel", "INFO"],
                    *["--concurrency", str(concurrency), "--pool", pool, "--queues", queues],
                    *["--hostname", f"{name}{i}-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
                ],
                cwd=ROOT,
                env=worker_env(email_dir=email_dir, extra=env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
