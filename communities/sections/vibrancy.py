"""The dashboard's vibrancy sections: overview, gap, distribution, trend, comments, participation.

One builder computes the figures once (``communities.selectors.vibrancy.dashboard``) and returns the
six sections drawn from them; registered in ``CommunitiesConfig.ready``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from communities import charts
from communities.access import CommunityAccess
from communities.models import VibrancyRound
from communities.models.vibrancy import SCORE_MIN
from communities.sections import Section
from communities.selectors import vibrancy as selectors
from communities.selectors.vibrancy import RoundFigures, VibrancyDashboard


def selected_round_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("round", "")
    return int(raw) if raw.isdigit() else None


def dashboard_figures(request: HttpRequest, access: CommunityAccess) -> VibrancyDashboard:
    """The vibrancy figures of the round asked for (``?round=``), 404 for a round of another community."""
    try:
        return selectors.dashboard(access.community, round_id=selected_round_id(request))
    except VibrancyRound.DoesNotExist:
        raise Http404 from None


def dashboard_vibrancy(request: HttpRequest, access: CommunityAccess) -> list[Section]:
    """Every vibrancy section that has something to show, from one computation of the figures."""
    data = dashboard_figures(request, access)
    built = [overview(data), gap(data.current), distribution(data.current), trend(data)]
    built += [comments(data), participation(data)]
    return [section for section in built if section is not None]


def overview(data: VibrancyDashboard) -> Section:
    current = data.current
    context = {"data": data, "current": current}
    if current is not None:
        context["chart"] = charts.radar(current)
    return Section("communities/vibrancy/_dashboard_overview.html", context, name="vibrancy-overview")


def gap(current: RoundFigures | None) -> Section | None:
    if current is None:
        return None
    ranked = current.ranked_by_gap()
    context = {"current": current, "ranked": ranked, "chart": charts.gap([f for f in ranked if f.gap is not None])}
    return Section("communities/vibrancy/_dashboard_gap.html", context, name="vibrancy-gap")


def distribution(current: RoundFigures | None) -> Section | None:
    if current is None:
        return None
    items = []
    for f in current.dimensions:
        rows = [
            {
                "value": v,
                "now": f.histogram_now[v - SCORE_MIN] if f.histogram_now else None,
                "should_be": f.histogram_should_be[v - SCORE_MIN] if f.histogram_should_be else None,
            }
            for v in charts.SCORE_VALUES
        ]
        chart = None if f.distribution_hidden else charts.distribution(f)
        items.append(
            {"figures": f, "chart": chart, "chart_id": f"vibrancy-distribution-{f.dimension.slug}", "rows": rows}
        )
    context = {"current": current, "items": items, "disputed": current.most_disputed(), "values": charts.SCORE_VALUES}
    return Section("communities/vibrancy/_dashboard_distribution.html", context, name="vibrancy-distribution")


def trend(data: VibrancyDashboard) -> Section | None:
    if not data.rounds:
        return None
    table = [
        {"dimension": dimension, "cells": [data.figures[r.pk].dimensions[index] for r in data.rounds]}
        for index, dimension in enumerate(data.dimensions)
    ]
    context = {"data": data, "table": table, "chart": charts.trend(data)}
    return Section("communities/vibrancy/_dashboard_trend.html", context, name="vibrancy-trend")


def comments(data: VibrancyDashboard) -> Section | None:
    if data.current is None:
        return None
    grouped: dict[int, dict] = {}
    for dimension, text in data.comments:
        grouped.setdefault(dimension.pk, {"dimension": dimension, "comments": []})["comments"].append(text)
    return Section(
        "communities/vibrancy/_dashboard_comments.html", {"groups": list(grouped.values())}, name="vibrancy-comments"
    )


def participation(data: VibrancyDashboard) -> Section | None:
    if not data.rounds:
        return None
    rows = [{"round": r, "p": data.figures[r.pk].participation} for r in data.rounds]
    current = data.current
    groups = []
    if current is not None:
        for f in current.dimensions:
            groups.append({"figures": f, "now": f.group_stats("now"), "should_be": f.group_stats("should_be")})
    context = {
        "rows": rows,
        "chart": charts.participation(data),
        "current": current,
        "groups": groups,
        "groups_shown": any(g["now"] or g["should_be"] for g in groups),
    }
    return Section("communities/vibrancy/_dashboard_participation.html", context, name="vibrancy-participation")
