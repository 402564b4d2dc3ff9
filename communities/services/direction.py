"""Direction: the purpose, vision co-creation, appreciative inquiry, strategy, objectives and the pitch.

Permissions are checked by the views (``community_for_member`` with the role each action needs);
the services guard the state rules: one stance per member and draft, one current vision per
community, stances only on drafts open for them, contributions only to open inquiries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from childsys.lib.markdown import markdown_excerpt
from communities.access import CommunityAccess, check
from communities.models import (
    AppreciativeInquiry,
    Category,
    Community,
    InquiryContribution,
    Objective,
    Phase,
    PurposeVersion,
    StrategyVersion,
    User,
    ValueProposition,
    VisionComment,
    VisionDraft,
    VisionStance,
    VisionStanceChange,
)
from communities.models.direction import PHASE_SUBTITLES
from communities.services.community import activity_record
from communities.services.notify import notify


def _members(community: Community) -> list[User]:
    return list(User.objects.filter(memberships__community=community))


def _check_may_edit(draft: VisionDraft, actor: User) -> None:
    allowed = CommunityAccess.of(draft.community, actor).may_edit_draft(draft)
    check(allowed, "Facilitators, and core members for their own drafts, change vision drafts.")


def _clean_text(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(f"The {what} cannot be empty.")
    return text


# --- Purpose -----------------------------------------------------------------------------


def purpose_current(*, community: Community) -> PurposeVersion | None:
    return PurposeVersion.objects.filter(community=community).select_related("author").first()


@transaction.atomic
def purpose_set(*, community: Community, author: User, text: str, now: datetime | None = None) -> PurposeVersion:
    """Record a new version of the purpose (the sponsor's); an unchanged text adds no version."""
    now = now or timezone.now()
    text = _clean_text(text, what="purpose")
    current = PurposeVersion.objects.filter(community=community).first()
    if current is not None and current.text == text:
        return current
    version = PurposeVersion.objects.create(community=community, text=text, author=author, created_at=now)
    verb = "set" if current is None else "updated"
    activity_record(
        community=community, actor=author, action="purpose.update", summary=f"{author} {verb} the purpose", now=now
    )
    return version


# --- Vision co-creation ------------------------------------------------------------------


@transaction.atomic
def vision_draft_create(
    *,
    community: Community,
    author: User,
    title: str,
    text: str,
    open_for_stances: bool = False,
    inquiry: AppreciativeInquiry | None = None,
    now: datetime | None = None,
) -> VisionDraft:
    now = now or timezone.now()
    access = CommunityAccess.of(community, author)
    check(access.is_core, "Core members, facilitators and sponsors propose vision drafts.")
    if inquiry is not None:
        check(access.may_draft_from_inquiry(), "Only facilitators build drafts from an inquiry.")
        if inquiry.community_id != community.pk:
            raise ValidationError("That inquiry belongs to another community.")
    draft = VisionDraft.objects.create(
        community=community,
        author=author,
        title=_clean_text(title, what="title"),
        text=_clean_text(text, what="vision text"),
        inquiry=inquiry,
        created_at=now,
        updated_at=now,
    )
    source = f" from the inquiry “{inquiry.title}”" if inquiry else ""
    activity_record(
        community=community,
        actor=author,
        action="vision.draft",
        summary=f"{author} wrote the vision draft “{draft.title}”{source}",
        now=now,
    )
    if open_for_stances:
        vision_draft_open(draft=draft, actor=author, now=now)
    return draft


@transaction.atomic
def vision_draft_update(
    *, draft: VisionDraft, actor: User, title: str, text: str, now: datetime | None = None
) -> VisionDraft:
    """Edit a draft still in progress (stances already taken stay; members can revisit them)."""
    _check_may_edit(draft, actor)
    if not draft.is_in_progress:
        raise ValidationError("Only a draft in progress can be edited.")
    draft.title = _clean_text(title, what="title")
    draft.text = _clean_text(text, what="vision text")
    draft.updated_at = now or timezone.now()
    draft.save(update_fields=["title", "text", "updated_at"])
    return draft


@transaction.atomic
def vision_draft_open(*, draft: VisionDraft, actor: User, now: datetime | None = None) -> VisionDraft:
    """Open a draft for stances and tell the members."""
    now = now or timezone.now()
    _check_may_edit(draft, actor)
    if draft.status == VisionDraft.Status.OPEN:
        return draft
    if draft.status != VisionDraft.Status.DRAFT:
        raise ValidationError("Only a draft being written can be opened for stances.")
    draft.status = VisionDraft.Status.OPEN
    draft.opened_at = now
    draft.save(update_fields=["status", "opened_at"])
    community = draft.community
    activity_record(
        community=community,
        actor=actor,
        action="vision.open",
        summary=f"{actor} opened the vision draft “{draft.title}” for stances",
        now=now,
    )
    notify(
        recipients=_members(community),
        category=Category.DIRECTION,
        title=f"Where do you stand on the vision draft “{draft.title}”?",
        body=f"{actor} opened a vision draft for {community.name}. Read it and take your stance: "
        "support, support with concerns, or object.",
        url=draft.get_absolute_url(),
        community=community,
        actor=actor,
        now=now,
    )
    return draft


@transaction.atomic
def vision_draft_withdraw(*, draft: VisionDraft, actor: User, now: datetime | None = None) -> VisionDraft:
    _check_may_edit(draft, actor)
    if not draft.is_in_progress:
        raise ValidationError("Only a draft in progress can be withdrawn.")
    draft.status = VisionDraft.Status.WITHDRAWN
    draft.updated_at = now or timezone.now()
    draft.save(update_fields=["status", "updated_at"])
    activity_record(
        community=draft.community,
        actor=actor,
        action="vision.withdraw",
        summary=f"{actor} withdrew the vision draft “{draft.title}”",
        now=draft.updated_at,
    )
    return draft


@transaction.atomic
def vision_adopt(*, draft: VisionDraft, actor: User, now: datetime | None = None) -> VisionDraft:
    """Make ``draft`` the current vision; the previous one stays readable with its adoption date."""
    now = now or timezone.now()
    community = draft.community
    check(CommunityAccess.of(community, actor).is_facilitator, "Facilitators and sponsors adopt the vision.")
    # Serialise adoptions per community (two facilitators adopting at once), then re-read the draft.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    draft.refresh_from_db(fields=["status", "is_current"])
    if not draft.is_in_progress:
        raise ValidationError("Only a draft in progress can be adopted.")
    # Clear the old current vision first: the partial unique constraint allows one per community.
    VisionDraft.objects.filter(community=community, is_current=True).update(is_current=False)
    draft.status = VisionDraft.Status.ADOPTED
    draft.is_current = True
    draft.adopted_at = now
    draft.adopted_by = actor
    draft.save(update_fields=["status", "is_current", "adopted_at", "adopted_by"])
    activity_record(
        community=community,
        actor=actor,
        action="vision.adopt",
        summary=f"{actor} adopted “{draft.title}” as the vision",
        now=now,
    )
    notify(
        recipients=_members(community),
        category=Category.DIRECTION,
        title=f"{community.name} has a new vision: “{draft.title}”",
        body=f"{actor} adopted the vision after co-creation. Read it on the community's home page.",
        url=community.get_absolute_url(),
        community=community,
        actor=actor,
        now=now,
    )
    return draft


@transaction.atomic
def vision_stance_set(
    *, draft: VisionDraft, user: User, stance: str, comment: str = "", now: datetime | None = None
) -> VisionStance:
    """Take or change this member's one stance on an open draft."""
    now = now or timezone.now()
    if draft.status != VisionDraft.Status.OPEN:
        raise ValidationError("This draft is not open for stances.")
    if stance not in VisionStance.Stance.values:
        raise ValidationError("Choose support, support with concerns, or object.")
    comment = (comment or "").strip()
    if stance != VisionStance.Stance.SUPPORT and not comment:
        raise ValidationError("Say what concerns you, so the draft can improve.")
    obj, created = VisionStance.objects.get_or_create(
        draft=draft, user=user, defaults={"stance": stance, "comment": comment, "created_at": now, "updated_at": now}
    )
    if not created:
        if (obj.stance, obj.comment) == (stance, comment):
            return obj  # saved again unchanged: nothing moved
        obj.stance, obj.comment, obj.updated_at = stance, comment, now
        obj.save(update_fields=["stance", "comment", "updated_at"])
    # The history shows facilitators how stances moved as the draft was discussed and revised.
    VisionStanceChange.objects.create(draft=draft, user=user, stance=stance, comment=comment, created_at=now)
    return obj


@transaction.atomic
def vision_comment_add(*, draft: VisionDraft, author: User, text: str, now: datetime | None = None) -> VisionComment:
    """Comment on a draft in progress; its author and the members who commented before are told."""
    if not draft.is_in_progress:
        raise ValidationError("Comments are closed on this draft.")
    now = now or timezone.now()
    comment = VisionComment.objects.create(
        draft=draft, author=author, text=_clean_text(text, what="comment"), created_at=now
    )
    earlier = VisionComment.objects.filter(draft=draft).exclude(pk=comment.pk).values("author")
    recipients = (
        User.objects.filter(Q(pk=draft.author_id) | Q(pk__in=earlier), memberships__community=draft.community_id)
        .exclude(pk=author.pk)
        .distinct()
    )
    notify(
        recipients=list(recipients),
        category=Category.DIRECTION,
        title=f"{author} commented on the vision draft “{draft.title}”",
        body=markdown_excerpt(comment.text, 60),
        url=f"{draft.get_absolute_url()}#comments",
        community=draft.community,
        actor=author,
        now=now,
    )
    return comment


# --- Appreciative inquiry ----------------------------------------------------------------


@transaction.atomic
def inquiry_open(
    *, community: Community, actor: User, title: str, prompts: dict[str, str] | None = None, now: datetime | None = None
) -> AppreciativeInquiry:
    """Open an inquiry; prompts not given keep their defaults."""
    now = now or timezone.now()
    inquiry = AppreciativeInquiry(
        community=community, title=_clean_text(title, what="title"), opened_by=actor, opened_at=now
    )
    for phase, prompt in (prompts or {}).items():
        setattr(inquiry, f"prompt_{Phase(phase).value}", _clean_text(prompt, what=f"{phase} prompt"))
    inquiry.save()
    activity_record(
        community=community,
        actor=actor,
        action="inquiry.open",
        summary=f"{actor} opened the appreciative inquiry “{inquiry.title}”",
        now=now,
    )
    return inquiry


@transaction.atomic
def inquiry_update(
    *, inquiry: AppreciativeInquiry, actor: User, title: str, prompts: dict[str, str]
) -> AppreciativeInquiry:
    inquiry.title = _clean_text(title, what="title")
    fields = ["title"]
    for phase, prompt in prompts.items():
        name = f"prompt_{Phase(phase).value}"
        setattr(inquiry, name, _clean_text(prompt, what=f"{phase} prompt"))
        fields.append(name)
    inquiry.save(update_fields=fields)
    return inquiry


@transaction.atomic
def inquiry_close(*, inquiry: AppreciativeInquiry, actor: User, now: datetime | None = None) -> AppreciativeInquiry:
    now = now or timezone.now()
    if inquiry.closed_at is not None:
        return inquiry
    inquiry.closed_at = now
    inquiry.save(update_fields=["closed_at"])
    activity_record(
        community=inquiry.community,
        actor=actor,
        action="inquiry.close",
        summary=f"{actor} closed the appreciative inquiry “{inquiry.title}”",
        now=now,
    )
    return inquiry


@transaction.atomic
def inquiry_contribute(
    *, inquiry: AppreciativeInquiry, author: User, phase: str, text: str, now: datetime | None = None
) -> InquiryContribution:
    if not inquiry.is_open:
        raise ValidationError("This inquiry is closed.")
    return InquiryContribution.objects.create(
        inquiry=inquiry,
        author=author,
        phase=Phase(phase).value,
        text=_clean_text(text, what="contribution"),
        created_at=now or timezone.now(),
    )


def inquiry_draft_text(*, contributions: Iterable[InquiryContribution]) -> str:
    """Markdown for a vision draft from selected contributions, grouped by phase in 4-D order.

    A contribution hidden pending a privacy review is left out.
    """
    by_phase: dict[str, list[InquiryContribution]] = {p.value: [] for p in Phase}
    for c in contributions:
        if c.is_hidden:
            continue
        by_phase[c.phase].append(c)
    parts = []
    for phase in Phase:
        chosen = by_phase[phase.value]
        if not chosen:
            continue
        lines = [f"## {phase.label}: {PHASE_SUBTITLES[phase]}", ""]
        for c in chosen:
            body = "\n  ".join(line.rstrip() for line in c.text.strip().splitlines())
            lines.append(f"- {body}" + (f" *({c.author})*" if c.author else ""))
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + ("\n" if parts else "")


# --- Strategy and objectives -------------------------------------------------------------


def strategy_current(*, community: Community) -> StrategyVersion | None:
    return StrategyVersion.objects.filter(community=community).select_related("author").first()


@transaction.atomic
def strategy_set(*, community: Community, author: User, text: str, now: datetime | None = None) -> StrategyVersion:
    now = now or timezone.now()
    text = _clean_text(text, what="strategy")
    current = StrategyVersion.objects.filter(community=community).first()
    if current is not None and current.text == text:
        return current
    version = StrategyVersion.objects.create(community=community, text=text, author=author, created_at=now)
    activity_record(
        community=community, actor=author, action="strategy.update", summary=f"{author} updated the strategy", now=now
    )
    return version


def community_today(community: Community, *, now: datetime | None = None) -> date:
    """Today's date where the community lives (due dates are calendar dates in its time zone)."""
    return timezone.localtime(now or timezone.now(), community.tzinfo).date()


def _ensure_owner_is_member(community: Community, owner: User | None) -> None:
    if owner is not None and not owner.memberships.filter(community=community).exists():
        raise ValidationError("The owner must be a member of this community.")


@transaction.atomic
def objective_create(
    *,
    community: Community,
    actor: User,
    title: str,
    measure: str,
    target: str,
    owner: User,
    due_date: date,
    description: str = "",
    status: str = Objective.Status.PLANNED,
    now: datetime | None = None,
) -> Objective:
    """Add an objective at the end of the list, linked to the vision in force now."""
    now = now or timezone.now()
    if due_date < community_today(community, now=now):
        raise ValidationError("The due date is in the past.")
    _ensure_owner_is_member(community, owner)
    last = Objective.objects.filter(community=community).aggregate(m=Max("position"))["m"]
    objective = Objective.objects.create(
        community=community,
        title=_clean_text(title, what="title"),
        description=(description or "").strip(),
        measure=measure.strip(),
        target=target.strip(),
        owner=owner,
        due_date=due_date,
        status=status,
        position=0 if last is None else last + 1,
        vision=VisionDraft.objects.filter(community=community, is_current=True).first(),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    activity_record(
        community=community,
        actor=actor,
        action="objective.create",
        summary=f"{actor} set the objective “{objective.title}”",
        now=now,
    )
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, actor: User, now: datetime | None = None, **fields) -> Objective:
    """Change an objective's fields; a status change is logged."""
    now = now or timezone.now()
    allowed = {"title", "description", "measure", "target", "owner", "due_date", "status"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unknown objective fields: {sorted(unknown)}")
    changes = [name for name, value in fields.items() if getattr(objective, name) != value]
    check(
        CommunityAccess.of(objective.community, actor).may_change_objective(objective, changes),
        "Facilitators change objectives; their owner updates the status.",
    )
    if "owner" in fields:
        _ensure_owner_is_member(objective.community, fields["owner"])
    old_status = objective.status
    changed = [name for name, value in fields.items() if getattr(objective, name) != value]
    if not changed:
        return objective
    for name in changed:
        setattr(objective, name, fields[name])
    objective.updated_at = now
    objective.save(update_fields=[*changed, "updated_at"])
    if objective.status != old_status:
        activity_record(
            community=objective.community,
            actor=actor,
            action="objective.status",
            summary=f"{actor} marked the objective “{objective.title}” {objective.get_status_display().lower()}",
            now=now,
        )
    return objective


@transaction.atomic
def objective_move(*, objective: Objective, actor: User, up: bool) -> Objective:
    """Swap an objective with its neighbour above (``up``) or below; positions become 0..n-1."""
    ordered = list(
        Objective.objects.filter(community_id=objective.community_id).select_for_update().order_by("position", "id")
    )
    index = next(i for i, o in enumerate(ordered) if o.pk == objective.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    changed = []
    for position, o in enumerate(ordered):
        if o.position != position:
            o.position = position
            changed.append(o)
    Objective.objects.bulk_update(changed, ["position"])
    objective.position = next(o.position for o in ordered if o.pk == objective.pk)
    return objective


# --- Value proposition -------------------------------------------------------------------


@transaction.atomic
def value_proposition_save(
    *,
    community: Community,
    actor: User,
    for_whom: str,
    problem: str,
    value: str,
    proof: str,
    now: datetime | None = None,
) -> ValueProposition:
    now = now or timezone.now()
    fields = {
        "for_whom": _clean_text(for_whom, what="“for whom”"),
        "problem": _clean_text(problem, what="problem"),
        "value": _clean_text(value, what="value"),
        "proof": _clean_text(proof, what="proof"),
    }
    vp, created = ValueProposition.objects.get_or_create(
        community=community, defaults={**fields, "updated_by": actor, "updated_at": now}
    )
    if not created:
        for name, v in fields.items():
            setattr(vp, name, v)
        vp.updated_by, vp.updated_at = actor, now
        vp.save(update_fields=[*fields, "updated_by", "updated_at"])
    activity_record(
        community=community,
        actor=actor,
        action="pitch.update",
        summary=f"{actor} edited the value proposition",
        now=now,
    )
    return vp


@transaction.atomic
def value_proposition_publish(
    *, proposition: ValueProposition, actor: User, publish: bool, now: datetime | None = None
) -> ValueProposition:
    """Publish the pitch at /c/<slug>/pitch/ for anyone, or take it down."""
    now = now or timezone.now()
    if publish == proposition.is_published:
        return proposition
    proposition.published_at = now if publish else None
    proposition.save(update_fields=["published_at"])
    activity_record(
        community=proposition.community,
        actor=actor,
        action="pitch.publish" if publish else "pitch.unpublish",
        summary=f"{actor} {'published' if publish else 'unpublished'} the value proposition pitch",
        now=now,
    )
    return proposition
