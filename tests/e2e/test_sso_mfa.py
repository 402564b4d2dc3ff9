"""Single sign-on and multi-factor sign-in in Chromium.

OpenID Connect against the real provider on loopback (tests/idp/): click the button, sign in at the
provider, come back signed in. An authenticator app set up and used with pyotp codes. A passkey made
and used through Chromium's virtual authenticator (the DevTools WebAuthn domain over a CDP session).
The axe check runs over the login, SSO and MFA pages.
"""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount

from communities.models import Role, User
from tests.e2e.test_accessibility import check
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory
from tests.support.identity_providers import IDP_PASSWORD, fresh_totp_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal_with_sso(oidc_settings, oidc_provider, live_server):
    oidc_provider.allow_redirect_uri(f"{live_server.url}/accounts/oidc/organisation/login/callback/")
    return oidc_settings


def log_in(page, live_server, email: str, password: str = PASSWORD) -> None:
    """The password form, below the organisation's button when one is configured."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(email)
    page.get_by_label(re.compile(r"^\s*Password")).fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def sign_in_with_northwind(page, live_server, username: str, password: str = IDP_PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Northwind Health").click()
    page.wait_for_url(re.compile(r"http://127\.0\.0\.1:\d+/login/.*"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in to Northwind").click()
    page.wait_for_url(f"{live_server.url}/")


def test_oidc_sign_in_creates_the_account_once_and_signs_in_again(page, live_server, portal_with_sso):
    sign_in_with_northwind(page, live_server, "nora")
    assert page.get_by_role("button", name="Nora Nurse").is_visible() or page.get_by_text("Nora Nurse").first
    nora = User.objects.get(email="nora.nurse@northwind.example")
    assert SocialAccount.objects.filter(user=nora, provider="organisation").count() == 1

    page.get_by_role("button", name="Nora Nurse").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/")
    page.context.clear_cookies(domain="127.0.0.1")  # signed out at the provider too: its form again
    sign_in_with_northwind(page, live_server, "nora")
    assert User.objects.filter(email="nora.nurse@northwind.example").count() == 1
    assert SocialAccount.objects.filter(user=nora).count() == 1


def test_the_sso_button_works_from_the_keyboard(page, live_server, portal_with_sso):
    page.goto(f"{live_server.url}/accounts/login/")
    button = page.get_by_role("button", name="Sign in with Northwind Health")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"http://127\.0\.0\.1:\d+/login/.*"))


def test_totp_set_up_and_sign_in_with_pyotp_codes(page, live_server, settings):
    settings.MFA_REQUIRED_ROLES = frozenset({"facilitator"})
    community = CommunityFactory(slug="med-safety")
    user = UserFactory(email="fran@example.org", display_name="Fran Facilitator")
    MembershipFactory(community=community, user=user, role=Role.FACILITATOR)
    log_in(page, live_server, user.email)
    # MFA_REQUIRED_ROLES: the community page sends her to set up a second factor first.
    page.goto(f"{live_server.url}/c/{community.slug}/")
    assert "/accounts/2fa/" in page.url
    assert page.get_by_text("Your role asks for a second sign-in step").is_visible()
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    page.get_by_label("Password").fill(PASSWORD)  # allauth asks for the password again first
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/totp/activate/"))
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/recovery-codes/.*|.*/accounts/2fa/$"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    page.goto(f"{live_server.url}/c/{community.slug}/")
    assert page.url == f"{live_server.url}/c/{community.slug}/"

    page.context.clear_cookies()
    log_in(page, live_server, user.email)
    page.wait_for_url(re.compile(r".*/accounts/2fa/authenticate/"))
    page.get_by_label("Code").fill(fresh_totp_code(secret))
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("button", name="Fran Facilitator").is_visible()


def test_a_passkey_made_and_used_through_chromiums_virtual_authenticator(page, live_server, settings):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server speaks http
    user = UserFactory(email="pat@example.org", display_name="Pat Passkey")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    log_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/webauthn/add/"))
    page.get_by_label("Name").fill("Laptop passkey")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    # Away from the add page: the passkey is made in the browser, then the form is posted and redirects
    # (to the recovery codes or the passkey list). The add page's own URL must not count as arrived.
    page.wait_for_url(lambda url: "/accounts/2fa/" in url and "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Use a passkey instead").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("button", name="Pat Passkey").is_visible()


def test_the_login_sso_and_mfa_pages_have_no_serious_violations(page, live_server, portal_with_sso):
    user = UserFactory(email="ally@example.org", display_name="Ally")
    problems = check(page, f"{live_server.url}/accounts/login/")  # with the organisation's button
    log_in(page, live_server, user.email)
    for path in ("/accounts/2fa/", "/accounts/3rdparty/", "/me/security/", "/accounts/2fa/webauthn/"):
        problems += check(page, live_server.url + path)
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/totp/activate/"))
    problems += check(page, f"{live_server.url}/accounts/2fa/totp/activate/")
    problems += check(page, f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.context.clear_cookies()
    # The page of a sign-in that did not complete (here: a callback with a state this browser never had).
    response = page.goto(f"{live_server.url}/accounts/oidc/organisation/login/callback/?code=x&state=y")
    assert response.status == 401
    assert page.get_by_role("heading", name="Sign-in through your organisation did not complete").is_visible()
    from tests.e2e.test_accessibility import serious_violations

    problems += serious_violations(page)
    assert problems == []
