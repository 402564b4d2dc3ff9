"""The dashboard's practice sessions: held against planned, attendance, newcomers' first session."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from communities import figures
from communities.access import CommunityAccess
from communities.sections import Section
from practice.selectors import sessions as selectors


def dashboard_sessions(request: HttpRequest, access: CommunityAccess) -> Section | None:
    """Two queries, or none while the cached figures are current (``communities.figures``)."""
    if not access.is_member:
        return None
    community = access.community
    cached = figures.cached(
        community.pk, "practice-sessions", lambda: selectors.session_figures(community=community, now=timezone.now())
    )
    return Section(
        "practice/sessions/_dashboard_sessions.html",
        {
            "f": cached.value,
            "computed_at": cached.computed_at,
            "months": selectors.DASHBOARD_MONTHS,
            "community": community,
        },
    )
