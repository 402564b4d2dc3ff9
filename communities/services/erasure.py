"""Erasing an account's personal data, driven by the registry in communities/personal_data.py."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import reduce

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.html import escape

from childsys.lib.markdown import markdown_excerpt, markdown_to_text
from communities import contributions
from communities.models import (
    DIGESTS,
    ActivityLog,
    Community,
    Membership,
    Notification,
    Objective,
    OutboundEmail,
    Role,
    User,
    VisionComment,
    VisionDraft,
    VisionStance,
)
from communities.personal_data import REGISTRY, Erase
from communities.services import copies

FORMER_MEMBER = "Former member"


@transaction.atomic
def account_erase(*, user: User) -> None:
    """Delete the person's own rows, keep contributions under "Former member", scrub the account row."""
    names = _identifiers(user)
    for holding in REGISTRY:
        if holding.erase is Erase.DELETE:
            apps.get_model(holding.model).objects.filter(**{holding.field: user}).delete()
    if names is not None:
        rewrite = _former_member(names)
        copies.rewrite_rows(ActivityLog.objects.filter(actor=user), ("summary",), words=names.words, rewrite=rewrite)
        copies.rewrite_copies(_COPIES, words=names.words, rewrite=rewrite)
    for session in Session.objects.all().iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    user.email = f"former-member-{user.pk}@erased.invalid"
    user.display_name = FORMER_MEMBER
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()


# Rows written for other people that may carry a copy of the person's name or address: what the
# portal told others ("Zelda asked for help"), and emails to others that quote them.
_COPIES = {
    Notification: ("title", "body"),
    OutboundEmail: ("to", "subject", "body_text", "body_html", "headers", "alternatives", "context"),
}


def _identifiers(user: User) -> _Words | None:
    """The person's name and address as one pattern of whole words; the address's local part too when it is
    distinctive ("zelda.unique", "jsmith2"), not a plain word that other text uses ("member")."""
    local = user.email.split("@")[0]
    parts = [user.display_name, user.email] + ([local] if re.search(r"[^A-Za-z]", local) else [])
    parts = sorted({p for p in parts if p and p != FORMER_MEMBER}, key=len, reverse=True)
    return _Words(parts) if parts else None


class _Words:
    """Whole-word matches of a few strings: ``sub`` like a compiled pattern, ``words`` for a database pre-filter."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self._pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words))

    def sub(self, replacement: str, text: str) -> str:
        return self._pattern.sub(replacement, text)


def _former_member(names: _Words):
    def rewrite(text: str) -> str:
        return names.sub(FORMER_MEMBER, text)

    return rewrite


class SoleSponsor(Exception):
    """The account is the only sponsor of these communities: someone must take the role over first."""

    def __init__(self, communities: list) -> None:
        super().__init__(", ".join(c.name for c in communities))
        self.communities = communities


def sole_sponsor_communities(*, user: User) -> list:
    """The communities in which ``user`` is the only active sponsor (their deletion would orphan them)."""
    mine = Membership.objects.filter(user=user, role=Role.SPONSOR).values("community_id")
    others = (
        Membership.objects.filter(role=Role.SPONSOR, user__is_active=True).exclude(user=user).values("community_id")
    )
    return list(Community.objects.filter(pk__in=mine).exclude(pk__in=others).order_by("name"))


@transaction.atomic
def account_delete(*, user: User, remove_contributions: bool = False) -> None:
    """The member's own deletion: refused while they are a community's only sponsor, else ``account_erase``;
    with ``remove_contributions``, what they wrote that nobody else's posts depend on is removed first."""
    blocked = sole_sponsor_communities(user=user)
    if blocked:
        raise SoleSponsor(blocked)
    if remove_contributions:
        contributions_remove(user=user)
    account_erase(user=user)


# --- Removing what a person wrote, where nobody else's content depends on it ---------------------------


@dataclass(frozen=True)
class RemovalCount:
    what: str
    kept_when: str
    removed: int
    kept: int


def _split(kind: contributions.Contribution, user: User) -> tuple[QuerySet, QuerySet]:
    written = kind.written(user)
    kept = kind.depended_on(written, user)
    return written.exclude(pk__in=kept.values("pk")), kept


def contributions_removal_plan(*, user: User) -> list[RemovalCount]:
    """Per kind the person wrote, how many rows removing their contributions would delete and how many stay."""
    counts = []
    for kind in contributions.kinds():
        removable, kept = _split(kind, user)
        counts.append(RemovalCount(kind.what, kind.kept_when, removable.count(), kept.count()))
    return counts


@transaction.atomic
def contributions_remove(*, user: User) -> int:
    """Delete, kind by kind, what ``user`` wrote that nobody else's content depends on, with its copies.

    Which rows others depend on is decided for every kind before anything is removed: a kind's rule only
    counts other people's content, so removing the person's own rows never changes another kind's answer.
    """
    plans = [(kind, list(_split(kind, user)[0])) for kind in contributions.kinds()]
    for kind, rows in plans:
        if rows:
            kind.remove(rows)
    return sum(len(rows) for _kind, rows in plans)


REMOVED_MARK = "[removed]"
# Shorter texts are not searched for in other rows: they would match ordinary words.
MIN_QUOTE = 8


def quotes_of(*texts: str) -> list[str]:
    """The ways other rows may quote a removed post's text: whole, as plain text, as a notification's
    excerpt, and line by line."""
    found: set[str] = set()
    for text in texts:
        if not text:
            continue
        plain = markdown_to_text(text)
        found |= {text.strip(), plain.strip(), markdown_excerpt(text, 60), markdown_excerpt(text, 40)}
        found |= {line.strip() for line in (text + "\n" + plain).splitlines()}
    found |= {escape(q) for q in found}  # as an HTML email quotes it
    return sorted((q for q in found if len(q) >= MIN_QUOTE), key=len, reverse=True)


def _links_to(text: str, link: str) -> bool:
    """Whether ``text`` holds ``link`` as a whole link ("#advice-3" is not a link to "#advice-34")."""
    return re.search(re.escape(link) + r"(?![\w-])", text) is not None


@transaction.atomic
def copies_remove(*, links: list[str], quotes: list[str]) -> None:
    """Copies of removed posts: notifications and emails that link to one are deleted; a digest (many
    people's posts in one email) and the activity log keep their row with the quoted text replaced."""
    links = [link for link in links if link]
    if links:
        linking = reduce(operator.or_, (Q(url__startswith=link) for link in links))
        doomed = [n.pk for n in Notification.objects.filter(linking) if any(_links_to(n.url, k) for k in links)]
        Notification.objects.filter(pk__in=doomed).delete()
        texts = {f"_{f}_text": Cast(f, TextField()) for f in ("body_text", "body_html", "context")}
        emails = (
            OutboundEmail.objects.annotate(**texts)
            .filter(reduce(operator.or_, (Q(**{f"{t}__contains": k}) for t in texts for k in links)))
            .exclude(category__in=DIGESTS)
        )
        doomed = [e.pk for e in emails.iterator() if any(_links_to(getattr(e, t), k) for t in texts for k in links)]
        OutboundEmail.objects.filter(pk__in=doomed).delete()
    if not quotes:
        return

    def without(text: str) -> str:
        for quote in quotes:
            text = text.replace(quote, REMOVED_MARK)
        return text

    copies.rewrite_copies(
        {
            Notification: ("title", "body"),
            OutboundEmail: ("subject", "body_text", "body_html", "context", "alternatives"),
            ActivityLog: ("summary",),
        },
        words=quotes,
        rewrite=without,
    )


# The kinds communities holds: vision drafts and their comments (registered in CommunitiesConfig.ready).


def _others(queryset: QuerySet, user: User, field: str = "author") -> QuerySet:
    return queryset.exclude(**{field: user})  # NULL (an erased author) is someone else too


def _drafts_written(user: User) -> QuerySet:
    return VisionDraft.objects.filter(author=user)


def _drafts_depended_on(drafts: QuerySet, user: User) -> QuerySet:
    """Adopted (the community's vision, now or once), linked from an objective, or with others' stances or
    comments."""
    return drafts.filter(
        Q(status=VisionDraft.Status.ADOPTED)
        | Exists(Objective.objects.filter(vision=OuterRef("pk")))
        | Exists(_others(VisionStance.objects.filter(draft=OuterRef("pk")), user, "user"))
        | Exists(_others(VisionComment.objects.filter(draft=OuterRef("pk")), user))
    )


def _drafts_remove(drafts: list[VisionDraft]) -> None:
    links = [d.get_absolute_url() for d in drafts]
    quotes = quotes_of(*(t for d in drafts for t in (d.title, d.text)))
    VisionDraft.objects.filter(pk__in=[d.pk for d in drafts]).delete()
    copies_remove(links=links, quotes=quotes)


def _vision_comments_written(user: User) -> QuerySet:
    return VisionComment.objects.filter(author=user)


def _vision_comments_depended_on(comments: QuerySet, user: User) -> QuerySet:
    """A later comment by someone else on the same draft (a thread's replies follow what they answer)."""
    later = VisionComment.objects.filter(draft=OuterRef("draft"), created_at__gt=OuterRef("created_at"))
    return comments.filter(Exists(_others(later, user)))


def _vision_comments_remove(comments: list[VisionComment]) -> None:
    quotes = quotes_of(*(c.text for c in comments))
    VisionComment.objects.filter(pk__in=[c.pk for c in comments]).delete()
    copies_remove(links=[], quotes=quotes)


DIRECTION_CONTRIBUTIONS = (
    contributions.Contribution(
        "Vision drafts",
        "it was adopted, an objective follows it, or others took a stance or commented on it",
        _drafts_written,
        _drafts_depended_on,
        _drafts_remove,
    ),
    contributions.Contribution(
        "Comments on vision drafts",
        "someone else commented on the draft after you",
        _vision_comments_written,
        _vision_comments_depended_on,
        _vision_comments_remove,
    ),
)
