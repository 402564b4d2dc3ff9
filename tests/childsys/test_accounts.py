"""Accounts through django-allauth: sign up, verify, log in and out, reset and change the password."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from communities.models import User
from tests.factories import PASSWORD, UserFactory
from tests.support.mail import sent_mail

GOOD_PASSWORD = "correct horse battery staple"


def sign_up(client: Client, email: str = "ana@example.org", password: str = GOOD_PASSWORD, name: str = "Ana Silva"):
    return client.post(
        "/accounts/signup/",
        {"email": email, "display_name": name, "password1": password, "password2": password},
    )


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


@pytest.mark.django_db
def test_it_signs_up_with_a_display_name_and_sends_a_verification_link(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="ana@example.org")
    assert user.display_name == "Ana Silva"
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(sent_mail()) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.django_db
def test_it_requires_verification_before_login(client):
    sign_up(client)
    client.logout()
    response = client.post("/accounts/login/", {"login": "ana@example.org", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_verifies_the_email_from_the_link_and_logs_in(client):
    sign_up(client)
    confirm_path = link_in(sent_mail()[0])
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="ana@example.org").verified is True
    home = client.get("/")
    assert b"Ana Silva" in home.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", b"at least 12 characters"),
        ("qwerty123456", b"too common"),
    ],
)
def test_it_rejects_weak_passwords_and_keeps_what_was_typed(client, password, message):
    response = sign_up(client, password=password)
    assert response.status_code == 200
    assert message in response.content
    assert b'value="ana@example.org"' in response.content
    assert b'value="Ana Silva"' in response.content
    assert not User.objects.filter(email="ana@example.org").exists()


@pytest.mark.django_db
def test_it_accepts_a_long_password_without_composition_rules(client):
    sign_up(client, password="lowercase words only here")
    assert User.objects.filter(email="ana@example.org").exists()


@pytest.mark.django_db
def test_it_logs_in_and_out_ending_the_session_on_the_server(client):
    user = UserFactory(email="bo@example.org")
    response = client.post("/accounts/login/", {"login": "bo@example.org", "password": PASSWORD})
    assert response.status_code == 302
    session_key = client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()
    assert int(client.session["_auth_user_id"]) == user.pk
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=session_key).exists()


@pytest.mark.django_db
def test_it_refuses_the_eleventh_failed_login_within_a_minute(client):
    UserFactory(email="victim@example.org")
    for i in range(10):
        # Different addresses, so only the per-IP limit (10 a minute) applies.
        response = client.post("/accounts/login/", {"login": f"guess{i}@example.org", "password": "wrong-password-x"})
        assert b"Too many failed login attempts" not in response.content
    response = client.post("/accounts/login/", {"login": "victim@example.org", "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_rate_limit_lives_in_the_shared_cache(client):
    from django.core.cache import cache

    client.post("/accounts/login/", {"login": "nobody@example.org", "password": "wrong-password-x"})
    cache.clear()  # another process clearing the shared cache resets the counters for everyone
    for i in range(10):
        client.post("/accounts/login/", {"login": f"guess{i}@example.org", "password": "wrong-password-x"})
    response = client.post("/accounts/login/", {"login": "guess10@example.org", "password": "wrong-password-x"})
    assert b"Too many failed login attempts" in response.content


@pytest.mark.django_db
def test_it_does_not_reveal_whether_an_account_exists_on_password_reset(client):
    UserFactory(email="known@example.org")
    known = client.post("/accounts/password/reset/", {"email": "known@example.org"})
    unknown = client.post("/accounts/password/reset/", {"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert {m.to[0] for m in sent_mail()} == {"known@example.org", "unknown@example.org"}


@pytest.mark.django_db
def test_it_resets_the_password_from_the_emailed_link(client):
    user = UserFactory(email="known@example.org")
    client.post("/accounts/password/reset/", {"email": "known@example.org"})
    reset_path = link_in(sent_mail()[0])
    response = client.get(reset_path, follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else reset_path
    response = client.post(form_path, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")


@pytest.mark.django_db
def test_a_password_change_ends_the_other_sessions(client):
    user = UserFactory(email="cy@example.org")
    other_device = Client()
    other_device.post("/accounts/login/", {"login": "cy@example.org", "password": PASSWORD})
    client.post("/accounts/login/", {"login": "cy@example.org", "password": PASSWORD})
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another long passphrase", "password2": "another long passphrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long passphrase")
    assert client.get("/notifications/").status_code == 200  # this session continues
    assert other_device.get("/notifications/").status_code == 302  # the other one is logged out


@pytest.mark.django_db
def test_the_allauth_pages_use_the_portal_layout(client):
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        response = client.get(path)
        assert response.status_code == 200
        assert b'href="#main"' in response.content  # the skip link of base.html
        assert b"bootstrap.min.css" in response.content
        assert re.search(rb'<input[^>]+class="[^"]*form-control', response.content)  # crispy bootstrap5 fields
