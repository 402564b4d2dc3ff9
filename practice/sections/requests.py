"""The practice sections of the community home and the dashboard (registered in apps.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from communities import figures
from communities.access import CommunityAccess
from communities.sections import Section
from practice.selectors import requests as selectors


def home_open_requests(request: HttpRequest, access: CommunityAccess) -> Section | None:
    """The community's recently active open requests, for members (one query)."""
    if not access.is_member:
        return None
    return Section(
        "practice/sections/_home_requests.html",
        {
            "requests": selectors.open_requests_recent(community=access.community),
            "now": timezone.now(),
        },
    )


def dashboard_practice_health(request: HttpRequest, access: CommunityAccess) -> Section | None:
    """Practice health: response times against the commitment, counts, the learning agenda.

    Four queries, or none while the cached figures are current (``communities.figures``).
    """
    if not access.is_member:
        return None
    community = access.community
    health = figures.cached(community.pk, "practice-health", lambda: selectors.practice_health(community=community))
    return Section(
        "practice/sections/_practice_health.html",
        {
            "health": health.value,
            "computed_at": health.computed_at,
            "community": community,
        },
    )
