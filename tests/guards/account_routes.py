"""The route table of allauth's single sign-on and multi-factor pages (under /accounts/).

``routes.py`` leaves /accounts/ to allauth; the routes that single sign-on and MFA add are listed here,
one line each, and ``test_account_routes.py`` runs the access matrix, the CSRF check and the safe-method
check over them. A new allauth route with one of the ``PREFIXES`` fails there until it has a line.

Personas: ``anonymous``; ``member`` (signed in, no second factor); ``recent`` (the member, who has just
given the password again: allauth asks for that before any change to sign-in methods). ``pk`` is
always an authenticator of *another* account, so it must never be reachable.
Expectations: a status, ``LOGIN`` (sent to log in), or ``"→/path"`` (a redirect there).
"""

from __future__ import annotations

from django.urls import get_resolver

from communities import sso_config
from tests.guards.routes import LOGIN, Pattern, _walk
from tests.support.identity_providers import free_port, key_and_certificate

PREFIXES = ("mfa_", "socialaccount_", "saml_", "openid_connect_")
PERSONAS = ("anonymous", "member", "recent")
REAUTH = "→/accounts/reauthenticate/"
HOME = "→/"


def same(expected, *, anonymous=LOGIN) -> dict:
    return {"anonymous": anonymous, "member": expected, "recent": expected}


def row(get: dict, post: dict) -> dict[str, dict]:
    return {"GET": get, "POST": post}


ACCOUNT_ROUTES: dict[str, dict[str, dict]] = {
    # Multi-factor authentication (allauth.mfa)
    "mfa_index": row(same(200), same(405)),
    "mfa_authenticate": row(same(HOME), same(HOME)),  # only during a sign-in waiting for its second step
    "mfa_reauthenticate": row(same(REAUTH), same(REAUTH)),  # the member has no second factor to give
    "mfa_activate_totp": row(same(REAUTH) | {"recent": 200}, same(REAUTH) | {"recent": 200}),
    "mfa_deactivate_totp": row(same(404), same(404)),  # no authenticator app to remove
    "mfa_view_recovery_codes": row(same(404), same(405) | {"recent": 405}),
    "mfa_generate_recovery_codes": row(same(REAUTH) | {"recent": 200}, same(REAUTH) | {"recent": 200}),
    "mfa_download_recovery_codes": row(same(404), same(404)),
    "mfa_list_webauthn": row(same(200), same(405)),
    "mfa_add_webauthn": row(same(REAUTH) | {"recent": 200}, same(REAUTH) | {"recent": 200}),
    "mfa_reauthenticate_webauthn": row(same(REAUTH), same(REAUTH)),
    "mfa_remove_webauthn": row(same(REAUTH) | {"recent": 404}, same(REAUTH) | {"recent": 404}),
    "mfa_edit_webauthn": row(same(REAUTH) | {"recent": 404}, same(REAUTH) | {"recent": 404}),
    "mfa_login_webauthn": row(same(HOME, anonymous=LOGIN), same(HOME, anonymous=LOGIN)),
    # Single sign-on (allauth.socialaccount)
    "socialaccount_login_cancelled": row(same(200, anonymous=200), same(405, anonymous=405)),
    "socialaccount_login_error": row(same(401, anonymous=401), same(405, anonymous=405)),
    "socialaccount_signup": row(same(LOGIN), same(LOGIN)),  # only during a sign-up waiting for details
    "socialaccount_connections": row(same(200), same(200)),  # a POST without an account chosen: the form again
    "openid_connect_login": row(same(200, anonymous=200), same(502, anonymous=502)),  # the provider is down
    "openid_connect_callback": row(same(401, anonymous=401), same(401, anonymous=401)),
    "saml_login": row(same(200, anonymous=200), same("→http://127.0.0.1", anonymous="→http://127.0.0.1")),
    "saml_acs": row(
        same("→/accounts/saml/", anonymous="→/accounts/saml/"), same("→/accounts/saml/", anonymous="→/accounts/saml/")
    ),
    "saml_finish_acs": row(same(401, anonymous=401), same(401, anonymous=401)),
    "saml_sls": row(same(400, anonymous=400), same(400, anonymous=400)),
    "saml_metadata": row(same(200, anonymous=200), same(200, anonymous=200)),
}

# Arguments of the routes above.
ARGUMENTS = {"provider_id": sso_config.OIDC_PROVIDER_ID, "organization_slug": sso_config.SAML_ORGANISATION}


def account_patterns() -> list[Pattern]:
    found = []
    for template, entry, _namespace, arguments in _walk(get_resolver().url_patterns):
        if template.startswith("accounts/") and entry.name and entry.name.startswith(PREFIXES):
            found.append(Pattern(key=entry.name, template=template, arguments=tuple(arguments), named=True))
    return found


def providers_for_guards() -> dict:
    """An OpenID provider and a SAML IdP configured but down (a closed port): the guards never leave loopback."""
    closed = free_port()
    providers = sso_config.providers(
        oidc_issuer=f"http://127.0.0.1:{closed}/o",
        oidc_client_id="child-portal",
        oidc_client_secret="not-used",
        oidc_name="Sign in with Northwind Health",
        saml_metadata_url=f"http://127.0.0.1:{closed}/metadata",
        saml_metadata_file="",
        saml_name="Sign in with Northwind Health (SAML)",
        trusted_email_domains=[],
    )
    saml = providers["saml"]["APPS"][0]["settings"]
    saml["idp"] = {
        "entity_id": "http://127.0.0.1/idp",
        "sso_url": f"http://127.0.0.1:{closed}/sso",
        "x509cert": key_and_certificate()[1].decode(),
    }
    saml["advanced"]["allow_single_label_domains"] = True  # the test client's host is "testserver"
    return providers
