"""The value report's figures: one :class:`Figure` per number, this period against the one before.

The page, the CSV export and the monthly email all show figures, so each says once how it is
formatted, which way is better, and what its change means in words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from childsys.lib.ordering import Slot, arrange

if TYPE_CHECKING:
    from communities.models import Community
    from communities.selectors.report_periods import ReportPeriod

COUNT, SHARE, DURATION, NUMBER = "count", "share", "duration", "number"
AVERAGE = "average"  # a mean of counts (e.g. attendance per session), not a 0-10 rating like NUMBER
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
    if kind in (NUMBER, AVERAGE):
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
        if self.kind in (SHARE, NUMBER, AVERAGE):
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


# --- The report's figures, from every app ---------------------------------------------------------


@dataclass(frozen=True)
class FigureGroup:
    """One part of the value report: its title, its figures, and what its page section shows of them."""

    title: str
    figures: Sequence[Figure]
    data: Any = None


# fn(community, period) -> FigureGroup; a fixed number of queries.
FigureSource = Callable[["Community", "ReportPeriod"], FigureGroup]
_SOURCES: dict[str, list[Slot[FigureSource]]] = {}


def register(app: str, slots: Sequence[Slot[FigureSource]]) -> None:
    """``app``'s parts of the value report, in order (``after=``/``before=`` another app's part)."""
    _SOURCES[app] = list(slots)


def report_figures(community: Community, period: ReportPeriod) -> list[tuple[str, FigureGroup]]:
    """(name, group) for every part of the report, in the page's order: what the email and the CSV show."""
    return [(slot.name, slot.item(community, period)) for slot in arrange(list(_SOURCES.values()))]
