"""Clear pages, not a server error or the community 403, when a sign-in through an identity provider fails.

allauth renders its own error page for most refusals (a wrong state, a refused code, a bad signature);
two cases raise instead: a provider that cannot be reached, and a SAML response whose request this
browser never made (a replay), which allauth refuses with PermissionDenied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import requests
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

# allauth's single sign-on routes (openid_connect and saml providers).
SSO_PATHS = ("/accounts/oidc/", "/accounts/saml/")


class IdentityProviderErrorMiddleware:
    """A provider that is down: 502 with a page saying so; a refused SAML response: 403 with the sign-in page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(SSO_PATHS):
            return None
        if isinstance(exception, PermissionDenied):
            logger.warning("sign-in refused at %s: %s", request.path, exception)
            return render(request, "socialaccount/authentication_error.html", {}, status=403)
        if not isinstance(exception, requests.RequestException | OAuth2Error | OSError):
            return None
        logger.warning("identity provider unreachable at %s: %s", request.path, exception)
        return render(
            request,
            "socialaccount/authentication_error.html",
            {"provider_unreachable": True},
            status=502,
        )
