"""The value report's period: calendar days in the community's time zone, and the period before.

A report covers a *period* of calendar days in the community's time zone, turned into a half-open
interval ``[start, end)`` of UTC instants for the queries, and compares it with the period of the
same length just before (see :func:`report_period`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from communities.models import Community

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
