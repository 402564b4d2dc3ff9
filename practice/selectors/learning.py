"""Reads of captured learning: lists and search, the handbook, suggestions while asking, the newcomer
path and its progress, the dashboard figures and the "captured learning" metric (docs/metrics.md).

Every function costs a fixed number of queries, whatever the number of artefacts, tags or members.
Drafts are only ever returned to their authors and to core members, facilitators and sponsors
(``can_see_drafts``): every read that a member or a newcomer reaches goes through
:func:`visible_artefacts` or filters on ``status="published"`` itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from communities.models import Community, Membership, Tag, User
from practice.models import (
    ALL_TEXT_FIELDS,
    KIND_FIELDS,
    Artefact,
    ArtefactVersion,
    HelpRequest,
    NewcomerPathItem,
    NewcomerPathRead,
    Outcome,
)
from practice.selectors import search
from practice.selectors.requests import REQUEST_SEARCH_FIELDS

PUBLISHED = Artefact.Status.PUBLISHED
SEARCH_FIELDS: tuple[str, ...] = ("title", *ALL_TEXT_FIELDS)

# Words too common to say anything about a problem; the SQLite fallback of the suggestions skips
# them (PostgreSQL's english configuration has its own, longer list).
STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "had",
        "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on",
        "or", "our", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
        "to", "too", "us", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with",
        "would", "you", "your", "any", "anyone", "help", "need", "should", "about", "after", "before", "get",
    }
)  # fmt: skip

# --- "captured learning" dashboard thresholds ----------------------------------------------------

#: The window the warnings look at: requests posted and artefacts published in the last 90 days.
WARNING_WINDOW_DAYS = 90
#: "Mostly reactive": at least this many requests in the window …
REACTIVE_MIN_REQUESTS = 10
#: … and fewer artefacts published than this share of them (1 artefact per 10 requests).
REACTIVE_MAX_CAPTURE_RATIO = 0.10
#: "Too narrow": with at least this many tag uses on published artefacts …
NARROW_MIN_TAG_USES = 6
#: … the top this-many tags …
NARROW_TOP_TAGS = 2
#: … hold more than this share of all tag uses.
NARROW_MAX_SHARE = 0.60
#: Months shown in "artefacts per month" (this month included).
MONTHS_SHOWN = 6


# --- visibility ---------------------------------------------------------------------------------


def visible_artefacts(community: Community, user: User | None, *, can_see_drafts: bool) -> QuerySet[Artefact]:
    """Published artefacts, plus drafts the user may see: all of them for curators, their own otherwise."""
    qs = Artefact.objects.filter(community=community)
    if can_see_drafts:
        return qs
    if user is None or not user.is_authenticated:
        return qs.filter(status=PUBLISHED)
    mine = Exists(Artefact.authors.through.objects.filter(artefact_id=OuterRef("pk"), user_id=user.pk))
    return qs.filter(Q(status=PUBLISHED) | mine)


def listed_artefacts(
    community: Community, user: User | None, *, can_see_drafts: bool, show_hidden: bool = False
) -> QuerySet[Artefact]:
    """What lists and searches show: :func:`visible_artefacts` less those hidden pending a privacy review,
    unless the viewer moderates (facilitators and sponsors see them, marked)."""
    qs = visible_artefacts(community, user, can_see_drafts=can_see_drafts)
    return qs if show_hidden else qs.filter(hidden_at__isnull=True)


# --- search ------------------------------------------------------------------------------------


def artefact_search(qs: QuerySet[Artefact], text: str) -> QuerySet[Artefact]:
    """Every word must match: full-text with ranking on PostgreSQL; icontains over the fields elsewhere."""
    strong = ("question", "insight", "key_points")
    return search.search(
        qs,
        text,
        fields=SEARCH_FIELDS,
        weights=((("title",), "A"), (strong, "B"), (tuple(f for f in ALL_TEXT_FIELDS if f not in strong), "C")),
        order_by=("-published_at", "-id"),
    )


def artefact_list(
    *,
    community: Community,
    user: User,
    can_see_drafts: bool,
    kind: str = "",
    tag: Tag | None = None,
    search: str = "",
    drafts_only: bool = False,
    show_hidden: bool = False,
) -> QuerySet[Artefact]:
    """The list page (and its search): newest first, or by rank when searching on PostgreSQL."""
    qs = listed_artefacts(community, user, can_see_drafts=can_see_drafts, show_hidden=show_hidden)
    if kind in KIND_FIELDS:
        qs = qs.filter(kind=kind)
    if tag is not None:
        qs = qs.filter(tags=tag)
    if drafts_only:
        qs = qs.filter(status=Artefact.Status.DRAFT)
    qs = qs.prefetch_related("tags", "authors").order_by(Coalesce("published_at", "updated_at").desc(), "-id")
    return artefact_search(qs, search)


def artefact_detail(*, community: Community, pk: int, user: User, can_see_drafts: bool) -> Artefact | None:
    """One artefact the user may see, with tags, authors, sources and versions (a fixed number of queries)."""
    return (
        visible_artefacts(community, user, can_see_drafts=can_see_drafts)
        .filter(pk=pk)
        .select_related("created_by", "published_by")
        .prefetch_related(
            "tags",
            "authors",
            "source_requests",
            "source_advice__author",
            "source_advice__request",
            "source_outcomes__request",
            "versions__author",
        )
        .first()
    )


# --- versions ----------------------------------------------------------------------------------


@dataclass
class FieldChange:
    """One field that a version changed: its label, and the text as ("equal" | "delete" | "insert", words)."""

    label: str
    segments: list[tuple[str, str]]


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``old`` → ``new`` word by word (whitespace kept), as runs of kept, deleted and inserted text."""
    # Words with the spaces after them: a run of changed words reads as one change, not one per word.
    a, b = re.findall(r"\S+\s*|\s+", old), re.findall(r"\S+\s*|\s+", new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("insert", "".join(b[j1:j2])))
    return [(op, text) for op, text in out if text]


def version_changes(version: ArtefactVersion) -> tuple[ArtefactVersion | None, list[FieldChange]]:
    """The version before ``version`` and what ``version`` changed in its text (one query).

    Tags and sources are not versioned; a version that changed only those lists no change.
    """
    previous = (
        ArtefactVersion.objects.filter(artefact_id=version.artefact_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    if previous is None:
        return None, []
    pairs = [("Title", previous.title, version.title)] + [
        (label, previous.fields.get(name, ""), version.fields.get(name, ""))
        for name, label in KIND_FIELDS[version.kind]
    ]
    return previous, [FieldChange(label, word_diff(old, new)) for label, old, new in pairs if old != new]


# --- the handbook ------------------------------------------------------------------------------


@dataclass
class HandbookChapter:
    kind: str
    label: str
    artefacts: list[Artefact]


def handbook(
    *, community: Community, kind: str = "", tag: Tag | None = None, show_hidden: bool = False
) -> list[HandbookChapter]:
    """Published artefacts grouped by kind, in the order of :class:`Artefact.Kind` (three queries).

    All of them, or one kind's (a chapter), or those with one tag (a topic), or both.
    """
    qs = Artefact.objects.filter(community=community, status=PUBLISHED)
    if not show_hidden:
        qs = qs.filter(hidden_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if tag is not None:
        qs = qs.filter(tags=tag)
    artefacts = list(qs.prefetch_related("tags", "authors").order_by("title", "id"))
    chapters = []
    for kind, label in Artefact.Kind.choices:
        items = [a for a in artefacts if a.kind == kind]
        if items:
            chapters.append(HandbookChapter(kind=kind, label=label, artefacts=items))
    return chapters


# --- "don't ask twice": suggestions while writing a request ---------------------------------------


@dataclass
class Suggestions:
    artefacts: list[Artefact] = field(default_factory=list)
    requests: list[HelpRequest] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.artefacts or self.requests)


def request_suggestions(*, community: Community, text: str, limit: int = 5) -> Suggestions:
    """Published artefacts and concluded (resolved or closed) requests that match any word of ``text``.

    Best match first. Drafts, hidden requests and withdrawn requests are never suggested. Two queries.
    """
    terms = search.terms(text, stopwords=STOPWORDS)
    if not terms:
        return Suggestions()
    artefacts = Artefact.objects.filter(community=community, status=PUBLISHED, hidden_at__isnull=True)
    requests = HelpRequest.objects.filter(
        community=community,
        status__in=(HelpRequest.Status.RESOLVED, HelpRequest.Status.CLOSED),
        hidden_at__isnull=True,
    )
    artefacts = search.search_any(artefacts, terms, fields=SEARCH_FIELDS)
    requests = search.search_any(requests, terms, fields=REQUEST_SEARCH_FIELDS)
    return Suggestions(
        artefacts=list(artefacts.order_by(*artefacts.query.order_by, "-published_at", "-id")[:limit]),
        requests=list(requests.order_by(*requests.query.order_by, "-concluded_at", "-id")[:limit]),
    )


# --- the newcomer path ---------------------------------------------------------------------------


def newcomer_path(*, community: Community, user: User | None, show_hidden: bool = False) -> list[NewcomerPathItem]:
    """The "start here" list in order, published artefacts only, each with ``is_read`` for ``user`` (one query)."""
    qs = (
        NewcomerPathItem.objects.filter(community=community, artefact__status=PUBLISHED)
        .filter(Q() if show_hidden else Q(artefact__hidden_at__isnull=True))
        .select_related("artefact")
        .order_by("position", "id")
    )
    if user is not None and user.is_authenticated:
        qs = qs.annotate(is_read=Exists(NewcomerPathRead.objects.filter(item=OuterRef("pk"), user=user)))
    else:
        qs = qs.annotate(is_read=Value(False))
    return list(qs)


@dataclass
class NewcomerProgress:
    """How far one newcomer got: only their name, when they joined and the count — nothing else."""

    name: str
    joined_at: datetime
    read: int


def newcomer_progress(*, community: Community, now: datetime | None = None) -> tuple[int, list[NewcomerProgress]]:
    """(items on the path, per newcomer who joined in the last 30 days: items read). Two queries."""
    now = now or timezone.now()
    on_path = Q(artefact__status=PUBLISHED)
    total = NewcomerPathItem.objects.filter(on_path, community=community).count()
    newcomers = (
        Membership.objects.newcomers(now=now)
        .filter(community=community)
        .select_related("user")
        .annotate(
            read=Count(
                "user__path_reads",
                filter=Q(
                    user__path_reads__item__community=community,
                    user__path_reads__item__artefact__status=PUBLISHED,
                ),
            )
        )
        .order_by("joined_at", "id")
    )
    return total, [NewcomerProgress(name=m.user.name, joined_at=m.joined_at, read=m.read) for m in newcomers]


# --- captured learning (docs/metrics.md) -----------------------------------------------------------


def _published_source_of_outcome() -> Q:
    """An outcome counts as captured when a published artefact names it, or its request, as a source."""
    by_outcome = Exists(
        Artefact.source_outcomes.through.objects.filter(outcome_id=OuterRef("pk"), artefact__status=PUBLISHED)
    )
    by_request = Exists(
        Artefact.source_requests.through.objects.filter(
            helprequest_id=OuterRef("request_id"), artefact__status=PUBLISHED
        )
    )
    return Q(by_outcome) | Q(by_request)


@dataclass
class CapturedLearning:
    """Closed loops in a period and how many of them produced learning."""

    closed_loops: int
    captured: int

    @property
    def share(self) -> float | None:
        return self.captured / self.closed_loops if self.closed_loops else None


def captured_learning(
    *, community: Community, since: datetime | None = None, until: datetime | None = None
) -> CapturedLearning:
    """**Captured learning** (docs/metrics.md), the share part: of the loops closed in [since, until) —
    outcomes recorded in the period — how many were captured, i.e. a *published* artefact lists the
    outcome or its help request among its sources (whenever that artefact was published: a loop
    closed in March and written up in May counts for March). Drafts do not count: learning is
    captured when the community can read it. One query.
    """
    qs = Outcome.objects.filter(community=community)
    if since is not None:
        qs = qs.filter(recorded_at__gte=since)
    if until is not None:
        qs = qs.filter(recorded_at__lt=until)
    figures = qs.aggregate(closed=Count("id"), captured=Count("id", filter=_published_source_of_outcome()))
    return CapturedLearning(closed_loops=figures["closed"], captured=figures["captured"])


def request_captured_annotations() -> dict[str, Exists]:
    """For a HelpRequest queryset: ``captured_thread`` / ``captured_outcome`` — a *published* artefact
    lists the request, or its outcome, as a source. A request is captured when either is true."""
    return {
        "captured_thread": Exists(
            Artefact.source_requests.through.objects.filter(helprequest_id=OuterRef("pk"), artefact__status=PUBLISHED)
        ),
        "captured_outcome": Exists(
            Artefact.source_outcomes.through.objects.filter(
                outcome__request_id=OuterRef("pk"), artefact__status=PUBLISHED
            )
        ),
    }


CAPTURED = Q(captured_thread=True) | Q(captured_outcome=True)


def artefacts_per_month(
    *, community: Community, months: int = MONTHS_SHOWN, now: datetime | None = None
) -> list[tuple[datetime, int]]:
    """Artefacts published per calendar month, the last ``months`` months (empty months as 0). One query."""
    now = timezone.localtime(now or timezone.now())
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _ in range(months - 1):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    rows = (
        Artefact.objects.filter(community=community, status=PUBLISHED, published_at__gte=starts[0])
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    counts = {timezone.localtime(r["month"]).date() if isinstance(r["month"], datetime) else r["month"]: r["n"]
              for r in rows}  # fmt: skip
    return [(start, counts.get(start.date(), 0)) for start in starts]


@dataclass
class LearningHealth:
    per_month: list[tuple[datetime, int]]
    total_published: int
    drafts: int
    captured: CapturedLearning
    window_days: int
    window_requests: int
    window_published: int
    top_tags: list[tuple[str, int]]
    tag_uses: int
    mostly_reactive: bool
    too_narrow: bool

    @property
    def top_share(self) -> float | None:
        return sum(n for _, n in self.top_tags[:NARROW_TOP_TAGS]) / self.tag_uses if self.tag_uses else None


def learning_health(*, community: Community, now: datetime | None = None) -> LearningHealth:
    """The dashboard's learning figures and its two warnings (five queries).

    *Mostly reactive*: at least :data:`REACTIVE_MIN_REQUESTS` requests in the last
    :data:`WARNING_WINDOW_DAYS` days, but fewer artefacts published in that window than
    :data:`REACTIVE_MAX_CAPTURE_RATIO` of them — the community answers questions and moves on.
    *Too narrow*: with at least :data:`NARROW_MIN_TAG_USES` tag uses on published artefacts, the top
    :data:`NARROW_TOP_TAGS` tags hold more than :data:`NARROW_MAX_SHARE` of them.
    """
    now = now or timezone.now()
    since = now - timedelta(days=WARNING_WINDOW_DAYS)
    counts = Artefact.objects.filter(community=community).aggregate(
        published=Count("id", filter=Q(status=PUBLISHED)),
        drafts=Count("id", filter=Q(status=Artefact.Status.DRAFT)),
        recent=Count("id", filter=Q(status=PUBLISHED, published_at__gte=since)),
    )
    window_requests = HelpRequest.objects.filter(
        community=community, created_at__gte=since, hidden_at__isnull=True
    ).count()
    tags = list(
        Tag.objects.filter(community=community)
        .annotate(n=Count("artefacts", filter=Q(artefacts__status=PUBLISHED)))
        .filter(n__gt=0)
        .order_by("-n", "name")
        .values_list("name", "n")
    )
    tag_uses = sum(n for _, n in tags)
    top = sum(n for _, n in tags[:NARROW_TOP_TAGS])
    return LearningHealth(
        per_month=artefacts_per_month(community=community, now=now),
        total_published=counts["published"],
        drafts=counts["drafts"],
        captured=captured_learning(community=community),
        window_days=WARNING_WINDOW_DAYS,
        window_requests=window_requests,
        window_published=counts["recent"],
        top_tags=tags[:5],
        tag_uses=tag_uses,
        mostly_reactive=window_requests >= REACTIVE_MIN_REQUESTS
        and counts["recent"] < REACTIVE_MAX_CAPTURE_RATIO * window_requests,
        too_narrow=tag_uses >= NARROW_MIN_TAG_USES and top > NARROW_MAX_SHARE * tag_uses,
    )
