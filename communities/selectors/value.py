"""The sponsor's value report: its period, its figures, and the parts that live in ``communities``.

A report covers a *period* of calendar days in the community's time zone, turned into a half-open
interval ``[start, end)`` of UTC instants for the queries, and compares it with the period of the
same length just before (see :func:`report_period`). Sections of the page come from both apps
(``communities.sections.register("value", …)``); each returns figures as :class:`Figure` rows, so
the page, the CSV export and the monthly email show the same numbers.

This module computes the parts ``communities`` owns — objectives, vibrancy movement and
participation — each in a fixed number of SQL queries, whatever the community's size.
Participation reads contributions from both apps through :func:`contribution_source`, so
``communities`` never imports ``practice``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from communities.models import (
    Community,
    Dimension,
    FocusDimension,
    InquiryContribution,
    Membership,
    Objective,
    VibrancyRound,
    VibrancyScore,
    VisionComment,
    VisionDraft,
    VisionStance,
)
from communities.selectors.vibrancy import DimensionFigures, Stat, round_statistics

# --- The period -------------------------------------------------------------------------------

QUARTER, MONTH, YEAR, CUSTOM = "quarter", "month", "12m", "custom"
PRESETS = {
    QUARTER: "Last full quarter",
    MONTH: "Last full month",
    YEAR: "Last 12 months",
    CUSTOM: "Chosen dates",
}
DEFAULT_PRESET = QUARTER
MAX_CUSTOM_DAYS = 3 * 366


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant (in UTC) a local calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after (or before) the month of ``day``."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Span:
    """Local calendar days ``first_day`` … ``last_day`` (inclusive) as UTC instants ``[start, end)``."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime

    @classmethod
    def of_days(cls, first_day: date, last_day: date, tz: ZoneInfo) -> Span:
        return cls(first_day, last_day, local_midnight(first_day, tz), local_midnight(last_day + timedelta(days=1), tz))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def label(self) -> str:
        first, last = self.first_day, self.last_day
        if first == last:
            return f"{first.day} {first:%b %Y}"
        if first.year == last.year:
            return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class ReportPeriod:
    """The period a report covers, the one before it to compare with, and the moment it is drawn up."""

    preset: str
    current: Span
    previous: Span
    tz: ZoneInfo
    now: datetime

    @property
    def start(self) -> datetime:
        return self.current.start

    @property
    def end(self) -> datetime:
        return self.current.end

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    @property
    def is_complete(self) -> bool:
        """False while the period still runs (a chosen range that includes today)."""
        return self.now >= self.current.end

    @property
    def title(self) -> str:
        first = self.current.first_day
        if self.preset == QUARTER:
            return f"Q{(first.month - 1) // 3 + 1} {first.year}"
        if self.preset == MONTH:
            return f"{first:%B %Y}"
        return self.current.label

    def query_params(self) -> dict[str, str]:
        """The URL parameters that select this period again (for links, the CSV and the email)."""
        if self.preset == CUSTOM:
            last = self.current.last_day
            return {"period": CUSTOM, "from": self.current.first_day.isoformat(), "to": last.isoformat()}
        return {"period": self.preset}


def report_period(
    community: Community,
    *,
    preset: str = DEFAULT_PRESET,
    first_day: date | None = None,
    last_day: date | None = None,
    now: datetime | None = None,
) -> ReportPeriod:
    """The period for a preset (relative to today in the community's time zone) or chosen dates.

    Presets compare with the calendar unit just before (the quarter before the last full quarter,
    the month before the last full month, the twelve months before the last twelve); chosen dates
    compare with the same number of days just before. "Last 12 months" means the twelve full
    calendar months before the current one.
    """
    now = now or timezone.now()
    tz = community.tzinfo
    today = now.astimezone(tz).date()
    this_month = today.replace(day=1)
    if preset == CUSTOM:
        if first_day is None or last_day is None or last_day < first_day:
            raise ValueError("a chosen period needs a first day on or before its last day")
        current = Span.of_days(first_day, last_day, tz)
        previous = Span.of_days(first_day - timedelta(days=current.days), first_day - timedelta(days=1), tz)
        return ReportPeriod(CUSTOM, current, previous, tz, now)
    months = {QUARTER: 3, MONTH: 1, YEAR: 12}.get(preset)
    if months is None:
        raise ValueError(f"unknown period {preset!r}")
    end_first = this_month.replace(month=(this_month.month - 1) // 3 * 3 + 1) if preset == QUARTER else this_month
    start_first = add_months(end_first, -months)
    before_first = add_months(end_first, -2 * months)
    day = timedelta(days=1)
    current = Span.of_days(start_first, end_first - day, tz)
    previous = Span.of_days(before_first, start_first - day, tz)
    return ReportPeriod(preset, current, previous, tz, now)


# --- Figures ----------------------------------------------------------------------------------

COUNT, SHARE, DURATION, NUMBER = "count", "share", "duration", "number"
UP, DOWN = "up", "down"

Value = int | float | timedelta | None


def format_value(value: Value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == SHARE:
        return f"{round(float(value) * 100)}%"
    if kind == DURATION:
        minutes = int(value.total_seconds() // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        if days:
            return f"{days} d {hours} h" if hours else f"{days} d"
        if hours:
            return f"{hours} h {minutes} min" if minutes else f"{hours} h"
        return f"{minutes} min"
    if kind == NUMBER:
        return f"{float(value):.1f}"
    return str(value)


@dataclass(frozen=True)
class Figure:
    """One figure of the report for the period and the period before.

    ``better`` says which direction is good news ("up", "down", or None when neither is), so the
    change can be described in words — "up 3 from 5" — and not by colour alone.
    """

    key: str
    label: str
    value: Value
    previous: Value = None
    kind: str = COUNT
    better: str | None = UP
    note: str = ""
    compare: bool = True  # False for a state "as of today", which has no figure for the period before

    @property
    def display(self) -> str:
        return format_value(self.value, self.kind)

    @property
    def previous_display(self) -> str:
        return format_value(self.previous, self.kind)

    @property
    def delta(self) -> int | float | timedelta | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def direction(self) -> str | None:
        """Up, down or the same ("up", "down", "same"); None when either side is missing."""
        delta = self.delta
        if delta is None:
            return None
        zero = timedelta() if isinstance(delta, timedelta) else 0
        if self.kind in (SHARE, NUMBER):
            delta = round(delta, 3)
        return "same" if delta == zero else (UP if delta > zero else DOWN)

    @property
    def arrow(self) -> str:
        return {UP: "▲", DOWN: "▼", "same": "="}.get(self.direction or "", "")

    @property
    def is_better(self) -> bool | None:
        if self.direction in (None, "same") or self.better is None:
            return None
        return self.direction == self.better

    @property
    def change(self) -> str:
        """The change in words, e.g. "up 3 from 5", "down 12 points from 60%", "no change"."""
        if not self.compare:
            return "today's state (not compared)"
        direction = self.direction
        if direction is None:
            return "no earlier figure" if self.previous is None else "no figure for this period"
        if direction == "same":
            return f"no change from {self.previous_display}"
        delta = abs(self.delta)
        amount = f"{round(float(delta) * 100)} points" if self.kind == SHARE else format_value(delta, self.kind)
        return f"{direction} {amount} from {self.previous_display}"


def share(part: int | None, whole: int | None) -> float | None:
    return None if not whole else (part or 0) / whole


# --- Objectives ---------------------------------------------------------------------------------

MAX_OBJECTIVES = 50


@dataclass
class ObjectivesProgress:
    counts: dict[str, int]
    objectives: list[Objective]
    figures: list[Figure]

    @property
    def total(self) -> int:
        return sum(self.counts[s] for s in ("planned", "active", "achieved", "dropped"))


def objectives_progress(community: Community, period: ReportPeriod) -> ObjectivesProgress:
    """Where the strategy's objectives stand today, and those that fell due in each period (two queries).

    Objectives carry no history of their status, so the counts describe today; the period
    figures take the objectives whose due date (a local calendar date) falls in the period.
    """
    today = period.today
    open_ = Q(status__in=Objective.OPEN_STATUSES)
    achieved = Q(status=Objective.Status.ACHIEVED)
    due_now = Q(due_date__gte=period.current.first_day, due_date__lte=period.current.last_day)
    due_before = Q(due_date__gte=period.previous.first_day, due_date__lte=period.previous.last_day)
    counts = Objective.objects.filter(community=community).aggregate(
        planned=Count("pk", filter=Q(status=Objective.Status.PLANNED)),
        active=Count("pk", filter=Q(status=Objective.Status.ACTIVE)),
        achieved=Count("pk", filter=achieved),
        dropped=Count("pk", filter=Q(status=Objective.Status.DROPPED)),
        overdue=Count("pk", filter=open_ & Q(due_date__lt=today)),
        due=Count("pk", filter=due_now),
        due_achieved=Count("pk", filter=due_now & achieved),
        due_before=Count("pk", filter=due_before),
        due_before_achieved=Count("pk", filter=due_before & achieved),
    )
    objectives = list(
        Objective.objects.filter(community=community)
        .select_related("owner")
        .order_by("position", "id")[:MAX_OBJECTIVES]
    )
    for o in objectives:
        o.overdue = o.is_overdue(today=today)
        o.due_in_period = period.current.first_day <= o.due_date <= period.current.last_day
    figures = [
        Figure("objectives.due", "Objectives due in the period", counts["due"], counts["due_before"], better=None),
        Figure(
            "objectives.due_achieved",
            "… of which achieved",
            counts["due_achieved"],
            counts["due_before_achieved"],
        ),
        Figure("objectives.achieved", "Objectives achieved (today)", counts["achieved"], compare=False),
        Figure("objectives.active", "Objectives active (today)", counts["active"], compare=False),
        Figure("objectives.overdue", "Objectives overdue (today)", counts["overdue"], better=DOWN, compare=False),
    ]
    return ObjectivesProgress(counts=counts, objectives=objectives, figures=figures)


# --- Vibrancy movement ------------------------------------------------------------------------


@dataclass
class Movement:
    """One dimension in the latest closed round of the period and in the round before it."""

    dimension: Dimension
    latest: DimensionFigures
    earlier: DimensionFigures | None

    @property
    def is_focus(self) -> bool:
        return bool(getattr(self.dimension, "is_focus", False))

    @staticmethod
    def _change(new: Stat, old: Stat | None) -> float | None:
        if old is None or new.mean is None or old.mean is None:
            return None
        return new.mean - old.mean

    @property
    def now_change(self) -> float | None:
        return self._change(self.latest.now, self.earlier.now if self.earlier else None)

    @property
    def should_be_change(self) -> float | None:
        return self._change(self.latest.should_be, self.earlier.should_be if self.earlier else None)

    @property
    def now_figure(self) -> Figure:
        return Figure(
            f"vibrancy.{self.dimension.slug}.now",
            f"{self.dimension.name}: where we are now (mean, 0–10)",
            self.latest.now.mean,
            self.earlier.now.mean if self.earlier else None,
            kind=NUMBER,
            note="latest closed round against the round before",
        )

    @property
    def gap_figure(self) -> Figure:
        return Figure(
            f"vibrancy.{self.dimension.slug}.gap",
            f"{self.dimension.name}: gap to where we should be",
            self.latest.gap,
            self.earlier.gap if self.earlier else None,
            kind=NUMBER,
            better=DOWN,
            note="latest closed round against the round before",
        )


@dataclass
class VibrancyMovement:
    latest: VibrancyRound | None
    earlier: VibrancyRound | None
    dimensions: list[Movement] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        out: list[Figure] = []
        for m in self.dimensions:
            out += [m.now_figure, m.gap_figure]
        return out

    @property
    def focus(self) -> list[Movement]:
        return [m for m in self.dimensions if m.is_focus]


def vibrancy_movement(community: Community, period: ReportPeriod) -> VibrancyMovement:
    """The seven dimensions in the two latest rounds that opened before the period's end and have
    closed, with the dimensions the community focused on during the period marked (three queries).

    A round belongs to the period in which members were asked, so a round that opened in the
    period and closed after it still counts; rounds still open are left out (their figures move).
    """
    rounds = list(
        VibrancyRound.objects.filter(community=community, opened_at__lt=period.end, closed_at__isnull=False).order_by(
            "-opened_at", "-id"
        )[:2]
    )
    focused = FocusDimension.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=period.start),
        community=community,
        dimension=OuterRef("pk"),
        started_at__lt=period.end,
    )
    dimensions = list(Dimension.objects.annotate(is_focus=Exists(focused)).order_by("number"))
    if not rounds:
        return VibrancyMovement(latest=None, earlier=None)
    statistics = round_statistics(rounds, dimensions)
    latest, earlier = rounds[0], rounds[1] if len(rounds) > 1 else None
    earlier_by_dimension = {f.dimension.pk: f for f in statistics[earlier.pk]} if earlier else {}
    movement = [Movement(f.dimension, f, earlier_by_dimension.get(f.dimension.pk)) for f in statistics[latest.pk]]
    return VibrancyMovement(latest=latest, earlier=earlier, dimensions=movement)


# --- Participation ------------------------------------------------------------------------------

# Above this share of all contributions made by the top tenth of contributors, the report warns
# that the community is "carried by a few".
CARRIED_BY_FEW_SHARE = 0.5
TOP_PERCENT = 10

# fn(community, since, until) -> rows (user id, moment) of one kind of contribution in [since, until).
ContributionSource = Callable[[Community, datetime, datetime], QuerySet]
_SOURCES: dict[str, ContributionSource] = {}


def contribution_source(name: str) -> Callable[[ContributionSource], ContributionSource]:
    """Register a kind of contribution for the participation figures.

    The function returns ``Model.objects.filter(…).values_list(<user id>, <moment>)`` restricted to
    the community and to ``since <= moment < until``; the rows of every source are combined in SQL.
    """

    def decorator(fn: ContributionSource) -> ContributionSource:
        _SOURCES[name] = fn
        return fn

    return decorator


def contribution_sources() -> dict[str, ContributionSource]:
    return dict(_SOURCES)


@contribution_source("vision drafts")
def _vision_drafts(community: Community, since: datetime, until: datetime) -> QuerySet:
    return VisionDraft.objects.filter(
        community=community, author__isnull=False, created_at__gte=since, created_at__lt=until
    ).values_list("author_id", "created_at")


@contribution_source("vision stances")
def _vision_stances(community: Community, since: datetime, until: datetime) -> QuerySet:
    return VisionStance.objects.filter(
        draft__community=community, created_at__gte=since, created_at__lt=until
    ).values_list("user_id", "created_at")


@contribution_source("vision comments")
def _vision_comments(community: Community, since: datetime, until: datetime) -> QuerySet:
    return VisionComment.objects.filter(
        draft__community=community, author__isnull=False, created_at__gte=since, created_at__lt=until
    ).values_list("author_id", "created_at")


@contribution_source("appreciative inquiry")
def _inquiry(community: Community, since: datetime, until: datetime) -> QuerySet:
    return InquiryContribution.objects.filter(
        inquiry__community=community, author__isnull=False, created_at__gte=since, created_at__lt=until
    ).values_list("author_id", "created_at")


@contribution_source("vibrancy ratings")
def _vibrancy_ratings(community: Community, since: datetime, until: datetime) -> QuerySet:
    # One contribution per member and round (not per slider), at their first save in the round.
    return (
        VibrancyScore.objects.filter(round__community=community)
        .values("round_id", "user_id")
        .annotate(first=Min("created_at"))
        .filter(first__gte=since, first__lt=until)
        .values_list("user_id", "first")
    )


@dataclass(frozen=True)
class Participation:
    contributors: int = 0
    contributions: int = 0
    top_contributors: int = 0  # the top tenth of contributors, rounded up (at least one)
    top_contributions: int = 0
    newcomers_contributing: int = 0
    joined: int = 0  # members who joined in the period
    members: int = 0  # current members who had joined by the end of the period
    members_active: int = 0  # … of whom contributed (contributors who left since are not among them)

    @property
    def top_share(self) -> float | None:
        return share(self.top_contributions, self.contributions)

    @property
    def active_share(self) -> float | None:
        return share(self.members_active, self.members)

    @property
    def carried_by_few(self) -> bool:
        return self.top_share is not None and self.top_share > CARRIED_BY_FEW_SHARE


@dataclass
class ParticipationReport:
    current: Participation
    previous: Participation

    @property
    def threshold(self) -> float:
        return CARRIED_BY_FEW_SHARE

    @property
    def figures(self) -> list[Figure]:
        c, p = self.current, self.previous
        return [
            Figure("participation.active", "Active members", c.contributors, p.contributors),
            Figure(
                "participation.active_share",
                "Share of members active (of those who had joined by the period's end)",
                c.active_share,
                p.active_share,
                SHARE,
            ),
            Figure("participation.contributions", "Contributions", c.contributions, p.contributions),
            Figure("participation.joined", "Members who joined", c.joined, p.joined),
            Figure(
                "participation.newcomers",
                "Newcomers who contributed",
                c.newcomers_contributing,
                p.newcomers_contributing,
            ),
            Figure(
                "participation.top_share",
                f"Share of contributions by the top {TOP_PERCENT}% of contributors",
                c.top_share,
                p.top_share,
                SHARE,
                better=DOWN,
            ),
        ]


def _contributions_sql(community: Community, since: datetime, until: datetime) -> tuple[str, list]:
    parts, params = [], []
    for fn in _SOURCES.values():
        sql, part_params = fn(community, since, until).order_by().query.sql_with_params()
        parts.append(sql)
        params += list(part_params)
    return " UNION ALL ".join(parts), params


def participation(community: Community, period: ReportPeriod) -> ParticipationReport:
    """Who contributed in the period and the one before, and how concentrated it was (two queries).

    An *active member* is anyone who made at least one contribution in the period: posted a help
    request, advice, a discussion message, a response to advice, kudos, a reported outcome or a
    piece of captured learning (registered by ``practice``); wrote a vision draft, took a stance on
    one or commented on it, added to an appreciative inquiry, or rated the vibrancy sliders (one
    contribution per round). Reading, logging in and administration do not count. A *newcomer who
    contributed* joined during the period and contributed in it. *Concentration* is the share of all
    contributions made by the top 10% of contributors (rounded up, so at least one person).
    """
    prev, cur = period.previous, period.current
    adapt = connection.ops.adapt_datetimefield_value
    source, params = _contributions_sql(community, prev.start, cur.end)
    membership = Membership._meta.db_table
    sql = f"""
    WITH c (user_id, at) AS ({source}),
    p (bucket, user_id, cnt) AS (
        SELECT CASE WHEN at >= %s THEN 1 ELSE 0 END, user_id, COUNT(*) FROM c GROUP BY 1, user_id
    ),
    r AS (
        SELECT bucket, user_id, cnt,
               ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY cnt DESC, user_id) AS rn,
               COUNT(*) OVER (PARTITION BY bucket) AS n
        FROM p
    )
    SELECT r.bucket, COUNT(*), SUM(r.cnt),
           MAX((r.n * {TOP_PERCENT} + 99) / 100),
           SUM(CASE WHEN r.rn <= (r.n * {TOP_PERCENT} + 99) / 100 THEN r.cnt ELSE 0 END),
           SUM(CASE WHEN (r.bucket = 1 AND m.joined_at >= %s AND m.joined_at < %s)
                      OR (r.bucket = 0 AND m.joined_at >= %s AND m.joined_at < %s) THEN 1 ELSE 0 END),
           SUM(CASE WHEN (r.bucket = 1 AND m.joined_at < %s) OR (r.bucket = 0 AND m.joined_at < %s)
                    THEN 1 ELSE 0 END)
    FROM r LEFT JOIN {membership} m ON m.user_id = r.user_id AND m.community_id = %s
    GROUP BY r.bucket
    """  # noqa: S608 - only constants and placeholders are interpolated
    params += [adapt(cur.start), adapt(cur.start), adapt(cur.end), adapt(prev.start), adapt(cur.start)]
    params += [adapt(cur.end), adapt(cur.start), community.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = {bucket: row for bucket, *row in cursor.fetchall()}
    members = Membership.objects.filter(community=community).aggregate(
        joined=Count("pk", filter=Q(joined_at__gte=cur.start, joined_at__lt=cur.end)),
        joined_before=Count("pk", filter=Q(joined_at__gte=prev.start, joined_at__lt=cur.start)),
        members=Count("pk", filter=Q(joined_at__lt=cur.end)),
        members_before=Count("pk", filter=Q(joined_at__lt=cur.start)),
    )

    def build(bucket: int, joined: int, members_count: int) -> Participation:
        n, total, top_n, top, newcomers, active_members = rows.get(bucket, (0, 0, 0, 0, 0, 0))
        return Participation(
            contributors=int(n or 0),
            contributions=_int(total),
            top_contributors=_int(top_n),
            top_contributions=_int(top),
            newcomers_contributing=_int(newcomers),
            joined=joined,
            members=members_count,
            members_active=_int(active_members),
        )

    return ParticipationReport(
        current=build(1, members["joined"], members["members"]),
        previous=build(0, members["joined_before"], members["members_before"]),
    )


def _int(value: int | Decimal | None) -> int:
    return int(value or 0)


def top_count(contributors: int) -> int:
    """The number of people in the top tenth of ``contributors`` (rounded up; the SQL's rule)."""
    return math.ceil(contributors * TOP_PERCENT / 100) if contributors else 0
