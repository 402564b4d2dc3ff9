"""The "learning loops" dashboard section (registered in apps.py)."""

from __future__ import annotations

from django.http import HttpRequest

from communities.access import CommunityAccess
from practice.selectors_loops import loop_figures


def dashboard_learning_loops(request: HttpRequest, access: CommunityAccess) -> dict | None:
    """Loop closure rate, lapsed loops, outcomes by result and the value funnel (three queries)."""
    if not access.is_member:
        return None
    return {
        "template": "practice/sections/_learning_loops.html",
        "loops": loop_figures(community=access.community),
        "community": access.community,
    }
