"""``/healthz``: is the database reachable, is the broker reachable? JSON, fast, never hangs."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

CHECK_TIMEOUT = 1.5  # seconds per check; both run in parallel, so the page answers within ~2 s


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not folder.is_dir():
            raise OSError(f"broker folder {folder} is missing")
        return
    # A raw PING with socket timeouts: a broker that accepts connections but never answers
    # fails here within CHECK_TIMEOUT instead of hanging the request.
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port or 6379), timeout=CHECK_TIMEOUT) as sock:
        sock.settimeout(CHECK_TIMEOUT)
        if parts.password:
            user = parts.username or "default"
            sock.sendall(_resp("AUTH", user, parts.password))
            _expect_ok(sock)
        sock.sendall(_resp("PING"))
        reply = sock.recv(64)
        if not reply.startswith(b"+PONG"):
            raise OSError(f"unexpected broker reply {reply[:32]!r}")


def _resp(*words: str) -> bytes:
    out = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _expect_ok(sock: socket.socket) -> None:
    reply = sock.recv(64)
    if not reply.startswith(b"+OK"):
        raise OSError("broker refused the credentials")


def _run(check) -> tuple[bool, str, float]:
    started = time.monotonic()
    try:
        check()
    except Exception as exc:  # any failure means "down" for a health probe
        return False, f"{type(exc).__name__}: {exc}"[:200], time.monotonic() - started
    return True, "ok", time.monotonic() - started


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database, "broker": check_broker}
    results: dict[str, dict] = {}
    # Threads give each check a hard deadline even when a driver ignores its own timeout.
    pool = ThreadPoolExecutor(max_workers=len(checks))
    try:
        futures = {name: pool.submit(_run_closing, fn) for name, fn in checks.items()}
        for name, future in futures.items():
            try:
                ok, detail, seconds = future.result(timeout=CHECK_TIMEOUT + 0.5)
            except FutureTimeout:
                ok, detail, seconds = False, "timed out", CHECK_TIMEOUT + 0.5
            results[name] = {"ok": ok, "detail": detail, "ms": round(seconds * 1000)}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    healthy = all(r["ok"] for r in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results}, status=200 if healthy else 503
    )


def _run_closing(check) -> tuple[bool, str, float]:
    # Database connections are per thread: close this worker thread's connection when done.
    try:
        return _run(check)
    finally:
        connection.close()
