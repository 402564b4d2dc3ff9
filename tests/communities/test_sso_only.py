"""SSO_ONLY=1: password sign-up and sign-in are off; site admins keep Django's admin sign-in (break-glass)."""

from __future__ import annotations

import pytest
from django.test import Client

from communities.models import User
from tests.factories import PASSWORD, UserFactory
from tests.support.identity_providers import free_port, oidc_providers

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_only(settings):
    settings.SSO_ONLY = True
    # A provider that is configured (the button shows); these tests never press it.
    settings.SOCIALACCOUNT_PROVIDERS = oidc_providers(f"http://127.0.0.1:{free_port()}/o")
    return settings


def test_the_login_page_has_only_the_organisation_button(client, sso_only):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Northwind Health" in page
    assert 'name="password"' not in page
    assert "Sign up" not in page


def test_a_password_sign_in_is_refused_with_a_clear_message(client, sso_only, member):
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Password sign-in is turned off here" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_up_is_closed(client, sso_only):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "display_name": "New", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "Sign Up Closed" in response.content.decode() or "closed" in response.content.decode().lower()
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_site_admin_still_signs_in_through_the_admin(sso_only):
    UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "root@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_without_sso_only_the_password_form_is_there_and_works(client, member):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="password"' in page
    assert "Sign in with your organisation" not in page  # no provider configured: no SSO section
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
