"""Shared fixtures: the personas of every permission test, and service checks.

Personas (one private community, ``community``): ``sponsor``, ``facilitator``, ``core``,
``member``, ``newcomer`` (joined 5 days ago), ``outsider`` (signed in, not a member),
``stranger`` (a member of *another* private community) and ``site_admin``.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from communities.models import Community, Role, User
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

# .ci/run sets this: a test that needs PostgreSQL, Redis, a worker or Chromium must then fail
# loudly when the service is missing, never skip.
REQUIRE_SERVICES = os.environ.get("CHILD_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CHILD_REQUIRE_SERVICES=1: required services must be present)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield


@pytest.fixture
def community(db) -> Community:
    return CommunityFactory(
        name="Medication Safety Network", slug="med-safety", visibility=Community.Visibility.PRIVATE
    )


def _member(community: Community, role: Role, name: str, *, days: int = 120) -> User:
    user = UserFactory(email=f"{name}@example.org", display_name=name.title())
    MembershipFactory(community=community, user=user, role=role, joined_at=timezone.now() - timedelta(days=days))
    return user


@pytest.fixture
def sponsor(community) -> User:
    return _member(community, Role.SPONSOR, "sponsor")


@pytest.fixture
def facilitator(community) -> User:
    return _member(community, Role.FACILITATOR, "facilitator")


@pytest.fixture
def core(community) -> User:
    return _member(community, Role.CORE, "core")


@pytest.fixture
def member(community) -> User:
    return _member(community, Role.MEMBER, "member")


@pytest.fixture
def newcomer(community) -> User:
    return _member(community, Role.MEMBER, "newcomer", days=5)


@pytest.fixture
def outsider(db) -> User:
    return UserFactory(email="outsider@example.org", display_name="Outsider")


@pytest.fixture
def other_community(db) -> Community:
    return CommunityFactory(name="Other Network", slug="other-net", visibility=Community.Visibility.PRIVATE)


@pytest.fixture
def stranger(other_community) -> User:
    """A member of a different private community."""
    return _member(other_community, Role.FACILITATOR, "stranger")


@pytest.fixture
def site_admin(db) -> User:
    return UserFactory(email="admin@example.org", display_name="Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def personas(sponsor, facilitator, core, member, newcomer, outsider, stranger, site_admin) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "outsider": outsider,
        "stranger": stranger,
        "newcomer": newcomer,
        "member": member,
        "core": core,
        "facilitator": facilitator,
        "sponsor": sponsor,
        "site_admin": site_admin,
    }


def client_for(user: User | None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def as_user():
    """``as_user(user)`` gives a test client logged in as that user (anonymous for None)."""
    return client_for


def pytest_report_header(config) -> list[str]:
    """Say which database and broker this run uses (CI runs the suite on two stacks)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("@")[-1]
    where = db.get("HOST") or db["NAME"]
    return [f"CHILD: database {engine} ({where}), broker {broker}, cache {cache}, required: {REQUIRE_SERVICES}"]


# Real identity providers on loopback for the single sign-on tests (session-scoped, started on first use).
from tests.support.identity_providers import oidc_provider, oidc_settings, saml_idp, saml_settings  # noqa: E402, F401
