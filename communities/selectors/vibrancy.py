"""Reading vibrancy figures: the sliders page and the dashboard's aggregates.

Every figure is computed in SQL from a histogram — how many raters put a slider at each value
0..10 — per round, dimension, measure (now / should be) and group (newcomers / others). The
histogram lives in ``VibrancyTally`` rows: saves keep it current inside their transaction, and
closing a round recomputes it from the scores with one GROUP BY (:func:`live_histogram`, which
the tests also use to check the tally). One portable query (SQLite and PostgreSQL alike) turns
the histograms into counts, means, medians (cumulative sums over the histogram, a window
function), spreads (population standard deviation) and gaps. So the dashboard reads a few
hundred rows per round, in the same few queries, whether a community has 10 members or 5,000.

Privacy: a figure drawn from fewer than ``MIN_RATERS`` raters is withheld, and the newcomer/other
split is shown only when *both* groups reach the threshold (otherwise one group's figure could be
derived from the other's and the total).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum

from communities.models import Community, Dimension, FocusDimension, Membership, User
from communities.models.community import NEWCOMER_DAYS
from communities.models.vibrancy import (
    SCORE_MAX,
    SCORE_MIN,
    Group,
    Measure,
    VibrancyRound,
    VibrancyScore,
    VibrancyTally,
)

MIN_RATERS = 3
TREND_ROUNDS = 12
MAX_COMMENTS = 200
VALUES = list(range(SCORE_MIN, SCORE_MAX + 1))
ALL = "all"


# --- The sliders page ----------------------------------------------------------------------


def open_round(community: Community) -> VibrancyRound | None:
    return VibrancyRound.objects.filter(community=community, closed_at__isnull=True).first()


def dimensions_with_focus(community: Community) -> list[Dimension]:
    """The seven dimensions in order, each with ``is_focus`` (one query)."""
    current = FocusDimension.objects.filter(community=community, dimension=OuterRef("pk"), ended_at__isnull=True)
    return list(Dimension.objects.annotate(is_focus=Exists(current)).order_by("number"))


def my_scores(round_: VibrancyRound | None, user: User) -> dict[int, VibrancyScore]:
    """A member's own scores in a round, by dimension id (one query)."""
    if round_ is None:
        return {}
    return {s.dimension_id: s for s in VibrancyScore.objects.filter(round=round_, user=user)}


# --- Histograms ----------------------------------------------------------------------------


def newcomer_cutoff(round_: VibrancyRound) -> datetime:
    """Members who joined after this moment count as newcomers for the round."""
    return round_.opened_at - timedelta(days=NEWCOMER_DAYS)


def _live_histogram_sql(round_: VibrancyRound) -> tuple[str, list]:
    """SQL (and params) for an open round's histogram rows:
    (round_id, dimension_id, measure, grp, value, raters)."""
    score = VibrancyScore._meta.db_table
    membership = Membership._meta.db_table
    cutoff = connection.ops.adapt_datetimefield_value(newcomer_cutoff(round_))
    parts, params = [], []
    for measure in (Measure.NOW, Measure.SHOULD_BE):
        column = connection.ops.quote_name(measure.value)
        parts.append(
            f"SELECT s.round_id, s.dimension_id, '{measure.value}', "  # noqa: S608 - constants only
            f"CASE WHEN m.joined_at > %s THEN '{Group.NEWCOMER.value}' ELSE '{Group.OTHER.value}' END, "
            f"s.{column}, COUNT(*) "
            f"FROM {score} s LEFT JOIN {membership} m ON m.user_id = s.user_id AND m.community_id = %s "
            f"WHERE s.round_id = %s AND s.{column} IS NOT NULL "
            f"GROUP BY s.round_id, s.dimension_id, 4, s.{column}"
        )
        params += [cutoff, round_.community_id, round_.pk]
    return " UNION ALL ".join(parts), params


def live_histogram(round_: VibrancyRound) -> list[tuple[int, str, str, int, int]]:
    """An open round's histogram: (dimension_id, measure, group, value, raters) rows (one query)."""
    sql, params = _live_histogram_sql(round_)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(d, m, g, int(v), int(n)) for _, d, m, g, v, n in cursor.fetchall()]


RATED = Q(now__isnull=False) | Q(should_be__isnull=False)


def live_participation(round_: VibrancyRound) -> dict[str, int]:
    """Members and raters (current members with at least one slider set), newcomers among them, counted
    from the scores (one query; used when a round closes)."""
    rated = VibrancyScore.objects.filter(RATED, round_id=round_.pk, user_id=OuterRef("user_id"))
    newcomer = Q(joined_at__gt=newcomer_cutoff(round_))
    return (
        Membership.objects.filter(community_id=round_.community_id)
        .annotate(rated=Exists(rated))
        .aggregate(
            members=Count("pk"),
            newcomers=Count("pk", filter=newcomer),
            raters=Count("pk", filter=Q(rated=True)),
            newcomer_raters=Count("pk", filter=Q(rated=True) & newcomer),
        )
    )


def member_counts(round_: VibrancyRound) -> dict[str, int]:
    """Members now, and newcomers among them relative to the round (one query on an index)."""
    return Membership.objects.filter(community_id=round_.community_id).aggregate(
        members=Count("pk"), newcomers=Count("pk", filter=Q(joined_at__gt=newcomer_cutoff(round_)))
    )


# --- Statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    """Count, mean, median and spread of one slider over a set of raters; withheld below the threshold."""

    raters: int = 0
    mean: float | None = None
    median: float | None = None
    spread: float | None = None

    @property
    def hidden(self) -> bool:
        return self.raters < MIN_RATERS


EMPTY = Stat()


def _number(value: float | Decimal | None) -> float | None:
    return None if value is None else float(value)


def _stats_sql(round_ids: list[int]) -> tuple[str, list]:
    """One query: per (round, dimension, group incl. 'all'), both sliders' figures and the gap."""
    tally = VibrancyTally._meta.db_table
    group = connection.ops.quote_name("group")
    placeholders = ", ".join(["%s"] * len(round_ids))
    source = (
        f"SELECT round_id, dimension_id, measure, {group}, value, raters "  # noqa: S608 - constants only
        f"FROM {tally} WHERE round_id IN ({placeholders}) AND raters > 0"
    )
    params = list(round_ids)
    # Median from the histogram: the lower middle value is the smallest value whose cumulative
    # count reaches half the raters (2·cum ≥ n), the upper one the smallest that passes it (2·cum > n).
    sql = f"""
    WITH h (round_id, dimension_id, measure, grp, value, raters) AS ({source}),
    g AS (
        SELECT round_id, dimension_id, measure, grp, value, raters FROM h
        UNION ALL
        SELECT round_id, dimension_id, measure, '{ALL}', value, SUM(raters) FROM h
        GROUP BY round_id, dimension_id, measure, value
    ),
    w AS (
        SELECT round_id, dimension_id, measure, grp, value, raters,
               SUM(raters) OVER (PARTITION BY round_id, dimension_id, measure, grp ORDER BY value) AS cum,
               SUM(raters) OVER (PARTITION BY round_id, dimension_id, measure, grp) AS total
        FROM g
    ),
    s AS (
        SELECT round_id, dimension_id, measure, grp,
               MAX(total) AS n,
               SUM(value * raters) * 1.0 / MAX(total) AS mean,
               (MIN(CASE WHEN 2 * cum >= total THEN value END)
                + MIN(CASE WHEN 2 * cum > total THEN value END)) / 2.0 AS median,
               SQRT((MAX(total) * SUM(value * value * raters) - SUM(value * raters) * SUM(value * raters)) * 1.0)
                   / MAX(total) AS spread
        FROM w
        GROUP BY round_id, dimension_id, measure, grp
    )
    SELECT round_id, dimension_id, grp,
           MAX(CASE WHEN measure = '{Measure.NOW.value}' THEN n END),
           MAX(CASE WHEN measure = '{Measure.NOW.value}' THEN mean END),
           MAX(CASE WHEN measure = '{Measure.NOW.value}' THEN median END),
           MAX(CASE WHEN measure = '{Measure.NOW.value}' THEN spread END),
           MAX(CASE WHEN measure = '{Measure.SHOULD_BE.value}' THEN n END),
           MAX(CASE WHEN measure = '{Measure.SHOULD_BE.value}' THEN mean END),
           MAX(CASE WHEN measure = '{Measure.SHOULD_BE.value}' THEN median END),
           MAX(CASE WHEN measure = '{Measure.SHOULD_BE.value}' THEN spread END),
           MAX(CASE WHEN measure = '{Measure.SHOULD_BE.value}' THEN mean END)
             - MAX(CASE WHEN measure = '{Measure.NOW.value}' THEN mean END)
    FROM s
    GROUP BY round_id, dimension_id, grp
    """  # noqa: S608 - only constants and placeholders are interpolated
    return sql, params


@dataclass
class DimensionFigures:
    """One dimension in one round: both sliders for everyone, the gap, and the newcomer/other split."""

    dimension: Dimension
    now: Stat = EMPTY
    should_be: Stat = EMPTY
    raw_gap: float | None = None
    groups: dict[str, tuple[Stat, Stat]] = field(default_factory=dict)
    histogram_now: list[int] | None = None
    histogram_should_be: list[int] | None = None

    @property
    def hidden(self) -> bool:
        return self.now.hidden or self.should_be.hidden

    @property
    def gap(self) -> float | None:
        """Mean *should be* minus mean *now*; withheld when either side is."""
        return None if self.hidden else self.raw_gap

    @property
    def is_focus(self) -> bool:
        return bool(getattr(self.dimension, "is_focus", False))

    @property
    def distribution_hidden(self) -> bool:
        return self.histogram_now is None and self.histogram_should_be is None

    def group_stats(self, measure: str) -> dict[str, Stat] | None:
        """Newcomers' and others' figures for ``measure``, or None unless both groups reach the threshold."""
        index = 0 if measure == Measure.NOW else 1
        stats = {g: self.groups.get(g, (EMPTY, EMPTY))[index] for g in (Group.NEWCOMER, Group.OTHER)}
        if any(s.hidden for s in stats.values()):
            return None
        return stats


@dataclass
class Participation:
    members: int = 0
    newcomers: int = 0
    raters: int = 0
    newcomer_raters: int = 0

    @property
    def others(self) -> int:
        return self.members - self.newcomers

    @property
    def other_raters(self) -> int:
        return self.raters - self.newcomer_raters

    @property
    def rate(self) -> float | None:
        return self.raters / self.members if self.members else None

    @property
    def groups_hidden(self) -> bool:
        return self.newcomer_raters < MIN_RATERS or self.other_raters < MIN_RATERS

    @property
    def newcomer_rate(self) -> float | None:
        return None if self.groups_hidden or not self.newcomers else self.newcomer_raters / self.newcomers

    @property
    def other_rate(self) -> float | None:
        return None if self.groups_hidden or not self.others else self.other_raters / self.others


@dataclass
class RoundFigures:
    round: VibrancyRound
    participation: Participation
    dimensions: list[DimensionFigures]

    def by_slug(self) -> dict[str, DimensionFigures]:
        return {f.dimension.slug: f for f in self.dimensions}

    def ranked_by_gap(self) -> list[DimensionFigures]:
        shown = [f for f in self.dimensions if f.gap is not None]
        return sorted(shown, key=lambda f: (-f.gap, f.dimension.number)) + [f for f in self.dimensions if f.gap is None]

    def most_disputed(self) -> DimensionFigures | None:
        """The dimension whose ideal setting members disagree about most (largest spread of *should be*)."""
        shown = [f for f in self.dimensions if not f.should_be.hidden and f.should_be.spread is not None]
        return max(shown, key=lambda f: (f.should_be.spread, -f.dimension.number), default=None)


@dataclass
class VibrancyDashboard:
    community: Community
    dimensions: list[Dimension]
    rounds: list[VibrancyRound]  # oldest first, at most TREND_ROUNDS
    selected: VibrancyRound | None
    figures: dict[int, RoundFigures]  # by round id
    comments: list[tuple[Dimension, str]]

    @property
    def current(self) -> RoundFigures | None:
        return self.figures.get(self.selected.pk) if self.selected else None

    @property
    def focus(self) -> list[Dimension]:
        return [d for d in self.dimensions if getattr(d, "is_focus", False)]


def _stat(n, mean, median, spread) -> Stat:
    n = int(n or 0)
    if n < MIN_RATERS:
        return Stat(raters=n)
    return Stat(raters=n, mean=_number(mean), median=_number(median), spread=_number(spread))


def round_statistics(rounds: list[VibrancyRound], dimensions: list[Dimension]) -> dict[int, list[DimensionFigures]]:
    """Figures per round (given rounds only) and dimension, thresholds applied (one query)."""
    out: dict[int, dict[int, DimensionFigures]] = {
        r.pk: {d.pk: DimensionFigures(dimension=d) for d in dimensions} for r in rounds
    }
    if not rounds:
        return {}
    sql, params = _stats_sql([r.pk for r in rounds])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for round_id, dimension_id, grp, n_now, m_now, md_now, sd_now, n_sb, m_sb, md_sb, sd_sb, gap in rows:
        figures = out.get(round_id, {}).get(dimension_id)
        if figures is None:
            continue  # a dimension deleted since (impossible with scores, but harmless)
        now, should_be = _stat(n_now, m_now, md_now, sd_now), _stat(n_sb, m_sb, md_sb, sd_sb)
        if grp == ALL:
            figures.now, figures.should_be, figures.raw_gap = now, should_be, _number(gap)
        else:
            figures.groups[grp] = (now, should_be)
    return {round_id: list(by_dimension.values()) for round_id, by_dimension in out.items()}


def round_histogram(round_: VibrancyRound) -> dict[tuple[int, str], list[int]]:
    """Counts per value 0..10 for each (dimension id, measure) of one round (one query)."""
    rows = (
        VibrancyTally.objects.filter(round=round_)
        .values_list("dimension_id", "measure", "value")
        .annotate(total=Sum("raters"))
        .order_by()
    )
    out: dict[tuple[int, str], list[int]] = {}
    for dimension_id, measure, value, total in rows:
        out.setdefault((dimension_id, measure), [0] * len(VALUES))[value - SCORE_MIN] = int(total)
    return out


def _participation(round_: VibrancyRound, live_members: dict[str, int] | None) -> Participation:
    members = live_members if live_members is not None and not round_.is_closed else {}
    return Participation(
        members=members.get("members", round_.members_count or 0),
        newcomers=members.get("newcomers", round_.newcomers_count or 0),
        raters=round_.raters_count,
        newcomer_raters=round_.newcomer_raters_count,
    )


def dashboard(community: Community, *, round_id: int | None = None) -> VibrancyDashboard:
    """Everything the vibrancy sections of the dashboard show, in a fixed number of queries.

    ``round_id`` picks the round the radar, distributions and comments describe (default: the
    latest); the trend always covers the latest ``TREND_ROUNDS`` rounds.
    """
    dimensions = dimensions_with_focus(community)
    recent = list(VibrancyRound.objects.filter(community=community).order_by("-opened_at", "-id")[:TREND_ROUNDS])
    selected = recent[0] if recent else None
    if round_id is not None:
        selected = next((r for r in recent if r.pk == round_id), None)
    if selected is None and round_id is not None:
        raise VibrancyRound.DoesNotExist
    rounds = list(reversed(recent))
    statistics = round_statistics(rounds, dimensions)
    figures: dict[int, RoundFigures] = {}
    open_ = next((r for r in rounds if not r.is_closed), None)
    live_members = member_counts(open_) if open_ is not None else None
    for r in rounds:
        participation = _participation(r, live_members)
        figures[r.pk] = RoundFigures(round=r, participation=participation, dimensions=statistics[r.pk])
    comments: list[tuple[Dimension, str]] = []
    if selected is not None:
        current = figures[selected.pk]
        histogram = round_histogram(selected)
        for f in current.dimensions:
            if not f.now.hidden:
                f.histogram_now = histogram.get((f.dimension.pk, Measure.NOW), [0] * len(VALUES))
            if not f.should_be.hidden:
                f.histogram_should_be = histogram.get((f.dimension.pk, Measure.SHOULD_BE), [0] * len(VALUES))
        comments = selected_comments(selected, current)
    return VibrancyDashboard(
        community=community,
        dimensions=dimensions,
        rounds=rounds,
        selected=selected,
        figures=figures,
        comments=comments,
    )


def selected_comments(round_: VibrancyRound, figures: RoundFigures) -> list[tuple[Dimension, str]]:
    """Members' comments, anonymous and without scores, for dimensions with enough raters (one query)."""
    shown = {f.dimension.pk: f.dimension for f in figures.dimensions if not f.hidden}
    if not shown:
        return []
    rows = (
        VibrancyScore.objects.filter(round=round_, dimension_id__in=list(shown))
        .exclude(comment="")
        .order_by("dimension__number", "comment")
        .values_list("dimension_id", "comment")[:MAX_COMMENTS]
    )
    return [(shown[d], text) for d, text in rows]
