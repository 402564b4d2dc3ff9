"""MFA_REQUIRED_ROLES: password users who steer a community set up a second factor before going on.

A signed-in user holding one of the listed roles in any community (or a site admin, when ``staff`` is
listed) who has no authenticator app or passkey yet is sent to the MFA page from every page but the
account pages. People who signed in through their organisation's identity provider are exempt: the
provider decides how they authenticate.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from communities.models import Membership
from communities.services.sso import signed_in_with_sso
from communities.sso_config import STAFF

# Pages a user must still reach to set MFA up, sign out, or that carry no community data.
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/admin/", "/favicon")
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def mfa_setup_required(request: HttpRequest) -> bool:
    """True when the signed-in user must set up a second factor before opening portal pages."""
    roles = settings.MFA_REQUIRED_ROLES
    user = request.user
    if not roles or not user.is_authenticated:
        return False
    if signed_in_with_sso(get_authentication_records(request, user)):
        return False
    steers = (STAFF in roles and user.is_staff) or Membership.objects.filter(
        user=user, role__in=roles - {STAFF}
    ).exists()
    return steers and not Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


class MFARequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(EXEMPT_PREFIXES) and mfa_setup_required(request):
            messages.warning(
                request,
                "Your role asks for a second sign-in step: set up an authenticator app or a passkey to go on.",
            )
            return HttpResponseRedirect(f"{reverse('mfa_index')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
