"""Single sign-on configured by environment variables: turns them into allauth's provider settings.

Imported by ``childsys/settings.py``, so plain functions only (no models). Providers added in the admin
(Social applications) come on top of these. The README's "Single sign-on" section documents the variables.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

# The providers configured from the environment. In URLs: /accounts/oidc/organisation/... and
# /accounts/saml/organisation/...; their ids (stored with each connected account) differ.
OIDC_PROVIDER_ID = "organisation"
SAML_ORGANISATION = "organisation"
SAML_PROVIDER_ID = "organisation-saml"

ROLES = ("member", "core", "facilitator", "sponsor")
STAFF = "staff"

# SAML attribute names of the common identity providers (Entra ID / ADFS, Okta, Keycloak, Shibboleth).
SAML_ATTRIBUTES = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "mail",
    ],
    "email_verified": ["email_verified", "http://schemas.auth0.com/email_verified"],
    "name": [
        "urn:oid:2.16.840.1.113730.3.1.241",
        "http://schemas.microsoft.com/identity/claims/displayname",
        "displayName",
        "name",
    ],
    "first_name": ["urn:oid:2.5.4.42", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"],
    "last_name": ["urn:oid:2.5.4.4", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"],
}
SAML_GROUP_ATTRIBUTES = (
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "http://schemas.xmlsoap.org/claims/Group",
    "urn:oid:1.3.6.1.4.1.5923.1.5.1.1",  # isMemberOf
    "groups",
    "memberOf",
)


class SSOConfigError(ValueError):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}")
        self.variable = variable
        self.problem = problem


def parse_group_communities(raw: str) -> dict[str, str]:
    """``"patient-safety-cop=patient-safety, pharmacy=med-safety"`` -> {IdP group: community slug}."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        group, sep, slug = item.rpartition("=")
        if not sep or not group.strip() or not slug.strip():
            raise SSOConfigError("SSO_GROUP_COMMUNITIES", f"must list group=community-slug pairs, got {item!r}")
        mapping[group.strip()] = slug.strip()
    return mapping


def parse_required_roles(raw: str) -> frozenset[str]:
    """``"sponsor,facilitator,staff"`` -> the roles whose password users must set up a second factor."""
    roles = frozenset(part.strip().lower() for part in raw.split(",") if part.strip())
    unknown = sorted(roles - {*ROLES, STAFF})
    if unknown:
        choices = ", ".join((*ROLES, STAFF))
        raise SSOConfigError("MFA_REQUIRED_ROLES", f"names unknown roles {unknown} (choose from {choices})")
    return roles


def _oidc_app(*, issuer: str, client_id: str, client_secret: str, name: str, trusted: list[str]) -> dict:
    if urlsplit(issuer).scheme not in {"http", "https"} or not urlsplit(issuer).netloc:
        raise SSOConfigError("SSO_OIDC_ISSUER", f"must be the issuer's URL (https://...), got {issuer!r}")
    if not client_id:
        raise SSOConfigError("SSO_OIDC_CLIENT_ID", "is required with SSO_OIDC_ISSUER")
    return {
        "provider_id": OIDC_PROVIDER_ID,
        "name": name,
        "client_id": client_id,
        "secret": client_secret,
        "settings": {
            # allauth adds /.well-known/openid-configuration (discovery) to the issuer.
            "server_url": issuer.rstrip("/"),
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
            # An address whose domain is trusted counts as verified even when the IdP does not say so.
            "verified_email": trusted or False,
        },
    }


def _saml_idp(*, metadata_url: str, metadata_file: str) -> dict:
    if metadata_url:
        if urlsplit(metadata_url).scheme not in {"http", "https"}:
            raise SSOConfigError("SSO_SAML_METADATA_URL", f"must be an http(s) URL, got {metadata_url!r}")
        return {"metadata_url": metadata_url, "entity_id": None}
    path = Path(metadata_file)
    if not path.is_file():
        raise SSOConfigError("SSO_SAML_METADATA_FILE", f"names no readable file: {metadata_file!r}")
    # python3-saml's parser reads the IdP's entity id, sign-on URL and signing certificate.
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    try:
        idp = OneLogin_Saml2_IdPMetadataParser.parse(path.read_bytes())["idp"]
    except Exception as exc:  # the parser raises several types for bad XML
        raise SSOConfigError("SSO_SAML_METADATA_FILE", f"is not IdP metadata: {exc}") from exc
    cert = idp.get("x509cert") or next(iter(idp.get("x509certMulti", {}).get("signing", [])), None)
    if not cert or not idp.get("singleSignOnService", {}).get("url"):
        raise SSOConfigError("SSO_SAML_METADATA_FILE", "has no signing certificate or sign-on URL")
    config = {"entity_id": idp["entityId"], "sso_url": idp["singleSignOnService"]["url"], "x509cert": cert}
    if idp.get("singleLogoutService", {}).get("url"):
        config["slo_url"] = idp["singleLogoutService"]["url"]
    return config


def _saml_app(*, metadata_url: str, metadata_file: str, name: str, trusted: list[str]) -> dict:
    return {
        "name": name,
        "provider_id": SAML_PROVIDER_ID,
        "client_id": SAML_ORGANISATION,
        "settings": {
            "attribute_mapping": SAML_ATTRIBUTES,
            "use_nameid_for_email": False,
            "idp": _saml_idp(metadata_url=metadata_url, metadata_file=metadata_file),
            "verified_email": trusted or False,
            "advanced": {
                "strict": True,
                # The assertion must carry the IdP's signature: unsigned or tampered ones are refused.
                "want_assertion_signed": True,
                "want_message_signed": False,
                "reject_idp_initiated_sso": True,
                "reject_deprecated_algorithm": True,
            },
        },
    }


def providers(
    *,
    oidc_issuer: str,
    oidc_client_id: str,
    oidc_client_secret: str,
    oidc_name: str,
    saml_metadata_url: str,
    saml_metadata_file: str,
    saml_name: str,
    trusted_email_domains: list[str],
) -> dict:
    """allauth's ``SOCIALACCOUNT_PROVIDERS`` for the identity providers the environment names."""
    result: dict = {
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "SCOPE": ["openid", "email", "profile"], "APPS": []},
        "saml": {"APPS": []},
    }
    if oidc_issuer:
        result["openid_connect"]["APPS"].append(
            _oidc_app(
                issuer=oidc_issuer,
                client_id=oidc_client_id,
                client_secret=oidc_client_secret,
                name=oidc_name,
                trusted=trusted_email_domains,
            )
        )
    if saml_metadata_url or saml_metadata_file:
        result["saml"]["APPS"].append(
            _saml_app(
                metadata_url=saml_metadata_url,
                metadata_file=saml_metadata_file,
                name=saml_name,
                trusted=trusted_email_domains,
            )
        )
    return result
