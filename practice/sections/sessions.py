"""The dashboard's practice sessions: held against planned, attendance, newcomers' first session."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from communities.access import CommunityAccess
from communities.sections import Section
from practice.selectors import sessions as selectors


def dashboard_sessions(request: HttpRequest, access: CommunityAccess) -> Section | None:
    if not access.is_member:
        return None
    figures = selectors.session_figures(community=access.community, now=timezone.now())
    return Section(
        "practice/sessions/_dashboard_sessions.html",
        {"f": figures, "months": selectors.DASHBOARD_MONTHS, "community": access.community},
    )
