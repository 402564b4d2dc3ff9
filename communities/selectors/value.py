"""The parts of the sponsor's value report that ``communities`` owns: objectives, vibrancy movement, participation.

Each is computed in a fixed number of SQL queries, whatever the community's size, and returns its
figures as :class:`~communities.selectors.report_figures.Figure` rows for a period
(:mod:`communities.selectors.report_periods`). Participation reads contributions from both apps
through :mod:`communities.selectors.contributions`, so ``communities`` never imports ``practice``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from communities.models import (
    Community,
    Dimension,
    FocusDimension,
    Membership,
    Objective,
    VibrancyRound,
)
from communities.selectors.contributions import contributions_sql
from communities.selectors.report_figures import DOWN, NUMBER, SHARE, Figure, FigureGroup, share
from communities.selectors.report_periods import ReportPeriod
from communities.selectors.vibrancy import DimensionFigures, Stat, round_statistics

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
    source, params = contributions_sql(community, prev.start, cur.end)
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


# --- The report's parts (``communities.selectors.report_figures.register`` in apps.py) -----------


def participation_figures(community: Community, period: ReportPeriod) -> FigureGroup:
    report = participation(community, period)
    return FigureGroup("Participation", report.figures, report)


def vibrancy_figures(community: Community, period: ReportPeriod) -> FigureGroup:
    movement = vibrancy_movement(community, period)
    return FigureGroup("Vibrancy", movement.figures, movement)


def objectives_figures(community: Community, period: ReportPeriod) -> FigureGroup:
    progress = objectives_progress(community, period)
    return FigureGroup("Objectives", progress.figures, progress)
