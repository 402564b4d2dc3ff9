"""The sponsor's value report: one printable page of sections from both apps, and its CSV export.

Each part of the report is a :class:`~communities.selectors.report_figures.FigureGroup` that an app
registers in ``ready()``; its page section (``communities/sections/value.py``, ``practice/sections/value.py``)
shows it. The CSV export and the monthly email take the figures alone, without building the page.
"""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communities import sections
from communities.access import CommunityAccess, community_for_member
from communities.forms.value import ReportPeriodForm, initial_for
from communities.models import Role
from communities.selectors.report_figures import Figure, report_figures
from communities.selectors.report_periods import ReportPeriod


def _period_and_form(request: HttpRequest, access: CommunityAccess) -> tuple[ReportPeriod, ReportPeriodForm]:
    bound = ReportPeriodForm(request.GET or None, community=access.community)
    period = bound.report_period()
    if bound.is_bound and not bound.is_valid():
        return period, bound  # keep what was typed, with the errors
    return period, ReportPeriodForm(initial=initial_for(period), community=access.community)


@login_required
def value_report(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    period, form = _period_and_form(request, access)
    context = {
        "access": access,
        "community": access.community,
        "period": period,
        "form": form,
        "query_string": urlencode(period.query_params()),
        "sections": sections.report_sections(access, period),
    }
    return render(request, "communities/value/report.html", context)


CSV_COLUMNS = ["section", "figure", "unit", "this period", "previous period", "change", "note"]
UNITS = {"count": "count", "share": "percent", "duration": "hours", "number": "mean (0-10)", "average": "mean"}


def _csv_value(figure: Figure, value) -> str:
    """Machine-readable cells: shares as percentages, durations as hours, no rounding to display."""
    if value is None:
        return ""
    if figure.kind == "share":
        return f"{value * 100:.1f}"
    if figure.kind == "duration":
        return f"{value.total_seconds() / 3600:.2f}"
    if figure.kind in ("number", "average"):
        return f"{value:.2f}"
    return str(value)


def _csv_text(text: str) -> str:
    """Neutralise spreadsheet formulas in text cells (labels can contain member-written names)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def value_report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The report's figures for the period and the one before, side by side."""
    access = community_for_member(request, slug, Role.FACILITATOR)
    period, _ = _period_and_form(request, access)
    cur, prev = period.current, period.previous
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{slug}-value-{cur.first_day:%Y-%m-%d}-{cur.last_day:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["period", f"{cur.first_day:%Y-%m-%d} to {cur.last_day:%Y-%m-%d}", access.community.time_zone])
    writer.writerow(["previous period", f"{prev.first_day:%Y-%m-%d} to {prev.last_day:%Y-%m-%d}"])
    writer.writerow(CSV_COLUMNS)
    for _, group in report_figures(access.community, period):
        for f in group.figures:
            writer.writerow(
                [
                    group.title,
                    _csv_text(f.label),
                    UNITS.get(f.kind, f.kind),
                    _csv_value(f, f.value),
                    _csv_value(f, f.previous),
                    f.change,
                    f.note,
                ]
            )
    return response
