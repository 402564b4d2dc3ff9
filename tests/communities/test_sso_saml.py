"""SAML 2.0 sign-in against a real identity provider on loopback (pysaml2's IdP, tests/idp/saml_idp.py).

The portal is the Django test client; the person's browser at the IdP is a requests session. The IdP
signs the assertion with a throwaway key; python3-saml (xmlsec) checks it in the portal.
"""

from __future__ import annotations

import base64
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from communities.models import User
from tests.support.identity_providers import IDP_PASSWORD, saml_providers

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    # A browser always sends Host; python3-saml reads it (the test client sends none by default).
    return Client(HTTP_HOST="testserver")


LOGIN = "/accounts/saml/organisation/login/"
ACS = "/accounts/saml/organisation/acs/"


def idp_answer(client, username: str, *, sign: bool = True) -> dict[str, str]:
    """Press the button, sign in at the IdP; returns the form the IdP's page posts to the portal's ACS."""
    response = client.post(LOGIN)
    assert response.status_code == 302, response.content[:500]
    browser = requests.Session()
    login_page = browser.get(response["Location"], timeout=10)
    fields = dict(re.findall(r'name="(SAMLRequest|RelayState)" value="([^"]*)"', login_page.text))
    fields = {key: unescape(value) for key, value in fields.items()}
    answer = browser.post(
        urlsplit(response["Location"])._replace(path="/sso/login", query="").geturl(),
        data={**fields, "username": username, "password": IDP_PASSWORD, "sign": "1" if sign else "0"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text[:500]
    action = re.search(r'action="([^"]+)"', answer.text).group(1)
    assert unescape(action) == f"http://testserver{ACS}"
    posted = dict(re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', answer.text))
    return {key: unescape(value) for key, value in posted.items()}


def post_to_acs(client, form: dict[str, str]):
    response = client.post(ACS, form)
    assert response.status_code == 302  # allauth parks the response in a cookie, then finishes
    return client.get(response["Location"])


def test_the_portal_serves_its_sp_metadata(client, saml_settings):
    response = client.get("/accounts/saml/organisation/metadata/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'entityID="http://testserver/accounts/saml/organisation/metadata/"' in body
    assert f'Location="http://testserver{ACS}"' in body
    assert 'WantAssertionsSigned="true"' in body


def test_a_signed_assertion_signs_in_and_creates_the_account_once(client, saml_settings, saml_idp):
    saml_settings.SOCIALACCOUNT_PROVIDERS = saml_providers(
        metadata_url=saml_idp.metadata_url, trusted=["northwind.example"]
    )
    response = post_to_acs(client, idp_answer(client, "nora"))
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="nora.nurse@northwind.example")
    assert user.display_name == "Nora Nurse"
    assert EmailAddress.objects.filter(user=user).count() == 1
    account = SocialAccount.objects.get(user=user)
    assert account.provider == "organisation-saml" and account.uid == "northwind-nora"
    assert client.get("/").context["user"] == user

    client.post("/accounts/logout/")
    post_to_acs(client, idp_answer(client, "nora"))
    assert User.objects.filter(email="nora.nurse@northwind.example").count() == 1
    assert client.get("/").context["user"] == user


def test_an_address_outside_the_trusted_domains_must_be_confirmed_first(client, saml_settings):
    # SAML assertions rarely say whether an address is verified: only SSO_TRUSTED_EMAIL_DOMAINS makes it so.
    response = post_to_acs(client, idp_answer(client, "nora"))
    assert response["Location"] == "/accounts/confirm-email/"
    assert EmailAddress.objects.get(email="nora.nurse@northwind.example").verified is False
    assert "_auth_user_id" not in client.session


def _tamper(saml_response: str) -> str:
    xml = base64.b64decode(saml_response).decode()
    assert "nora.nurse@northwind.example" in xml
    return base64.b64encode(xml.replace("nora.nurse@northwind.example", "mallory@northwind.example").encode()).decode()


def test_a_tampered_assertion_is_refused(client, saml_settings):
    form = idp_answer(client, "nora")
    form["SAMLResponse"] = _tamper(form["SAMLResponse"])
    response = post_to_acs(client, form)
    assert response.status_code == 401
    assert b"did not complete" in response.content
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_an_unsigned_assertion_is_refused(client, saml_settings):
    response = post_to_acs(client, idp_answer(client, "nora", sign=False))
    assert response.status_code == 401
    assert not User.objects.exists()


def test_a_replayed_response_is_refused(client, saml_settings):
    form = idp_answer(client, "nora")
    post_to_acs(client, form)
    client.post("/accounts/logout/")
    response = post_to_acs(client, form)
    assert response.status_code == 403  # allauth: no sign-in of this browser's is waiting for this response
    assert b"did not complete" in response.content
    assert "_auth_user_id" not in client.session


def test_the_idp_metadata_can_come_from_a_file(client, settings, saml_idp, tmp_path):
    metadata = tmp_path / "idp-metadata.xml"
    metadata.write_bytes(requests.get(saml_idp.metadata_url, timeout=10).content)
    settings.SOCIALACCOUNT_PROVIDERS = saml_providers(metadata_file=str(metadata))
    saml_idp.sp_metadata_file.write_bytes(client.get("/accounts/saml/organisation/metadata/").content)
    response = post_to_acs(client, idp_answer(client, "paul"))
    assert response.status_code == 302
    assert User.objects.filter(email="paul.pharmacist@northwind.example").exists()


def test_an_idp_whose_metadata_cannot_be_fetched_gives_a_clear_page(client, settings):
    from tests.support.identity_providers import free_port

    settings.SOCIALACCOUNT_PROVIDERS = saml_providers(metadata_url=f"http://127.0.0.1:{free_port()}/metadata")
    response = client.post(LOGIN)
    assert response.status_code == 502
    assert b"did not answer" in response.content


def test_saml_group_attributes_map_to_communities(client, saml_settings, saml_idp):
    from communities.models import Membership, Role
    from tests.factories import CommunityFactory

    saml_settings.SOCIALACCOUNT_PROVIDERS = saml_providers(
        metadata_url=saml_idp.metadata_url, trusted=["northwind.example"]
    )
    saml_settings.SSO_GROUP_COMMUNITIES = {"patient-safety-cop": "patient-safety"}
    community = CommunityFactory(slug="patient-safety")
    post_to_acs(client, idp_answer(client, "nora"))  # the IdP sends isMemberOf: patient-safety-cop
    nora = User.objects.get(email="nora.nurse@northwind.example")
    assert Membership.objects.get(community=community, user=nora).role == Role.MEMBER
