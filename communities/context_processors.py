from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from communities.models import Community, Notification


def navigation(request: HttpRequest) -> dict:
    """The navbar's figures, computed only if a template reads them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_unread": SimpleLazyObject(lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()),
        "nav_communities": SimpleLazyObject(
            lambda: list(Community.objects.filter(memberships__user=user).order_by("name").only("name", "slug"))
        ),
    }


def sign_in(request: HttpRequest) -> dict:
    """Whether password sign-in and sign-up are off (SSO_ONLY): the login page and navbar read it."""
    return {"sso_only": settings.SSO_ONLY}
