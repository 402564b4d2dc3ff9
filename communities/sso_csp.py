"""Let the sign-in pages' forms lead to the organisation's identity provider under the strict CSP.

The organisation's button is a form posting to the portal, which answers with a redirect to the
provider; browsers apply the page's ``form-action`` to that redirect too. So the pages that carry such
forms add the configured providers' origins (OIDC issuer, SAML sign-on and metadata URLs) to
``form-action``; every other page keeps ``form-action 'self'``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from allauth.socialaccount.adapter import get_adapter
from django.http import HttpRequest, HttpResponse

# Pages with the organisation's buttons (login, sign-up, connections) and allauth's SSO pages.
SSO_FORM_PAGES = ("/accounts/login/", "/accounts/signup/", "/accounts/3rdparty/", "/accounts/oidc/", "/accounts/saml/")


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else None


def provider_origins(request: HttpRequest) -> list[str]:
    """The origins a sign-in may redirect the browser to, from every configured provider."""
    origins: set[str | None] = set()
    for app in get_adapter().list_apps(request):
        app_settings = app.settings or {}
        origins.add(_origin(app_settings.get("server_url")))
        idp = app_settings.get("idp") or {}
        origins.add(_origin(idp.get("sso_url")))
        origins.add(_origin(idp.get("metadata_url")))
    return sorted(origin for origin in origins if origin)


class SSOFormActionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(SSO_FORM_PAGES) and response.get("Content-Type", "").startswith("text/html"):
            origins = provider_origins(request)
            if origins:
                response._csp_update = {"form-action": origins}  # django-csp merges it into the header
        return response
