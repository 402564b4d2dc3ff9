"""OpenID Connect sign-in against a real OpenID Provider on loopback (tests/idp/, a subprocess).

The portal is the Django test client; the person's browser at the provider is a requests session that
fills in the provider's login form. Nothing is mocked: discovery, PKCE, the token exchange, the ID
token's RS256 signature and userinfo all go over HTTP to the provider.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail

from communities.models import Membership, Role, SecurityEvent, User
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.support.identity_providers import free_port, oidc_providers, sign_in_at_provider
from tests.support.mail import sent_mail

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/oidc/organisation/login/"


def start(client, next_url: str = "") -> str:
    """Press the organisation's button on the login page: the portal answers with the provider's URL."""
    response = client.post(LOGIN + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sign_in(client, username: str) -> object:
    authorize = start(client)
    callback = sign_in_at_provider(authorize, username)
    assert callback.startswith("http://testserver/accounts/oidc/organisation/login/callback/")
    return client.get(callback.removeprefix("http://testserver"))


def test_the_login_page_shows_the_organisation_button_first(client, oidc_settings):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Northwind Health" in page
    assert page.index("Sign in with Northwind Health") < page.index('name="password"')
    assert f'action="{LOGIN}?process=login"' in page


def test_the_sign_in_uses_pkce_state_and_asks_for_openid_email_profile(client, oidc_settings, oidc_provider):
    authorize = urlsplit(start(client))
    query = parse_qs(authorize.query)
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{oidc_provider.issuer}/authorize/"
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0]
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/organisation/login/callback/"]


def test_the_first_sign_in_creates_the_account_once_and_the_second_reuses_it(client, oidc_settings):
    response = sign_in(client, "nora")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="nora.nurse@northwind.example")
    assert user.display_name == "Nora Nurse"
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified is True
    assert SocialAccount.objects.filter(user=user, provider="organisation").count() == 1
    assert client.get("/").context["user"] == user

    client.post("/accounts/logout/")
    assert sign_in(client, "nora").status_code == 302
    assert User.objects.filter(email="nora.nurse@northwind.example").count() == 1
    assert SocialAccount.objects.filter(user=user).count() == 1
    assert client.get("/").context["user"] == user


def test_it_comes_back_to_the_page_asked_for(client, oidc_settings):
    community = CommunityFactory(slug="med-safety")
    authorize = start(client, next_url=f"/c/{community.slug}/")
    response = client.get(sign_in_at_provider(authorize, "nora").removeprefix("http://testserver"))
    assert response["Location"] == f"/c/{community.slug}/"


def test_an_existing_account_with_the_same_verified_email_is_connected_not_duplicated(client, oidc_settings):
    existing = UserFactory(email="paul.pharmacist@northwind.example", display_name="Paul P.")
    response = sign_in(client, "paul")
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="paul.pharmacist@northwind.example").count() == 1
    account = SocialAccount.objects.get(provider="organisation")
    assert account.user == existing
    assert client.get("/").context["user"] == existing
    # The connection is in the account's security log, and the owner is told.
    assert SecurityEvent.objects.filter(user=existing, kind=SecurityEvent.Kind.SSO_CONNECTED).exists()
    assert any("paul.pharmacist@northwind.example" in m.to for m in sent_mail())


def test_an_unverified_email_makes_an_unverified_account_that_must_confirm_first(client, oidc_settings):
    response = sign_in(client, "una")
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert client.get(response["Location"]).status_code == 200
    user = User.objects.get(email="una.unverified@elsewhere.example")
    assert EmailAddress.objects.get(user=user).verified is False
    assert "_auth_user_id" not in client.session
    assert sent_mail() and "/accounts/confirm-email/" in mail.outbox[-1].body


def test_an_unverified_email_never_takes_over_an_existing_account(client, oidc_settings):
    existing = UserFactory(email="una.unverified@elsewhere.example")
    response = sign_in(client, "una")
    assert response.status_code in (200, 302)
    assert not SocialAccount.objects.filter(user=existing).exists()
    assert "_auth_user_id" not in client.session


def test_an_email_in_a_trusted_domain_counts_as_verified(client, oidc_settings):
    response = sign_in(client, "tess")
    assert response.status_code == 302 and response["Location"] == "/"
    assert EmailAddress.objects.get(email="tess@trusted.example").verified is True


def test_a_wrong_state_gives_a_clear_page(client, oidc_settings):
    callback = sign_in_at_provider(start(client), "nora")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    response = client.get(f"{LOGIN}callback/", {"code": code, "state": "not-the-state-we-sent"})
    assert response.status_code == 401
    assert b"Sign-in through your organisation did not complete" in response.content
    assert not User.objects.filter(email="nora.nurse@northwind.example").exists()


def test_a_replayed_code_gives_a_clear_page(client, oidc_settings):
    callback = sign_in_at_provider(start(client), "nora").removeprefix("http://testserver")
    assert client.get(callback).status_code == 302
    client.post("/accounts/logout/")
    # The same callback again (its state is spent)...
    again = client.get(callback)
    assert again.status_code == 401 and b"did not complete" in again.content
    # ...and the old code under a fresh, valid state: the provider refuses the spent code.
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    replay = client.get(f"{LOGIN}callback/", {"code": code, "state": state})
    assert replay.status_code == 401 and b"did not complete" in replay.content
    assert "_auth_user_id" not in client.session


def test_a_provider_that_is_down_gives_a_clear_page(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_providers(f"http://127.0.0.1:{free_port()}/o")
    response = client.post(LOGIN)
    assert response.status_code == 502
    assert b"did not answer" in response.content


def test_group_claims_make_community_members_without_touching_steering_roles(client, oidc_settings):
    oidc_settings.SSO_GROUP_COMMUNITIES = {"patient-safety-cop": "patient-safety", "pharmacy-cop": "pharmacy"}
    patient_safety = CommunityFactory(slug="patient-safety")
    pharmacy = CommunityFactory(slug="pharmacy")
    nora = UserFactory(email="nora.nurse@northwind.example")
    MembershipFactory(community=pharmacy, user=nora, role=Role.FACILITATOR)
    sign_in(client, "nora")
    assert Membership.objects.get(community=patient_safety, user=nora).role == Role.MEMBER
    # Nora is not in the pharmacy group at the provider, but she facilitates there: she stays.
    assert Membership.objects.get(community=pharmacy, user=nora).role == Role.FACILITATOR


def test_group_mapping_is_applied_on_each_sign_in(client, oidc_settings):
    oidc_settings.SSO_GROUP_COMMUNITIES = {"pharmacy-cop": "pharmacy"}
    pharmacy = CommunityFactory(slug="pharmacy")
    paul = UserFactory(email="paul.pharmacist@northwind.example")
    MembershipFactory(community=pharmacy, user=paul, role=Role.MEMBER)
    sign_in(client, "paul")  # the provider lists no group for Paul
    assert not Membership.objects.filter(community=pharmacy, user=paul).exists()


def test_sso_users_are_exempt_from_mfa_required_roles(client, oidc_settings):
    oidc_settings.MFA_REQUIRED_ROLES = frozenset({"facilitator", "sponsor"})
    community = CommunityFactory(slug="med-safety")
    nora = UserFactory(email="nora.nurse@northwind.example")
    MembershipFactory(community=community, user=nora, role=Role.FACILITATOR)
    sign_in(client, "nora")
    assert client.get(f"/c/{community.slug}/").status_code == 200
