"""Sessions end when idle or too old; error pages are the portal's own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.utils import timezone

from childsys.lib import errors
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def log_in(client, email):
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302


def test_an_idle_session_is_ended_on_the_server(client):
    UserFactory(email="idle@example.org")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, "idle@example.org")
        assert client.get("/notifications/").status_code == 200
    with time_machine.travel(start + timedelta(seconds=settings.SESSION_IDLE_TIMEOUT - 60), tick=False):
        assert client.get("/notifications/").status_code == 200  # activity keeps it alive
    later = start + timedelta(seconds=2 * settings.SESSION_IDLE_TIMEOUT)
    with time_machine.travel(later, tick=False):
        response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_session_lives_at_most_14_days_whatever_the_activity(client):
    UserFactory(email="long@example.org")
    log_in(client, "long@example.org")
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date <= timezone.now() + timedelta(days=14, seconds=5)
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # activity does not extend the absolute lifetime


def test_the_403_page_is_styled_and_explains(client):
    response = errors.permission_denied(RequestFactory().get("/"))
    assert response.status_code == 403
    assert b"You can\xe2\x80\x99t do that here" in response.content
    assert b"bootstrap.min.css" in response.content


def test_the_500_page_needs_no_context_and_is_styled():
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"bootstrap.min.css" in response.content


def test_the_404_page_is_styled(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b'href="#main"' in response.content


def test_pages_send_a_strict_content_security_policy(client):
    csp = client.get("/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert client.get("/")["X-Frame-Options"] == "DENY"
