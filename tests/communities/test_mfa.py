"""Multi-factor sign-in (allauth.mfa): authenticator apps, recovery codes, the security log and emails,
and MFA_REQUIRED_ROLES sending password users who steer a community to set a second factor up."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import timezone

from communities.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory
from tests.support.identity_providers import fresh_totp_code
from tests.support.mail import sent_mail

pytestmark = pytest.mark.django_db


def password_login(client: Client, user, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def reauthenticate(client: Client, password: str = PASSWORD) -> None:
    """allauth asks for the password again before any change to the sign-in methods."""
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content[:400]


def activate_totp(client: Client, user) -> str:
    """Sign in with the password, set up an authenticator app with a pyotp code; returns its secret."""
    assert password_login(client, user).status_code == 302
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    reauthenticate(client)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # shown for apps that cannot scan the QR code
    response = client.post("/accounts/2fa/totp/activate/", {"code": fresh_totp_code(secret)})
    assert response.status_code == 302, response.content[:400]
    return secret


@pytest.mark.django_db(transaction=True)  # allauth logs and emails once the change is committed
def test_it_sets_up_an_authenticator_app_logs_it_and_emails_the_owner(member):
    client = Client()
    activate_totp(client, member)
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.RECOVERY_CODES).exists()
    event = SecurityEvent.objects.get(user=member, kind=SecurityEvent.Kind.TOTP_ADDED)
    assert event.ip == "127.0.0.1"
    assert any(m.to == [member.email] and "authenticator" in m.body.lower() for m in sent_mail())
    page = client.get("/me/security/").content.decode()
    assert "Authenticator app added" in page


def test_it_refuses_a_wrong_code_at_set_up_and_keeps_no_authenticator(member):
    client = Client()
    password_login(client, member)
    reauthenticate(client)
    client.get("/accounts/2fa/totp/activate/")
    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert not Authenticator.objects.filter(user=member).exists()


def test_the_password_sign_in_then_asks_for_the_code_and_a_code_works_once(member):
    secret = activate_totp(Client(), member)
    client = Client()
    response = password_login(client, member)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        code = pyotp.TOTP(secret).now()
        assert client.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == "/"
        assert client.session["_auth_user_id"] == str(member.pk)

        again = Client()
        password_login(again, member)
        replay = again.post("/accounts/2fa/authenticate/", {"code": code})
        assert replay.status_code == 200
        assert "_auth_user_id" not in again.session


def test_recovery_codes_work_once_each(member):
    activate_totp(Client(), member)
    codes = Authenticator.objects.get(user=member, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    assert len(codes) == 10
    first, second = codes[:2]
    for code, works in ((first, True), (first, False), (second, True)):
        client = Client()
        password_login(client, member)
        response = client.post("/accounts/2fa/authenticate/", {"code": code})
        signed_in = client.session.get("_auth_user_id") == str(member.pk)
        assert signed_in is works, (code, works, response.status_code)
    left = Authenticator.objects.get(user=member, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    assert first not in left and second not in left and len(left) == 8


def test_removing_the_authenticator_app_is_logged_and_emailed(member):
    client = Client()
    activate_totp(client, member)
    sent_mail().clear()
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()
    assert SecurityEvent.objects.filter(user=member, kind=SecurityEvent.Kind.TOTP_REMOVED).exists()
    assert [m.to for m in sent_mail()] == [[member.email]]


# --- MFA_REQUIRED_ROLES ------------------------------------------------------------------------


@pytest.fixture
def mfa_for_steering(settings):
    settings.MFA_REQUIRED_ROLES = frozenset({"sponsor", "facilitator"})
    return settings


def test_a_facilitator_without_mfa_is_sent_to_set_it_up(mfa_for_steering, facilitator, community):
    client = Client()
    password_login(client, facilitator)
    response = client.get(f"/c/{community.slug}/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/2fa/?next=%2Fc%2F{community.slug}%2F"
    assert client.get("/").status_code == 302  # every portal page, not only the community's
    assert client.get("/accounts/2fa/").status_code == 200
    reauthenticate(client)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_a_member_is_not_asked_for_mfa(mfa_for_steering, member, community):
    client = Client()
    password_login(client, member)
    assert client.get(f"/c/{community.slug}/").status_code == 200


def test_a_facilitator_with_an_authenticator_app_goes_on(mfa_for_steering, facilitator, community):
    client = Client()
    secret = activate_totp(client, facilitator)
    assert client.get(f"/c/{community.slug}/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        fresh = Client()
        password_login(fresh, facilitator)
        fresh.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()})
        assert fresh.get(f"/c/{community.slug}/").status_code == 200


def test_site_admins_are_asked_only_when_staff_is_listed(settings, site_admin):
    client = Client()
    password_login(client, site_admin)
    settings.MFA_REQUIRED_ROLES = frozenset({"facilitator"})
    assert client.get("/").status_code == 200
    settings.MFA_REQUIRED_ROLES = frozenset({"facilitator", "staff"})
    assert client.get("/")["Location"].startswith("/accounts/2fa/")
    # The admin stays reachable: it is the break-glass path.
    assert client.get("/admin/").status_code == 200


def test_it_costs_no_query_when_no_role_requires_mfa(settings, facilitator, django_assert_num_queries):
    from communities.mfa_required import mfa_setup_required

    settings.MFA_REQUIRED_ROLES = frozenset()
    request = type("R", (), {"user": facilitator, "session": {}})()
    with django_assert_num_queries(0):
        assert mfa_setup_required(request) is False


def test_the_mfa_page_says_why(mfa_for_steering, facilitator, community):
    client = Client()
    password_login(client, facilitator)
    page = client.get(f"/c/{community.slug}/", follow=True).content.decode()
    assert re.search(r"Your role asks for a second sign-in step", page)


SECURITY_LOG_QUERIES = 6  # session, user, count, the page of events; the menu's communities and unread count


def test_the_security_log_lists_only_my_events_newest_first_in_constant_queries(
    member, as_user, django_assert_num_queries
):
    someone_else = UserFactory()
    SecurityEvent.objects.create(user=someone_else, kind=SecurityEvent.Kind.PASSWORD_CHANGED, detail="not mine")
    SecurityEvent.objects.create(
        user=member, kind=SecurityEvent.Kind.TOTP_ADDED, created_at=timezone.now() - timedelta(days=1)
    )
    SecurityEvent.objects.create(user=member, kind=SecurityEvent.Kind.PASSWORD_RESET, ip="10.0.0.7")
    client = as_user(member)
    client.get("/me/security/")  # the first request warms the session

    with django_assert_num_queries(SECURITY_LOG_QUERIES):
        html = client.get("/me/security/").content.decode()
    assert html.index("Password reset") < html.index("Authenticator app added")
    assert "10.0.0.7" in html
    assert "not mine" not in html

    SecurityEvent.objects.bulk_create(
        SecurityEvent(user=member, kind=SecurityEvent.Kind.RECOVERY_CODES_GENERATED) for _ in range(80)
    )
    with django_assert_num_queries(SECURITY_LOG_QUERIES):
        html = client.get("/me/security/").content.decode()
    assert html.count("New recovery codes generated") == 50  # 50 a page, newest first
    assert 'href="?page=2"' in html
