"""The "learning loops" dashboard section (registered in apps.py)."""

from __future__ import annotations

from django.http import HttpRequest

from communities import figures
from communities.access import CommunityAccess
from communities.sections import Section
from practice.selectors.loops import loop_figures


def dashboard_learning_loops(request: HttpRequest, access: CommunityAccess) -> Section | None:
    """Loop closure rate, lapsed loops, outcomes by result and the value funnel.

    Three queries, or none while the cached figures are current (``communities.figures``).
    """
    if not access.is_member:
        return None
    community = access.community
    loops = figures.cached(community.pk, "learning-loops", lambda: loop_figures(community=community))
    return Section(
        "practice/sections/_learning_loops.html",
        {
            "loops": loops.value,
            "computed_at": loops.computed_at,
            "community": community,
        },
    )
