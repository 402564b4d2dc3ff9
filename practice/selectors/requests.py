"""Reads of the practice app: request lists and search, the request page, practice health.

Every function costs a fixed number of queries, whatever the number of requests or advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from communities.models import Community, Tag, User
from practice.models import Advice, AdviceResponse, DiscussionComment, HelpRequest, Kudos
from practice.selectors import search

AGENDA_DAYS = 90
HEALTH_DAYS = 90

FILTERS = {
    "all": "All",
    "open": "Open",
    "unanswered": "Unanswered",
    "overdue": "Overdue",
    "follow-up": "Awaiting follow-up",
    "closed": "Closed",
    "mine": "Mine",
}


# --- lists and search ------------------------------------------------------------------------


def _advice_count() -> Coalesce:
    """Visible advice of each request, as a correlated subquery: PostgreSQL evaluates it for the rows
    a page shows (top-N on the activity index), where a JOIN + GROUP BY aggregates every request first."""
    visible = Advice.objects.filter(request=OuterRef("pk"), hidden_at__isnull=True).order_by().values("request")
    return Coalesce(Subquery(visible.annotate(n=Count("pk")).values("n")), 0)


def _has_try() -> Exists:
    return Exists(AdviceResponse.objects.filter(request=OuterRef("pk"), kind=AdviceResponse.Kind.TRY))


def request_filter(qs: QuerySet[HelpRequest], name: str, *, user: User, now: datetime) -> QuerySet[HelpRequest]:
    """Apply one of :data:`FILTERS` to a request queryset."""
    if name == "open":
        return qs.filter(status__in=HelpRequest.ACTIVE)
    if name == "unanswered":
        return qs.filter(status=HelpRequest.Status.OPEN)
    if name == "overdue":
        return qs.filter(status=HelpRequest.Status.OPEN, first_response_at__isnull=True, response_due_at__lte=now)
    if name == "follow-up":
        # "Advice taken, outcome not reported yet".
        return qs.filter(_has_try(), outcome__isnull=True).exclude(status=HelpRequest.Status.WITHDRAWN)
    if name == "closed":
        return qs.filter(status__in=HelpRequest.CONCLUDED)
    if name == "mine":
        return qs.filter(author=user)
    return qs


REQUEST_SEARCH_FIELDS: tuple[str, ...] = ("title", "situation", "tried")


def request_search(qs: QuerySet[HelpRequest], text: str) -> QuerySet[HelpRequest]:
    """Full-text search with ranking on PostgreSQL; every word as icontains elsewhere (SQLite)."""
    return search.search(
        qs,
        text,
        fields=REQUEST_SEARCH_FIELDS,
        weights=((("title",), "A"), (("situation", "tried"), "B")),
        order_by=("-last_activity_at", "-id"),
    )


def request_list(
    *,
    community: Community,
    user: User,
    show_hidden: bool,
    filter_name: str = "all",
    tag: Tag | None = None,
    search: str = "",
    now: datetime | None = None,
) -> QuerySet[HelpRequest]:
    """The requests of ``community`` for the list page, most recent activity first."""
    now = now or timezone.now()
    qs = HelpRequest.objects.filter(community=community)
    if not show_hidden:
        qs = qs.filter(hidden_at__isnull=True)
    qs = request_filter(qs, filter_name, user=user, now=now)
    if tag is not None:
        qs = qs.filter(tags=tag)
    qs = (
        qs.select_related("author")
        .prefetch_related("tags")
        .annotate(
            advice_count=_advice_count(),
            has_try=_has_try(),
        )
        .order_by("-last_activity_at", "-id")
    )
    return request_search(qs, search)


# --- the request page ------------------------------------------------------------------------


def request_detail(*, community: Community, pk: int, user: User) -> HelpRequest | None:
    """One request with its tags, advice, responses, discussions and kudos (a fixed number of queries).

    Each advice carries ``kudos_count``, ``my_kudos``, ``responses_by_kind``, ``visible_comments``, and
    ``stance`` / ``earlier_stances``: the asker's latest "try"/"discuss" response and the ones before it.
    """
    comments = DiscussionComment.objects.select_related("author").order_by("created_at", "id")
    advice = (
        Advice.objects.select_related("author", "session__community")
        .annotate(
            kudos_count=Count("kudos", distinct=True),
            my_kudos=Exists(Kudos.objects.filter(advice=OuterRef("pk"), user=user)),
        )
        .prefetch_related(
            Prefetch("responses", queryset=AdviceResponse.objects.order_by("created_at", "id")),
            Prefetch("comments", queryset=comments),
        )
        .order_by("created_at", "id")
    )
    help_request = (
        HelpRequest.objects.filter(community=community, pk=pk)
        .select_related("author", "hidden_by")
        .prefetch_related("tags", Prefetch("advice", queryset=advice))
        .first()
    )
    if help_request is None:
        return None
    for item in help_request.advice.all():
        item.responses_by_kind = {r.kind: r for r in item.responses.all()}
        # "I'll try this" and "I see it differently" are stances: the latest one holds, earlier ones are history.
        stances = [r for r in item.responses.all() if r.kind != AdviceResponse.Kind.THANKS]
        item.stance = stances[-1] if stances else None
        item.earlier_stances = stances[-2::-1]
    return help_request


# --- practice health (dashboard) and the home section ------------------------------------


@dataclass
class AgendaItem:
    tag: Tag
    requests: int
    unanswered: int


@dataclass
class PracticeHealth:
    period_days: int
    median_first_response: timedelta | None
    responded: int  # requests of the period that got a first response
    within: int  # … within the commitment
    missed: int  # late first responses plus requests still open past their due time
    open: int
    unanswered: int
    overdue: int
    agenda: list[AgendaItem] = field(default_factory=list)

    @property
    def within_share(self) -> float | None:
        total = self.within + self.missed
        return self.within / total if total else None


class _Median(Aggregate):
    """PostgreSQL's continuous median: the middle value, or the mean of the two middle values."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _median_first_response(community: Community, since: datetime) -> timedelta | None:
    """The median of (first response − posted) over the period's answered requests, in one query."""
    qs = HelpRequest.objects.filter(
        community=community, created_at__gte=since, first_response_at__isnull=False, hidden_at__isnull=True
    )
    wait = ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        return qs.aggregate(median=_Median(wait))["median"]
    # SQLite has no ordered-set aggregates: number the rows by wait, keep the middle one or two.
    middle = list(
        qs.annotate(wait=wait)
        .annotate(
            position=Window(RowNumber(), order_by=[F("wait").asc(), F("id").asc()]),
            total=Window(Count("id")),
        )
        .filter(Q(position=(F("total") + 1) / 2) | Q(position=(F("total") + 2) / 2))
        .values_list("wait", flat=True)
    )
    if not middle:
        return None
    return sum(middle, timedelta()) / len(middle)


def practice_health(*, community: Community, now: datetime | None = None) -> PracticeHealth:
    """The dashboard's practice figures (docs/metrics.md), in four queries.

    The open requests are counted on their own (an index-only scan of ``helprequest_visible_status``),
    the period's on the period's rows (``helprequest_created``): neither reads the whole community.
    """
    now = now or timezone.now()
    since = now - timedelta(days=HEALTH_DAYS)
    visible = HelpRequest.objects.filter(community=community, hidden_at__isnull=True)
    waiting = Q(status=HelpRequest.Status.OPEN, first_response_at__isnull=True)
    overdue = waiting & Q(response_due_at__lte=now)
    # Counting "status", not "id": every column read is in the index, so the table itself is not.
    figures = visible.filter(status__in=HelpRequest.ACTIVE).aggregate(
        open=Count("status"),
        unanswered=Count("status", filter=waiting),
        overdue=Count("status", filter=overdue),
    )
    figures |= visible.filter(created_at__gte=since).aggregate(
        responded=Count("id", filter=Q(first_response_at__isnull=False)),
        within=Count("id", filter=Q(first_response_at__lte=F("response_due_at"))),
        missed=Count("id", filter=Q(first_response_at__gt=F("response_due_at")) | overdue),
    )
    agenda_since = now - timedelta(days=AGENDA_DAYS)
    # From the request-tag links of the period's requests (index on created_at), not from every tag's requests.
    links = HelpRequest.tags.through.objects.filter(
        helprequest__community=community, helprequest__created_at__gte=agenda_since, helprequest__hidden_at__isnull=True
    )
    unanswered_link = Q(helprequest__status=HelpRequest.Status.OPEN, helprequest__first_response_at__isnull=True)
    agenda = [
        AgendaItem(
            tag=Tag(pk=row["tag_id"], community=community, name=row["tag__name"], slug=row["tag__slug"]),
            requests=row["demand"],
            unanswered=row["unanswered"],
        )
        for row in links.values("tag_id", "tag__name", "tag__slug")
        .annotate(demand=Count("pk"), unanswered=Count("pk", filter=unanswered_link))
        .order_by("-demand", "-unanswered", "tag__name")[:12]
    ]
    return PracticeHealth(
        period_days=HEALTH_DAYS,
        median_first_response=_median_first_response(community, since),
        agenda=agenda,
        **figures,
    )


def open_requests_recent(*, community: Community, limit: int = 5) -> list[HelpRequest]:
    """The community's most recently active open requests (home page), in one query."""
    return list(
        HelpRequest.objects.filter(community=community, status__in=HelpRequest.ACTIVE, hidden_at__isnull=True)
        .select_related("author")
        .annotate(advice_count=_advice_count())
        .order_by("-last_activity_at", "-id")[:limit]
    )


# --- the value funnel (learning loops; also read by the value report) -------------------------


def value_funnel(community: Community, *, since: datetime | None = None, until: datetime | None = None) -> dict:
    """asked → answered → advice taken → outcome reported → captured as learning, in one query.

    Counts the community's requests (not hidden) posted in [since, until): *asked* all of them,
    *answered* those with a first response, *advice taken* those with an "I'll try this",
    *outcome reported* those whose asker reported a closing outcome. *captured* (docs/metrics.md,
    "captured learning": the share of closed loops that produced an artefact) counts the requests
    with an outcome reported whose outcome or thread produced learning: a *published* artefact lists
    the outcome or the request among its sources (a case story from the loop, a thread summary).
    Drafts do not count, and a summary of a thread without a closed loop is not a captured loop, so
    every step stays a subset of the one before.
    """
    from practice.models import Outcome
    from practice.selectors.learning import CAPTURED, request_captured_annotations

    period = Q()
    if since is not None:
        period &= Q(created_at__gte=since)
    if until is not None:
        period &= Q(created_at__lt=until)
    qs = HelpRequest.objects.filter(period, community=community, hidden_at__isnull=True)
    # "IN (the period's requests with a try / an outcome)": PostgreSQL hashes each list once, where an
    # EXISTS per request probes an index twelve thousand times in a 90-day window of a large community.
    took = AdviceResponse.objects.filter(
        kind=AdviceResponse.Kind.TRY, request__in=HelpRequest.objects.filter(period, community=community)
    )
    reported = Q(pk__in=Outcome.objects.filter(community=community).values("request_id"))
    return qs.annotate(**request_captured_annotations()).aggregate(
        asked=Count("id"),
        answered=Count("id", filter=Q(first_response_at__isnull=False)),
        advice_taken=Count("id", filter=Q(pk__in=took.values("request_id"))),
        outcome_reported=Count("id", filter=reported),
        captured=Count("id", filter=reported & CAPTURED),
    )


FUNNEL_STEPS = (
    ("asked", "Asked"),
    ("answered", "Answered"),
    ("advice_taken", "Advice taken"),
    ("outcome_reported", "Outcome reported"),
    ("captured", "Captured as learning"),
)


def funnel_steps(funnel: dict) -> list[dict]:
    """The funnel as rows for a table or chart: label, count (None → "—"), share of the step before."""
    rows, previous = [], None
    for key, label in FUNNEL_STEPS:
        count = funnel.get(key)
        share = count / previous if count is not None and previous else None
        rows.append({"key": key, "label": label, "count": count, "share": share})
        if count is not None:
            previous = count
    return rows
