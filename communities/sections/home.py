"""The community home's sections that ``communities`` builds: purpose, vision, objectives, recent activity.

Registered in ``CommunitiesConfig.ready``; one or two queries each.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest

from communities.access import CommunityAccess
from communities.models import ActivityLog, Objective, PurposeVersion, VisionDraft
from communities.sections import Section
from communities.selectors.direction import objective_rows
from communities.services.direction import community_today

# Activity a member may see on the home page: direction changes and arrivals, never moderation.
MEMBER_SAFE_ACTIONS = (
    "purpose.",
    "vision.",
    "inquiry.",
    "strategy.",
    "objective.",
    "pitch.publish",
    "community.create",
    "membership.join",
)
HOME_OBJECTIVES = 6
HOME_ACTIVITY = 6


def home_purpose(request: HttpRequest, access: CommunityAccess) -> Section | None:
    purpose = PurposeVersion.objects.filter(community=access.community).only("text", "created_at").first()
    if purpose is None and not access.is_member:
        return None
    return Section("communities/direction/_home_purpose.html", {"purpose": purpose})


def home_vision(request: HttpRequest, access: CommunityAccess) -> Section | None:
    vision = VisionDraft.objects.filter(community=access.community, is_current=True).first()
    if vision is None and not access.is_member:
        return None
    return Section("communities/direction/_home_vision.html", {"vision": vision})


def home_objectives(request: HttpRequest, access: CommunityAccess) -> Section | None:
    if not access.is_member:
        return None  # owners are member names: not for visitors of an open community
    community = access.community
    today = community_today(community)
    open_ = Objective.objects.filter(community=community, status__in=Objective.OPEN_STATUSES)
    objectives = objective_rows(list(open_.select_related("owner")[:HOME_OBJECTIVES]), today=today)
    counts = Objective.objects.filter(community=community).aggregate(
        open=Count("pk", filter=Q(status__in=Objective.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=Objective.OPEN_STATUSES, due_date__lt=today)),
        achieved=Count("pk", filter=Q(status=Objective.Status.ACHIEVED)),
    )
    return Section("communities/direction/_home_objectives.html", {"objectives": objectives, "counts": counts})


def home_activity(request: HttpRequest, access: CommunityAccess) -> Section | None:
    if not access.is_member:
        return None
    safe = Q()
    for prefix in MEMBER_SAFE_ACTIONS:
        safe |= Q(action__startswith=prefix)
    entries = list(
        ActivityLog.objects.filter(safe, community=access.community).only("summary", "created_at")[:HOME_ACTIVITY]
    )
    return Section("communities/direction/_home_activity.html", {"entries": entries}, column="side")
