"""Creating communities, joining them, and the activity log."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from communities.models import ActivityLog, Community, Membership, Role, User


def activity_record(
    *, community: Community, actor: User | None, action: str, summary: str, now: datetime | None = None
) -> ActivityLog:
    return ActivityLog.objects.create(
        community=community, actor=actor, action=action, summary=summary[:300], created_at=now or timezone.now()
    )


@transaction.atomic
def community_create(
    *,
    creator: User,
    name: str,
    slug: str,
    domain: str,
    visibility: str = Community.Visibility.PRIVATE,
    time_zone: str = "UTC",
    now: datetime | None = None,
) -> Community:
    """Create a community; its creator becomes its sponsor."""
    now = now or timezone.now()
    community = Community(
        name=name, slug=slug, domain=domain, visibility=visibility, time_zone=time_zone, created_at=now
    )
    community.full_clean()
    community.save()
    Membership.objects.create(community=community, user=creator, role=Role.SPONSOR, joined_at=now)
    activity_record(
        community=community, actor=creator, action="community.create", summary=f"{creator} created the community"
    )
    return community


@transaction.atomic
def community_settings_update(*, community: Community, actor: User, **fields) -> Community:
    """Change settings (stage, visibility, commitments…); every change is logged."""
    changed = []
    for name, value in fields.items():
        if getattr(community, name) != value:
            setattr(community, name, value)
            changed.append(name)
    if not changed:
        return community
    community.full_clean()
    community.save(update_fields=changed)
    labels = ", ".join(str(Community._meta.get_field(n).verbose_name) for n in changed)
    activity_record(community=community, actor=actor, action="community.settings", summary=f"{actor} changed {labels}")
    return community


@transaction.atomic
def membership_join_open(*, community: Community, user: User, now: datetime | None = None) -> Membership:
    """Join an open community at once (idempotent)."""
    if community.visibility != Community.Visibility.OPEN:
        raise PermissionDenied("This community is not open to join.")
    membership, created = Membership.objects.get_or_create(
        community=community, user=user, defaults={"role": Role.MEMBER, "joined_at": now or timezone.now()}
    )
    if created:
        activity_record(community=community, actor=user, action="membership.join", summary=f"{user} joined")
    return membership


def ensure_not_last_sponsor(*, membership: Membership) -> None:
    """Refuse a change that would leave the community without a sponsor."""
    if membership.role != Role.SPONSOR:
        return
    others = Membership.objects.filter(community_id=membership.community_id, role=Role.SPONSOR).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ValidationError("A community needs a sponsor: appoint another sponsor first.")
