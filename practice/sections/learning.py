"""Captured learning on the community home (the newcomer path) and the dashboard (registered in apps.py)."""

from __future__ import annotations

from django.http import HttpRequest

from communities import figures
from communities.access import CommunityAccess
from communities.sections import Section
from practice.selectors import learning as selectors


def home_newcomer_path(request: HttpRequest, access: CommunityAccess) -> Section | None:
    """ "Start here" for members who joined in the last 30 days, when the path has items (one query).

    It leads the page (the "top" column, above both columns), so on a phone it is on the first screen.
    """
    if not access.is_newcomer:
        return None
    path = selectors.newcomer_path(community=access.community, user=request.user)
    if not path:
        return None
    read = sum(1 for item in path if item.is_read)
    return Section(
        "practice/learning/_home_path.html",
        {
            "path": path,
            "read": read,
            "percent": round(100 * read / len(path)),
        },
        column="top",
    )


def dashboard_learning(request: HttpRequest, access: CommunityAccess) -> Section | None:
    """Captured learning: artefacts per month, share of closed loops captured, the two warnings.

    Five queries, or none while the cached figures are current (``communities.figures``).
    """
    if not access.is_member:
        return None
    community = access.community
    cached = figures.cached(community.pk, "captured-learning", lambda: selectors.learning_health(community=community))
    health = cached.value
    peak = max((n for _, n in health.per_month), default=0)
    return Section(
        "practice/learning/_dashboard_learning.html",
        {
            "health": health,
            "computed_at": cached.computed_at,
            "peak": peak,
            "thresholds": {
                "reactive_min_requests": selectors.REACTIVE_MIN_REQUESTS,
                "reactive_ratio": selectors.REACTIVE_MAX_CAPTURE_RATIO,
                "narrow_top": selectors.NARROW_TOP_TAGS,
                "narrow_share": selectors.NARROW_MAX_SHARE,
            },
            "community": community,
        },
    )
