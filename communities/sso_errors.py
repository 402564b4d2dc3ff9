"""A clear page, not a server error, when an identity provider cannot be reached during sign-in."""

from __future__ import annotations

import logging
from collections.abc import Callable

import requests
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

# allauth's single sign-on routes (openid_connect and saml providers).
SSO_PATHS = ("/accounts/oidc/", "/accounts/saml/")


class IdentityProviderErrorMiddleware:
    """allauth reports a provider's refusals itself; a provider that is down raises: answer 502 with a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(SSO_PATHS):
            return None
        if not isinstance(exception, requests.RequestException | OAuth2Error | OSError):
            return None
        logger.warning("identity provider unreachable at %s: %s", request.path, exception)
        return render(
            request,
            "socialaccount/authentication_error.html",
            {"provider_unreachable": True},
            status=502,
        )
