"""Reads of the Direction pages: purpose, visions with their alignment, inquiries, strategy, objectives.

Each page is one dataclass, built in a fixed number of queries whatever the number of drafts,
stances or objectives. Facts computed for one object (a draft's alignment, an objective being
overdue) are fields of a row (:class:`~communities.selectors.rows.Row`), never attributes written
onto the model object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from communities.models import (
    AppreciativeInquiry,
    Community,
    Membership,
    Objective,
    PurposeVersion,
    StrategyVersion,
    User,
    ValueProposition,
    VisionComment,
    VisionDraft,
    VisionStance,
    VisionStanceChange,
)
from communities.models.direction import Alignment
from communities.selectors.rows import Row
from communities.services.direction import community_today, purpose_current, strategy_current


@dataclass(frozen=True)
class DraftRow(Row):
    alignment: Alignment
    my_stance: str = ""  # the label of the viewer's stance, "" when they took none


@dataclass(frozen=True)
class ObjectiveRow(Row):
    overdue: bool


@dataclass(frozen=True)
class StanceRow(Row):
    earlier: list[VisionStanceChange] = field(default_factory=list)  # oldest first, without the stance itself


def member_count(community: Community) -> int:
    return Membership.objects.filter(community=community).count()


def in_community(objects: list, community: Community) -> list:
    """Attach the already-loaded community, so ``get_absolute_url`` costs no query per object."""
    for o in objects:
        o.community = community
    return objects


def objective_rows(objectives: list[Objective], *, today: date) -> list[ObjectiveRow]:
    return [ObjectiveRow(o, overdue=o.is_overdue(today=today)) for o in objectives]


@dataclass(frozen=True)
class DirectionPage:
    purpose: PurposeVersion | None
    current_vision: DraftRow | None
    in_progress: list[DraftRow]
    earlier_visions: list[DraftRow]
    withdrawn: list[DraftRow]
    member_count: int
    inquiries: list[AppreciativeInquiry]
    strategy: StrategyVersion | None
    objectives: list[ObjectiveRow]
    proposition: ValueProposition | None
    today: date

    @property
    def overdue_count(self) -> int:
        return sum(1 for o in self.objectives if o.overdue)


def direction_page(*, community: Community, user: User) -> DirectionPage:
    """The Direction page for ``user`` (who sees their own stance on each draft)."""
    members = member_count(community)
    drafts = in_community(
        list(VisionDraft.objects.filter(community=community).with_counts().select_related("author", "adopted_by")),
        community,
    )
    mine = dict(VisionStance.objects.filter(draft__community=community, user=user).values_list("draft_id", "stance"))
    labels = dict(VisionStance.Stance.choices)
    rows = [
        DraftRow(d, alignment=d.alignment_with(members), my_stance=labels.get(mine.get(d.pk, ""), "")) for d in drafts
    ]
    today = community_today(community)
    objectives = list(Objective.objects.filter(community=community).select_related("owner", "vision"))
    inquiries = AppreciativeInquiry.objects.filter(community=community).annotate(n_contributions=Count("contributions"))
    return DirectionPage(
        purpose=purpose_current(community=community),
        current_vision=next((d for d in rows if d.is_current), None),
        in_progress=[d for d in rows if d.is_in_progress],
        earlier_visions=sorted(
            (d for d in rows if d.status == VisionDraft.Status.ADOPTED and not d.is_current),
            key=lambda d: d.adopted_at or d.created_at,
            reverse=True,
        ),
        withdrawn=[d for d in rows if d.status == VisionDraft.Status.WITHDRAWN],
        member_count=members,
        inquiries=in_community(list(inquiries), community),
        strategy=strategy_current(community=community),
        objectives=objective_rows(objectives, today=today),
        proposition=ValueProposition.objects.filter(community=community).first(),
        today=today,
    )


@dataclass(frozen=True)
class DraftPage:
    draft: DraftRow
    stances: list[StanceRow]
    my_stance: VisionStance | None
    comments: list[VisionComment]
    member_count: int


def draft_page(*, draft: VisionDraft, user: User) -> DraftPage:
    """A vision draft with its alignment, every current member's stance (and how it moved), the comments."""
    community = draft.community
    members = member_count(community)
    counted = VisionDraft.objects.with_counts().get(pk=draft.pk)
    stances = list(
        VisionStance.objects.filter(draft=draft, user__memberships__community=community).select_related("user")
    )
    earlier: dict[int, list[VisionStanceChange]] = {}
    for change in VisionStanceChange.objects.filter(draft=draft):
        earlier.setdefault(change.user_id, []).append(change)
    return DraftPage(
        draft=DraftRow(draft, alignment=counted.alignment_with(members)),
        stances=[StanceRow(s, earlier=earlier.get(s.user_id, [])[:-1]) for s in stances],
        my_stance=next((s for s in stances if s.user_id == user.pk), None),
        comments=list(VisionComment.objects.filter(draft=draft).select_related("author", "draft__community")),
        member_count=members,
    )
