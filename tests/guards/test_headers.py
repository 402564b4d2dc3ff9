"""Security headers and cookies as production sends them, and a strict CSP on every route.

The production values are read from ``childsys/settings.py`` itself, run with production
environment variables in a subprocess (``DEBUG=0``, a secret key, a host), then applied here with
``override_settings`` so the real middleware answers real requests with them. The idle timeout,
the 14-day lifetime and the ends of sessions on logout and password change are tested in
``tests/childsys/test_sessions_and_errors.py`` and ``tests/childsys/test_accounts.py``.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from tests.childsys.test_settings import STRONG_KEY, run_manage
from tests.factories import PASSWORD, UserFactory
from tests.guards.routes import all_patterns, clients, route_for, url_for

pytestmark = pytest.mark.django_db

PRODUCTION_SETTINGS = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
]


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {PRODUCTION_SETTINGS!r}}}))"
    )
    production_env = {"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "portal.example.org"}
    result = run_manage(tmp_path_factory.mktemp("production"), "shell", "--no-imports", "-c", code, **production_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_sends_hsts_on_https_and_redirects_plain_http(production):
    with override_settings(**production):
        client = Client()  # middleware is built on the first request: inside the override
        secure = client.get("/healthz", secure=True)
        plain = client.get("/healthz")
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert (secure["X-Content-Type-Options"], secure["Referrer-Policy"]) == ("nosniff", "same-origin")
    assert (secure["Cross-Origin-Opener-Policy"], secure["X-Frame-Options"]) == ("same-origin", "DENY")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/healthz"
    assert "Strict-Transport-Security" not in plain


def test_its_cookies_are_secure_httponly_and_samesite_in_production(production):
    UserFactory(email="ward4@example.org")
    with override_settings(**production):
        client = Client()
        form = client.get("/accounts/login/", secure=True)
        login = client.post("/accounts/login/", {"login": "ward4@example.org", "password": PASSWORD}, secure=True)
        remembered = Client().post(
            "/accounts/login/", {"login": "ward4@example.org", "password": PASSWORD, "remember": "on"}, secure=True
        )
    assert login.status_code == remembered.status_code == 302
    csrf, session = form.cookies["csrftoken"], login.cookies["sessionid"]
    for cookie in (csrf, session):
        header = cookie.OutputString()
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header, header
    # A browser-session cookie unless "remember me"; either way at most the 14-day absolute lifetime
    # (which the server enforces on its own: tests/childsys/test_sessions_and_errors.py).
    assert session["max-age"] == ""
    assert 0 < int(remembered.cookies["sessionid"]["max-age"]) <= 14 * 24 * 3600


PATTERNS = all_patterns()


def test_every_route_sends_the_strict_content_security_policy(world, personas):
    """No view loosens the policy (``csp_update``/``csp_exempt``): each answers with the strict one."""
    by_persona = clients({"sponsor": personas["sponsor"], "anonymous": None})
    wrong = []
    for pattern in PATTERNS:
        url = url_for(pattern, route_for(pattern), world)
        for persona, client in by_persona.items():
            response = client.get(url)
            directives = dict(
                d.strip().split(" ", 1) for d in response.get("Content-Security-Policy", "").split(";") if d.strip()
            )
            script = directives.get("script-src", directives.get("default-src", "<none>"))
            if "'unsafe-inline'" in script or script == "<none>" or directives.get("frame-ancestors") != "'none'":
                wrong.append(f"{persona}: {url} → {response.status_code} CSP {directives or 'missing'}")
    assert not wrong, "\n".join(wrong)
