"""Every state change of captured learning: artefacts, their versions and publication, the newcomer path.

Who may do what (the views check the same rules before calling, the services enforce them):
any member drafts an artefact (from scratch, or by summarising a request thread); the authors
of a draft and core members, facilitators and sponsors edit it; only core members and above
publish, return to draft, capture a closed loop as learning, and curate the newcomer path.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import Truncator

from communities import figures
from communities.models import Category, Community, Membership, Role, Tag, User
from communities.services.community import activity_record
from communities.services.notify import notify
from communities.services.tags import tags_from_text
from practice.models import (
    ALL_TEXT_FIELDS,
    KIND_FIELDS,
    Advice,
    Artefact,
    ArtefactVersion,
    HelpRequest,
    NewcomerPathItem,
    NewcomerPathRead,
    Outcome,
)

MAX_TAGS = 6

__all__ = [
    "artefact_create",
    "artefact_draft_from_outcome",
    "artefact_draft_from_request",
    "artefact_edit",
    "artefact_prefill_from_request",
    "artefact_publish",
    "artefact_unpublish",
    "digest_new_learning",
    "may_curate",
    "may_edit_artefact",
    "path_add",
    "path_mark_read",
    "path_move",
    "path_remove",
]


# --- who may ---------------------------------------------------------------------------------


def _membership(community: Community, user: User | None) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(community=community, user=user).first()


def may_curate(community: Community, user: User | None) -> bool:
    """Core members, facilitators and sponsors publish artefacts and curate the newcomer path."""
    membership = _membership(community, user)
    return membership is not None and membership.has_role(Role.CORE)


def may_edit_artefact(artefact: Artefact, user: User | None, *, curator: bool | None = None) -> bool:
    """Curators edit any artefact; an author edits their artefact while it is a draft."""
    if curator is None:
        curator = may_curate(artefact.community, user)
    if curator:
        return True
    if user is None or artefact.is_published:
        return False
    return artefact.authors.filter(pk=user.pk).exists()


def _require_member(community: Community, user: User) -> None:
    if _membership(community, user) is None:
        raise PermissionDenied


def _require_curator(community: Community, user: User) -> None:
    if not may_curate(community, user):
        raise PermissionDenied("Only core members and facilitators can do this.")


# --- helpers -------------------------------------------------------------------------------


def _clean_fields(kind: str, fields: dict[str, str]) -> dict[str, str]:
    """The kind's own fields from ``fields``; every other text field blank. Refuses an empty artefact."""
    if kind not in KIND_FIELDS:
        raise ValidationError("Choose what kind of learning this is.")
    own = {name for name, _ in KIND_FIELDS[kind]}
    out = {name: (fields.get(name) or "").strip() if name in own else "" for name in ALL_TEXT_FIELDS}
    out["period"] = out["period"][: Artefact._meta.get_field("period").max_length]
    if not any(out[name] for name in own):
        raise ValidationError("Write at least one part of it.")
    return out


def _set_tags(artefact: Artefact, tags: Iterable[Tag], new_tags: str) -> None:
    chosen = {t.pk: t for t in tags if t.community_id == artefact.community_id}
    for tag in tags_from_text(artefact.community, new_tags):
        chosen[tag.pk] = tag
    if len(chosen) > MAX_TAGS:
        raise ValidationError(f"Choose at most {MAX_TAGS} tags.")
    artefact.tags.set(list(chosen.values()))


def _record_version(artefact: Artefact, *, author: User | None, now: datetime, note: str = "") -> ArtefactVersion:
    artefact.version += 1
    Artefact.objects.filter(pk=artefact.pk).update(version=F("version") + 1)
    return ArtefactVersion.objects.create(
        artefact=artefact,
        number=artefact.version,
        author=author,
        created_at=now,
        kind=artefact.kind,
        title=artefact.title,
        fields=artefact.field_values(),
        note=note[:200],
    )


def _same_community(community: Community, objs: Iterable, attr: str) -> list:
    out = list(objs)
    if any(getattr(o, attr) != community.pk for o in out):
        raise ValidationError("Sources must come from this community.")
    return out


def _excerpt(text: str, words: int = 60) -> str:
    return Truncator(" ".join((text or "").split())).words(words)


def _quote(text: str) -> str:
    """``text`` as a Markdown block quote (kept as written: it goes through the safe pipeline later)."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in (text or "").strip().splitlines())


# --- artefacts ---------------------------------------------------------------------------------


@transaction.atomic
def artefact_create(
    *,
    community: Community,
    author: User,
    kind: str,
    title: str,
    fields: dict[str, str],
    tags: Iterable[Tag] = (),
    new_tags: str = "",
    source_requests: Iterable[HelpRequest] = (),
    source_advice: Iterable[Advice] = (),
    source_outcomes: Iterable[Outcome] = (),
    note: str = "Drafted",
    anonymous: bool = False,
    now: datetime | None = None,
) -> Artefact:
    """Draft an artefact (any member); version 1 records what they wrote.

    ``anonymous``: everyone but ``author`` sees "A member (anonymous)" in their place."""
    now = now or timezone.now()
    _require_member(community, author)
    title = " ".join(title.split())
    if not title:
        raise ValidationError("Give it a title.")
    artefact = Artefact(
        community=community,
        kind=kind,
        title=title[:160],
        created_by=author,
        created_at=now,
        updated_at=now,
        anonymous=anonymous,
        **_clean_fields(kind, fields),
    )
    artefact.save()
    artefact.authors.add(author)
    _set_tags(artefact, tags, new_tags)
    artefact.source_requests.set(_same_community(community, source_requests, "community_id"))
    artefact.source_advice.set([a for a in source_advice if a.request.community_id == community.pk])
    outcomes = _same_community(community, source_outcomes, "community_id")
    if outcomes:
        artefact.source_outcomes.set(outcomes)
    _record_version(artefact, author=author, now=now, note=note)
    return artefact


@transaction.atomic
def artefact_edit(
    *,
    artefact: Artefact,
    editor: User,
    title: str,
    fields: dict[str, str],
    tags: Iterable[Tag] = (),
    new_tags: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Artefact:
    """Save an edit as a new version; the editor joins the authors. The kind stays as drafted."""
    now = now or timezone.now()
    if not may_edit_artefact(artefact, editor):
        raise PermissionDenied("Only its authors (while it is a draft) and core members can edit this.")
    title = " ".join(title.split())
    if not title:
        raise ValidationError("Give it a title.")
    cleaned = _clean_fields(artefact.kind, fields)
    for name, value in cleaned.items():
        setattr(artefact, name, value)
    artefact.title = title[:160]
    artefact.updated_at = now
    artefact.save(update_fields=["title", "updated_at", *cleaned])
    artefact.authors.add(editor)
    _set_tags(artefact, tags, new_tags)
    _record_version(artefact, author=editor, now=now, note=note or "Edited")
    return artefact


@transaction.atomic
def artefact_restore(
    *, artefact: Artefact, version: ArtefactVersion, editor: User, now: datetime | None = None
) -> Artefact:
    """Make an earlier version's title and text current again, saved as a new version: nothing is lost.

    Who may edit the artefact may restore; its tags and sources stay as they are.
    """
    if version.artefact_id != artefact.pk:
        raise ValidationError("That version belongs to another artefact.")
    if version.title == artefact.title and version.fields == artefact.field_values():
        raise ValidationError(f"Version {version.number} is the current text already.")
    return artefact_edit(
        artefact=artefact,
        editor=editor,
        title=version.title,
        fields=version.fields,
        tags=list(artefact.tags.all()),
        note=f"Restored version {version.number}",
        now=now,
    )


@transaction.atomic
def artefact_reveal(*, artefact: Artefact, actor: User, now: datetime | None = None) -> bool:
    """The anonymous author reveals themselves: their name shows from now on. False when it was not anonymous."""
    from practice.services.requests import anonymous_post_reveal  # requests imports loops, which imports us

    return anonymous_post_reveal(
        post=artefact,
        author_id=artefact.created_by_id,
        actor=actor,
        action="practice.learning.reveal",
        summary=f"{actor} revealed that they wrote the {artefact.get_kind_display().lower()} “{artefact.title}”",
        now=now,
    )


@transaction.atomic
def artefact_publish(*, artefact: Artefact, actor: User, now: datetime | None = None) -> bool:
    """A core member or facilitator publishes a draft; False when it was already published."""
    now = now or timezone.now()
    _require_curator(artefact.community, actor)
    # Conditional update: two curators clicking at once publish it once.
    done = Artefact.objects.filter(pk=artefact.pk, status=Artefact.Status.DRAFT).update(
        status=Artefact.Status.PUBLISHED, published_at=now, published_by=actor, updated_at=now
    )
    if not done:
        return False
    figures.changed(artefact.community_id)
    artefact.status, artefact.published_at, artefact.published_by = Artefact.Status.PUBLISHED, now, actor
    activity_record(
        community=artefact.community,
        actor=actor,
        action="practice.learning.publish",
        summary=f"{actor} published the {artefact.get_kind_display().lower()} “{artefact.title}”",
        now=now,
    )
    notify(
        recipients=list(artefact.authors.all()),
        category=Category.LEARNING,
        title=f"Published: your {artefact.get_kind_display().lower()} “{artefact.title}”",
        body="It is now part of the community's captured learning. Thank you for writing it down.",
        url=artefact.get_absolute_url(),
        community=artefact.community,
        actor=actor,
        now=now,
    )
    # A session's write-up: the members who were not there are told (once, even if it is republished).
    from practice.services import sessions

    sessions.summary_published(artefact=artefact, now=now)
    return True


@transaction.atomic
def artefact_unpublish(*, artefact: Artefact, actor: User, reason: str, now: datetime | None = None) -> bool:
    """A curator returns a published artefact to draft, giving a reason (logged)."""
    now = now or timezone.now()
    _require_curator(artefact.community, actor)
    if not reason.strip():
        raise ValidationError("Give a reason for taking it back to draft.")
    done = Artefact.objects.filter(pk=artefact.pk, status=Artefact.Status.PUBLISHED).update(
        status=Artefact.Status.DRAFT, published_at=None, published_by=None, updated_at=now
    )
    if not done:
        return False
    figures.changed(artefact.community_id)
    artefact.status, artefact.published_at, artefact.published_by = Artefact.Status.DRAFT, None, None
    # A draft is not for newcomers: it leaves the path (and the reads with it).
    NewcomerPathItem.objects.filter(artefact=artefact).delete()
    activity_record(
        community=artefact.community,
        actor=actor,
        action="practice.learning.unpublish",
        summary=f"{actor} took “{artefact.title}” back to draft: {reason}",
        now=now,
    )
    return True


# --- the three ways in: a thread, a closed loop (and from scratch, above) ----------------------


def artefact_prefill_from_request(help_request: HelpRequest) -> dict:
    """A summary of a request thread: title, period ("thread: …"), key points, and its sources.

    Hidden advice is left out; the key points quote the situation, each piece of advice with its
    author, and how the request ended, for the drafter to condense.
    """
    advice = [a for a in help_request.advice.select_related("author").order_by("created_at", "id") if not a.is_hidden]
    points = [
        f"**The situation** ({help_request.asker_name_for(None)}):",
        _quote(_excerpt(help_request.situation, 80)),
        "",
    ]
    if advice:
        points.append("**What peers advised:**")
        points.extend(f"- {_excerpt(a.body, 50)} ({a.author.name if a.author else 'a former member'})" for a in advice)
        points.append("")
    if help_request.conclusion_note:
        points.append(f"**How it ended:** {help_request.conclusion_note}")
    return {
        "kind": Artefact.Kind.SUMMARY,
        "title": f"Summary: {help_request.title}"[:160],
        "fields": {"period": f"Thread: {help_request.title}"[:200], "key_points": "\n".join(points).strip()},
        "tags": list(help_request.tags.all()),
        "source_requests": [help_request],
        "source_advice": advice,
    }


@transaction.atomic
def artefact_draft_from_request(*, help_request: HelpRequest, author: User, now: datetime | None = None) -> Artefact:
    """Summarise this thread: a draft summary, pre-filled from the request and its advice."""
    if help_request.is_hidden:
        raise ValidationError("This request was hidden by a facilitator.")
    prefill = artefact_prefill_from_request(help_request)
    # The prefill names artefact_create's own arguments: kind, title, fields, tags, sources.
    return artefact_create(
        community=help_request.community, author=author, note="Drafted from the request thread", now=now, **prefill
    )


def _outcome_kind(outcome: Outcome) -> str:
    if outcome.share_kind == Artefact.Kind.FAILURE_REFLECTION:
        return Artefact.Kind.FAILURE_REFLECTION
    return Artefact.Kind.CASE_STORY


def _section(heading: str, text: str) -> str:
    """A bold heading on its own paragraph, then ``text``: a list or quote in ``text`` stays valid Markdown."""
    text = (text or "").strip()
    return f"**{heading}**\n\n{text}" if text else ""


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def _names(users: list[str]) -> str:
    return users[0] if len(users) == 1 else ", ".join(users[:-1]) + " and " + users[-1]


def artefact_prefill_from_outcome(outcome: Outcome) -> dict:
    """A case story (or failure reflection, when the asker chose that) from a closed loop.

    Built from the outcome's own fields, each kept whole as the asker wrote it (lists stay lists):
    the request's situation, what worked (what we did), the result with what didn't work and what
    we'd do next time. The advice is credited by name and linked as a source, never pasted in.
    """
    help_request = outcome.request
    helpful = list(outcome.helpful_advice.select_related("author").order_by("created_at", "id"))
    advisers = list(dict.fromkeys(a.author.name if a.author else "a former member" for a in helpful))
    tried_advice = f"We tried the advice of {_names(advisers)}." if advisers else ""
    situation = _paragraphs(help_request.situation, _section("What had been tried before:", help_request.tried))
    kind = _outcome_kind(outcome)
    result_line = f"**{outcome.get_result_display()}.**"
    if kind == Artefact.Kind.FAILURE_REFLECTION:
        fields = {
            "what_happened": _paragraphs(
                situation, tried_advice, result_line, _section("What didn't work:", outcome.what_didnt)
            ),
            "what_we_learned": (outcome.what_worked or outcome.what_didnt).strip(),
            "what_wed_do_differently": outcome.do_differently.strip(),
        }
        prefix = "What we learned from"
    else:
        fields = {
            "situation": situation,
            "what_we_did": _paragraphs(tried_advice, _section("What worked:", outcome.what_worked)),
            "result": _paragraphs(
                result_line,
                _section("What didn't work:", outcome.what_didnt),
                _section("Next time:", outcome.do_differently),
            ),
        }
        prefix = "Case"
    return {
        "kind": kind,
        "title": f"{prefix}: {help_request.title}"[:160],
        "fields": fields,
        "tags": list(help_request.tags.all()),
        "source_requests": [help_request],
        "source_advice": helpful,
        "source_outcomes": [outcome],
    }


@transaction.atomic
def artefact_draft_from_outcome(*, outcome: Outcome, author: User, now: datetime | None = None) -> Artefact:
    """A draft case story (or failure reflection) from a closed loop, linked to request, advice and outcome.

    Called by the outcome service when the asker ticks "share this as learning" (author = the asker),
    and by the facilitators' "Capture as learning" action. Idempotent per outcome: when an artefact
    already draws on it, that artefact is returned (curators can edit the asker's draft).
    """
    existing = Artefact.objects.filter(source_outcomes=outcome).order_by("id").first()
    if existing is not None:
        return existing
    prefill = artefact_prefill_from_outcome(outcome)
    # The anonymous asker's own draft stays anonymous (a curator's draft names the curator).
    anonymous = outcome.request.masks(author.pk, None)
    return artefact_create(
        community=outcome.community,
        author=author,
        note="Drafted from the reported outcome",
        anonymous=anonymous,
        now=now,
        **prefill,
    )


# --- the newcomer path --------------------------------------------------------------------------


@transaction.atomic
def path_add(*, community: Community, artefact: Artefact, actor: User, now: datetime | None = None) -> NewcomerPathItem:
    """Put a published artefact at the end of the "start here" list (once)."""
    _require_curator(community, actor)
    if artefact.community_id != community.pk:
        raise ValidationError("That artefact belongs to another community.")
    if not artefact.is_published:
        raise ValidationError("Only published learning can go on the newcomer path.")
    existing = NewcomerPathItem.objects.filter(community=community, artefact=artefact).first()
    if existing is not None:
        return existing
    last = NewcomerPathItem.objects.filter(community=community).aggregate(m=Max("position"))["m"]
    try:
        with transaction.atomic():
            return NewcomerPathItem.objects.create(
                community=community,
                artefact=artefact,
                position=0 if last is None else last + 1,
                added_by=actor,
                added_at=now or timezone.now(),
            )
    except IntegrityError:  # added by someone else a moment ago
        return NewcomerPathItem.objects.get(community=community, artefact=artefact)


@transaction.atomic
def path_remove(*, item: NewcomerPathItem, actor: User) -> None:
    _require_curator(item.community, actor)
    item.delete()


@transaction.atomic
def path_move(*, item: NewcomerPathItem, actor: User, direction: str) -> None:
    """Swap ``item`` with its neighbour above ("up") or below ("down"); positions are renumbered 0..n-1."""
    _require_curator(item.community, actor)
    items = list(NewcomerPathItem.objects.filter(community_id=item.community_id).order_by("position", "id"))
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, it in enumerate(items):
        if it.position != position:
            it.position = position
            it.save(update_fields=["position"])


@transaction.atomic
def path_mark_read(*, item: NewcomerPathItem, user: User, read: bool = True, now: datetime | None = None) -> bool:
    """A member ticks (or unticks) an item of the path as read; returns whether it is read now."""
    _require_member(item.community, user)
    if not read:
        NewcomerPathRead.objects.filter(item=item, user=user).delete()
        return False
    NewcomerPathRead.objects.get_or_create(item=item, user=user, defaults={"read_at": now or timezone.now()})
    return True


# --- the weekly digest -----------------------------------------------------------------------------


def digest_new_learning(*, user: User, communities: list[Community], since: datetime, now: datetime) -> dict | None:
    """The weekly digest's "newly published learning": artefacts published in the week (one query).

    One of ``practice.services.loops.DIGEST_SECTIONS``.
    """
    from communities.services.notify import absolute_url

    artefacts = list(
        Artefact.objects.filter(
            community__in=communities,
            status=Artefact.Status.PUBLISHED,
            published_at__gte=since,
            published_at__lte=now,
            hidden_at__isnull=True,  # hidden pending a privacy review: not sent out
        )
        .select_related("community")
        .order_by("-published_at", "-id")[:10]
    )
    if not artefacts:
        return None
    items = [
        {
            "title": a.title,
            "community": a.community.name,
            "summary": a.get_kind_display(),
            "url": absolute_url(a.get_absolute_url()),
        }
        for a in artefacts
    ]
    return {"key": "new_learning", "heading": "Newly published learning", "items": items}
