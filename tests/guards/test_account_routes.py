"""Access matrix, CSRF and safe methods over the single sign-on and MFA routes (``account_routes.py``)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.guards.account_routes import ACCOUNT_ROUTES, ARGUMENTS, PERSONAS, account_patterns, providers_for_guards
from tests.guards.routes import LOGIN, describe, is_login_redirect
from tests.guards.test_csrf import CSRF_EXEMPT
from tests.guards.test_safe_methods import changes, snapshot

pytestmark = pytest.mark.django_db

PATTERNS = account_patterns()
# A sign-in in progress (allauth's stashed OIDC/SAML request) lives in the visitor's own session, which a
# GET may start; every other table must stay as it was.
OWN_SESSION = "sessions.Session"


@pytest.fixture
def sso_world(settings, member, facilitator):
    settings.SOCIALACCOUNT_PROVIDERS = providers_for_guards()
    # Another account's authenticator: what every ``pk`` argument names.
    others = Authenticator.objects.create(user=facilitator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    clients = {"anonymous": Client(HTTP_HOST="testserver")}
    clients["member"] = Client(HTTP_HOST="testserver")
    clients["member"].force_login(member)
    recent = clients["recent"] = Client(HTTP_HOST="testserver")
    assert recent.post("/accounts/login/", {"login": member.email, "password": PASSWORD}).status_code == 302
    assert recent.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return clients, {**ARGUMENTS, "pk": others.pk}


def url(pattern, arguments) -> str:
    return reverse(pattern.key, kwargs={arg: arguments[arg] for arg in pattern.arguments})


def matches(response, expected) -> bool:
    if expected == LOGIN:
        return is_login_redirect(response)
    if isinstance(expected, str) and expected.startswith("→"):
        return response.status_code == 302 and response["Location"].startswith(expected[1:])
    return response.status_code == expected


def test_every_sso_and_mfa_route_has_a_line():
    missing = sorted({p.key for p in PATTERNS} - set(ACCOUNT_ROUTES))
    stale = sorted(set(ACCOUNT_ROUTES) - {p.key for p in PATTERNS})
    assert not missing, f"add these to ACCOUNT_ROUTES in tests/guards/account_routes.py: {missing}"
    assert not stale, f"ACCOUNT_ROUTES lists routes that no longer exist: {stale}"


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.key for p in PATTERNS])
def test_it_answers_every_persona_as_the_table_says(pattern, sso_world):
    clients, arguments = sso_world
    address = url(pattern, arguments)
    wrong = []
    for persona in PERSONAS:
        for method, expected in ACCOUNT_ROUTES[pattern.key].items():
            response = clients[persona].generic(method, address)
            if not matches(response, expected[persona]):
                wrong.append(
                    f"{persona:>9}: {method} {address} → {describe(response)}, the table says {expected[persona]}"
                )
    assert not wrong, f'ACCOUNT_ROUTES["{pattern.key}"] and the portal disagree:\n' + "\n".join(wrong)


def test_unsafe_methods_need_a_csrf_token(sso_world, member):
    _, arguments = sso_world
    strict = Client(enforce_csrf_checks=True, HTTP_HOST="testserver")
    strict.force_login(member)
    wrong = []
    for pattern in PATTERNS:
        if pattern.key in CSRF_EXEMPT:
            continue
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = strict.generic(method, url(pattern, arguments))
            if response.status_code != 403 or b"CSRF" not in response.content:
                wrong.append(f"{method} {pattern.key} → {response.status_code}")
    assert not wrong, "accepted without a CSRF token:\n" + "\n".join(wrong)


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.key for p in PATTERNS])
def test_a_get_changes_nothing(pattern, sso_world):
    clients, arguments = sso_world
    address = url(pattern, arguments)
    before = snapshot()
    wrong = []
    for persona in PERSONAS:
        statuses = [clients[persona].generic(method, address).status_code for method in ("GET", "HEAD")]
        after = snapshot()
        if changed := [label for label in changes(before, after) if label != OWN_SESSION]:
            wrong.append(f"{persona}: GET/HEAD {address} → {statuses} changed {', '.join(changed)}")
            before = after
    assert not wrong, "a safe method changed data:\n" + "\n".join(wrong)
