"""SSO_* and MFA_REQUIRED_ROLES from the environment: allauth's provider settings, and one clear line for mistakes."""

from __future__ import annotations

import pytest
from django.test import Client

from communities import sso_config
from tests.childsys.test_settings import run_manage
from tests.support.identity_providers import oidc_providers


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SSO_OIDC_ISSUER": "login.northwind.example"}, "SSO_OIDC_ISSUER"),
        ({"SSO_OIDC_ISSUER": "https://login.northwind.example"}, "SSO_OIDC_CLIENT_ID"),
        ({"SSO_SAML_METADATA_FILE": "/nowhere/idp.xml"}, "SSO_SAML_METADATA_FILE"),
        ({"SSO_GROUP_COMMUNITIES": "patient-safety-cop"}, "SSO_GROUP_COMMUNITIES"),
        ({"MFA_REQUIRED_ROLES": "sponsor,boss"}, "MFA_REQUIRED_ROLES"),
        ({"SSO_ONLY": "1"}, "SSO_ONLY"),
    ],
)
def test_it_names_the_bad_variable_in_one_line(tmp_path, env, variable):
    result = run_manage(tmp_path, "check", DEBUG="1", **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable} ")


def test_a_complete_configuration_passes_the_checks(tmp_path):
    result = run_manage(
        tmp_path,
        "check",
        DEBUG="1",
        SSO_OIDC_ISSUER="https://login.northwind.example/realms/staff",
        SSO_OIDC_CLIENT_ID="child-portal",
        SSO_OIDC_CLIENT_SECRET="s3cret",
        SSO_ONLY="1",
        SSO_GROUP_COMMUNITIES="patient-safety-cop=patient-safety",
        MFA_REQUIRED_ROLES="sponsor,facilitator,staff",
    )
    assert result.returncode == 0, result.stderr


def test_the_oidc_provider_uses_pkce_discovery_and_the_trusted_domains():
    app = sso_config.providers(
        oidc_issuer="https://login.northwind.example/realms/staff/",
        oidc_client_id="child-portal",
        oidc_client_secret="s3cret",
        oidc_name="Sign in with Northwind Health",
        saml_metadata_url="",
        saml_metadata_file="",
        saml_name="",
        trusted_email_domains=["northwind.example"],
    )["openid_connect"]
    assert app["SCOPE"] == ["openid", "email", "profile"]
    (only,) = app["APPS"]
    assert only["provider_id"] == "organisation" and only["name"] == "Sign in with Northwind Health"
    assert only["settings"]["server_url"] == "https://login.northwind.example/realms/staff"
    assert only["settings"]["oauth_pkce_enabled"] is True
    assert only["settings"]["verified_email"] == ["northwind.example"]


def test_the_mappings_parse():
    assert sso_config.parse_group_communities(" a-cop = a , b=b-slug ") == {"a-cop": "a", "b": "b-slug"}
    assert sso_config.parse_group_communities("") == {}
    assert sso_config.parse_required_roles("Sponsor, staff") == frozenset({"sponsor", "staff"})


@pytest.mark.django_db
def test_the_login_page_lets_its_form_lead_to_the_provider_and_no_further(settings):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_providers("https://login.northwind.example/o")
    header = Client().get("/accounts/login/")["Content-Security-Policy"]
    assert "form-action 'self' https://login.northwind.example" in header
    assert "form-action 'self';" in Client().get("/").get("Content-Security-Policy") + ";"
