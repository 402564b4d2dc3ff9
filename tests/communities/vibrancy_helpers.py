"""Helpers shared by the vibrancy tests: dimensions, rounds and scores in a line each."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from communities.models import Community, Dimension, Membership, Role, User, VibrancyRound, VibrancyScore
from communities.services.vibrancy import tally_rebuild
from communities.vibrancy_guidance import ensure_dimensions
from tests.factories import MembershipFactory, UserFactory


def dimensions() -> dict[str, Dimension]:
    """The seven dimensions by slug (re-created if a transactional test flushed them)."""
    ensure_dimensions(Dimension)
    return {d.slug: d for d in Dimension.objects.all()}


def make_round(community: Community, *, opened_days_ago: int = 1, closed: bool = False, **fields) -> VibrancyRound:
    now = timezone.now()
    return VibrancyRound.objects.create(
        community=community,
        opened_at=now - timedelta(days=opened_days_ago),
        closed_at=now if closed else None,
        **fields,
    )


def rate(
    round_: VibrancyRound, user: User, scores: dict[str, tuple[int | None, int | None]], comment: str = ""
) -> None:
    """Write scores directly, {slug: (now, should_be)}, then recompute the round's tally from them."""
    by_slug = dimensions()
    for slug, (now, should_be) in scores.items():
        VibrancyScore.objects.update_or_create(
            round=round_,
            user=user,
            dimension=by_slug[slug],
            defaults={"now": now, "should_be": should_be, "comment": comment},
        )
    tally_rebuild(round_=round_)


def add_members(
    community: Community, count: int, *, joined: datetime | None = None, role: str = Role.MEMBER
) -> list[User]:
    joined = joined or timezone.now() - timedelta(days=200)
    users = []
    for _ in range(count):
        user = UserFactory(verified=False)
        MembershipFactory(community=community, user=user, role=role, joined_at=joined)
        users.append(user)
    return users


def member_count(community: Community) -> int:
    return Membership.objects.filter(community=community).count()
