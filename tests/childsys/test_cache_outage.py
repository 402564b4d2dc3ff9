"""Sign-in and posting through a Redis (cache) outage, on a live server with a real, throwaway redis-server.

Two kinds of outage: Redis stopped (connections refused) and Redis hung (SIGSTOP: connections are
accepted by the kernel, nothing answers, the socket timeouts run out).
"""

from __future__ import annotations

import logging
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from childsys.lib import cache as resilient
from practice.models import Advice, HelpRequest
from tests.conftest import skip_or_fail
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        skip_or_fail("redis-server is not installed (apt-get install -y redis-server)")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the throwaway redis-server did not come up")
    yield proc, f"redis://127.0.0.1:{port}/0"
    if proc.poll() is None:
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def outage_cache(settings, redis_server, monkeypatch):
    proc, url = redis_server
    monkeypatch.setattr(resilient.ResilientRedisCache, "RETRY_SECONDS", 0.2)
    settings.CACHES = {
        "default": {
            "BACKEND": "childsys.lib.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "outage-test",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    return proc, url


def _csrf(response: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    assert match, f"no CSRF token on {response.url}"
    return match.group(1)


def _log_in(base: str, email: str, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    form = session.get(f"{base}/accounts/login/", timeout=30)
    assert form.status_code == 200
    response = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": _csrf(form), "login": email, "password": password},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    return session, response


def _cache_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "childsys.cache" and r.levelno >= logging.ERROR]


@pytest.mark.parametrize("outage", ["stopped", "hung"])
def test_it_signs_in_and_posts_requests_and_advice_while_redis_is_away(
    outage, outage_cache, live_server, community, member, facilitator, caplog
):
    caplog.set_level(logging.INFO, logger="childsys.cache")
    proc, url = outage_cache
    base = live_server.url

    # Redis answers: sign-in works and the cache is in use.
    _, response = _log_in(base, member.email)
    assert response.status_code == 302
    assert not resilient.reachability(url).away

    if outage == "stopped":
        proc.terminate()
        proc.wait(timeout=10)
    else:
        proc.send_signal(signal.SIGSTOP)

    # A failed sign-in (counted by allauth's rate limit, in the cache), then a good one.
    _, wrong = _log_in(base, member.email, "not-the-password")
    assert wrong.status_code == 200
    assert "not correct" in wrong.text or "incorrect" in wrong.text.lower()
    asker, response = _log_in(base, member.email)
    assert response.status_code == 302, response.text[:500]
    assert resilient.reachability(url).away

    new_url = f"{base}/c/{community.slug}/requests/new/"
    form = asker.get(new_url, timeout=30)
    assert form.status_code == 200
    posted = asker.post(
        new_url,
        data={
            "csrfmiddlewaretoken": _csrf(form),
            "title": "Insulin pens during a Redis outage",
            "situation": "How do you label them?",
            "tried": "",
            "urgency": "normal",
        },
        headers={"Referer": new_url},
        allow_redirects=False,
        timeout=30,
    )
    assert posted.status_code == 302, posted.text[:500]
    help_request = HelpRequest.objects.get(title="Insulin pens during a Redis outage")
    assert help_request.author == member
    assert posted.headers["Location"].endswith(help_request.get_absolute_url())

    adviser, response = _log_in(base, facilitator.email)
    assert response.status_code == 302
    detail_url = f"{base}{help_request.get_absolute_url()}"
    page = adviser.get(detail_url, timeout=30)
    assert page.status_code == 200
    advised = adviser.post(
        f"{base}/c/{community.slug}/requests/{help_request.pk}/advice/",
        data={"csrfmiddlewaretoken": _csrf(page), "body": "Colour-coded caps, checked by two people."},
        headers={"Referer": detail_url},
        allow_redirects=False,
        timeout=30,
    )
    assert advised.status_code == 302, advised.text[:500]
    assert Advice.objects.filter(request=help_request, author=facilitator).count() == 1

    # Other pages keep answering too.
    assert adviser.get(f"{base}/c/{community.slug}/", timeout=30).status_code == 200
    assert adviser.get(f"{base}/c/{community.slug}/dashboard/", timeout=30).status_code in (200, 403)

    # Logged once for the whole outage, not once per request.
    errors = _cache_errors(caplog)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert url in errors[0].getMessage()

    if outage == "hung":
        # Redis answers again: the process goes back to it and says so.
        proc.send_signal(signal.SIGCONT)
        for _ in range(100):
            if not resilient.reachability(url).away:
                break
            time.sleep(0.1)
        assert not resilient.reachability(url).away
        assert any(r.name == "childsys.cache" and "answers again" in r.getMessage() for r in caplog.records)
        _, response = _log_in(base, member.email)
        assert response.status_code == 302


def test_it_keeps_counting_rate_limits_per_process_while_redis_is_stopped(outage_cache, caplog):
    from django.core.cache import cache

    from childsys.lib import ratelimit

    proc, url = outage_cache
    rate = ratelimit.Rate(limit=3, period=60)
    assert ratelimit.hit("outage", 1, rate)
    proc.terminate()
    proc.wait(timeout=10)

    # The counter starts again in memory: three more hits fit, the fourth is refused, nothing raises.
    assert [ratelimit.hit("outage", 1, rate) for _ in range(4)] == [True, True, True, False]
    assert ratelimit.remaining("outage", 1, rate) == 0
    assert resilient.reachability(url).away
    assert cache.get("anything", "default") == "default"
    assert len(_cache_errors(caplog)) == 1
