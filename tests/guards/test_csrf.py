"""Every route refuses a state-changing request without a CSRF token; exemptions are few and argued.

As the sponsor (who may do the most), with ``Client(enforce_csrf_checks=True)``: POST, PUT, PATCH
and DELETE without a token give 403 from the CSRF check, and nothing in the database changes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.guards.routes import all_patterns, route_for, url_for
from tests.guards.test_safe_methods import snapshot

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# The only views that accept a state-changing request without a CSRF token, and why.
CSRF_EXEMPT = {
    "communities:unsubscribe": (
        "communities/views/notifications.py",
        "unsubscribe",
        "One-click unsubscribe (RFC 8058): mail clients POST without a session or a token; the signed "
        "token in the URL is the credential, and all it can do is turn one email category off.",
    ),
    "saml_acs": (
        "allauth/socialaccount/providers/saml/views.py",
        "ACSView",
        "SAML's assertion consumer service: the identity provider's page POSTs the signed assertion "
        "cross-site; the assertion's signature and InResponseTo (the stashed request id) are the check.",
    ),
    "saml_sls": (
        "allauth/socialaccount/providers/saml/views.py",
        "SLSView",
        "SAML's single logout service: the identity provider sends a signed logout request cross-site.",
    ),
}
for _provider in ("mailgun", "postmark"):
    CSRF_EXEMPT[f"inbound-{_provider}"] = (
        "practice/inbound/webhooks.py",
        "door",
        "Inbound email webhook (django-anymail): the provider's server posts without a session or a token; "
        "the provider's signature (Mailgun's HMAC, Postmark's basic auth) is the check, and "
        "the door is 404 while that secret is not configured.",
    )
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PATTERNS = all_patterns()


@pytest.fixture
def strict_client(sponsor) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(sponsor)
    return client


def test_it_refuses_unsafe_methods_without_a_token(world, strict_client):
    """One pass over every route (the table gives the arguments); the world is built once."""
    before = snapshot()
    wrong = []
    for pattern in PATTERNS:
        url = url_for(pattern, route_for(pattern), world)
        if pattern.key in CSRF_EXEMPT:
            continue
        for method in UNSAFE_METHODS:
            response = strict_client.generic(method, url)
            if response.status_code != 403 or b"CSRF" not in response.content:
                wrong.append(f"{method} {url} → {response.status_code}")
    assert not wrong, "accepted without a CSRF token:\n" + "\n".join(wrong)
    assert snapshot() == before


def test_the_refusals_come_from_the_missing_token(world, strict_client):
    """The same strict client succeeds once it sends the token, so the 403s above are the CSRF check."""
    strict_client.get("/notifications/")  # sets the CSRF cookie
    token = strict_client.cookies["csrftoken"].value
    response = strict_client.post("/notifications/read-all/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    world.mine["notification"].refresh_from_db()
    assert world.mine["notification"].read_at is not None


def test_the_exempt_unsubscribe_link_works_without_a_token(world, sponsor):
    from communities.models import NotificationPreference

    mail_client = Client(enforce_csrf_checks=True)  # a mail client: no session, no cookie, no token
    response = mail_client.post(f"/notifications/unsubscribe/{world.mine['unsubscribe_token']}/")
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=sponsor, category="requests").email == "off"


def _exempt_in_source() -> set[tuple[str, str]]:
    """(file, function) of every ``@csrf_exempt`` or ``csrf_exempt(...)`` in the portal's code."""
    found = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "var/", "static/", "tests/", "node_modules/")) or "csrf_exempt" not in (
            text := path.read_text()
        ):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for decorator in node.decorator_list:
                    if "csrf_exempt" in ast.unparse(decorator):
                        found.add((relative, node.name))
            elif isinstance(node, ast.Call) and "csrf_exempt" in ast.unparse(node.func):
                found.add((relative, ast.unparse(node.args[0]) if node.args else "?"))
    return found


def test_no_csrf_exempt_outside_the_allow_list():
    allowed = {(path, function) for path, function, _ in CSRF_EXEMPT.values()}
    unexpected = _exempt_in_source() - allowed
    assert not unexpected, (
        f"csrf_exempt outside the allow-list in tests/guards/test_csrf.py: {sorted(unexpected)}. "
        "Remove it, or add it to CSRF_EXEMPT with the reason a token cannot be sent."
    )


def test_no_exempt_view_is_routed_outside_the_allow_list():
    """The routed views themselves (allauth's and the admin's included) carry no unexpected exemption."""

    def walk(patterns, namespace=""):
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                yield from walk(entry.url_patterns, namespace + (f"{entry.namespace}:" if entry.namespace else ""))
            else:
                yield f"{namespace}{entry.name}" if entry.name else str(entry.pattern), entry.callback

    exempt = {name for name, view in walk(get_resolver().url_patterns) if getattr(view, "csrf_exempt", False)}
    assert exempt == set(CSRF_EXEMPT)
