"""Vibrancy: members' sliders, facilitators' rounds and focus, and the dashboard's vibrancy sections."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from communities import sections
from communities.access import CommunityAccess, community_for_member
from communities.forms.vibrancy import FocusForm, RoundOpenForm, VibrancyScoresForm
from communities.models import Dimension, Role, VibrancyRound
from communities.models.vibrancy import SCORE_MAX, SCORE_MIN
from communities.selectors import vibrancy as selectors
from communities.services import vibrancy as services

NOW_COLOUR = "#1f5f8b"
SHOULD_COLOUR = "#c4621b"
# Okabe–Ito: distinguishable for colour-blind readers; one per dimension, in dimension order.
DIMENSION_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- Members: the sliders ------------------------------------------------------------------


@login_required
def vibrancy(request: HttpRequest, slug: str) -> HttpResponse:
    """My sliders for the open round (POST saves them; with scripts, without a reload)."""
    access = community_for_member(request, slug)
    community = access.community
    round_ = selectors.open_round(community)
    dimensions = selectors.dimensions_with_focus(community)
    status = 200
    closed_message = ""
    if request.method == "POST":
        posted = request.POST.get("round", "")
        if round_ is None or str(round_.pk) != posted:
            return _closed(request, access, dimensions, posted)
        form = VibrancyScoresForm(request.POST, dimensions=dimensions, scores=selectors.my_scores(round_, request.user))
        if form.is_valid():
            try:
                rated = services.scores_save(round_=round_, user=request.user, entries=form.entries())
            except services.RoundClosedError:
                return _closed(request, access, dimensions, posted)
            saved = (
                f"Saved. You have rated {rated} of {len(dimensions)} dimensions; "
                "you can change them until the round closes."
            )
            if _wants_json(request):
                return JsonResponse({"ok": True, "message": saved, "rated": rated, "total": len(dimensions)})
            messages.success(request, saved)
            return redirect("communities:vibrancy", slug=slug)
        status = 400
        if _wants_json(request):
            return JsonResponse(
                {"ok": False, "message": "Nothing was saved: please check the marked sliders.", "errors": form.errors},
                status=400,
            )
    else:
        form = VibrancyScoresForm(dimensions=dimensions, scores=selectors.my_scores(round_, request.user))
    return render(
        request,
        "communities/vibrancy/sliders.html",
        _page_context(request, access, round_, dimensions, form, closed_message),
        status=status,
    )


def _closed(request: HttpRequest, access: CommunityAccess, dimensions: list[Dimension], posted: str) -> HttpResponse:
    """A save for a round that has closed: refuse it, and show what was typed so nothing is lost."""
    message = "This round has closed, so your changes were not saved."
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": message}, status=409)
    form = VibrancyScoresForm(request.POST, dimensions=dimensions)
    form.is_valid()
    context = _page_context(request, access, selectors.open_round(access.community), dimensions, form, message)
    context["rejected_form"] = form
    return render(request, "communities/vibrancy/sliders.html", context, status=409)


def _page_context(request: HttpRequest, access, round_, dimensions, form, closed_message: str) -> dict:
    community = access.community
    context = {
        "access": access,
        "community": community,
        "round": round_,
        "round_id": round_.pk if round_ else request.POST.get("round", ""),
        "dimensions": dimensions,
        "focus": [d for d in dimensions if d.is_focus],
        "form": form,
        "rows": form.rows(),
        "closed_message": closed_message,
        "last_day": services.last_day(round_, community.tzinfo) if round_ else None,
        "score_min": SCORE_MIN,
        "score_max": SCORE_MAX,
    }
    if round_ is None:
        previous = VibrancyRound.objects.filter(community=community).order_by("-opened_at", "-id").first()
        context["previous"] = previous
        mine = selectors.my_scores(previous, request.user) if previous else {}
        context["previous_scores"] = [(d, mine[d.pk]) for d in dimensions if d.pk in mine]
    if access.is_facilitator:
        context["open_form"] = RoundOpenForm(
            community=community, action=reverse("communities:vibrancy-round-open", kwargs={"slug": community.slug})
        )
        if round_ is not None:
            # Raters are counted as members save; members are one indexed count.
            context["participation"] = {
                "raters": round_.raters_count,
                "members": selectors.member_counts(round_)["members"],
            }
    return context


# --- Facilitators: rounds and focus --------------------------------------------------------


@login_required
def vibrancy_round_open(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    community = access.community
    action = reverse("communities:vibrancy-round-open", kwargs={"slug": slug})
    form = RoundOpenForm(request.POST if request.method == "POST" else None, community=community, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_open(
                community=community, actor=request.user, closes_at=form.closes_at, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)  # a field-keyed error lands on its field
        else:
            messages.success(request, "The round is open. Members have been told; you can rate too.")
            return redirect("communities:vibrancy", slug=slug)
    return render(
        request, "communities/vibrancy/round_open.html", {"access": access, "community": community, "form": form}
    )


@login_required
@require_POST
def vibrancy_round_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    round_ = get_object_or_404(VibrancyRound, pk=pk, community=access.community)
    if services.round_close(round_=round_, actor=request.user):
        messages.success(request, "The round is closed and its figures are frozen on the dashboard.")
    else:
        messages.info(request, "That round was already closed.")
    return redirect("communities:dashboard", slug=slug)


@login_required
def vibrancy_focus(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    community = access.community
    current = [d for d in selectors.dimensions_with_focus(community) if d.is_focus]
    action = reverse("communities:vibrancy-focus", kwargs={"slug": slug})
    form = FocusForm(request.POST if request.method == "POST" else None, action=action, initial={"dimensions": current})
    if request.method == "POST" and form.is_valid():
        chosen = services.focus_set(community=community, actor=request.user, dimensions=form.cleaned_data["dimensions"])
        names = ", ".join(d.name for d in chosen) or "no dimension in particular"
        messages.success(request, f"Focus saved: the community is turning up {names}.")
        return redirect("communities:vibrancy", slug=slug)
    return render(request, "communities/vibrancy/focus.html", {"access": access, "community": community, "form": form})


# --- The dashboard: data shared by the sections, the sections, the CSV ----------------------


def _selected_round_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("round", "")
    return int(raw) if raw.isdigit() else None


def dashboard_data(request: HttpRequest, access: CommunityAccess) -> selectors.VibrancyDashboard:
    """The vibrancy figures, computed once per request however many sections use them."""
    cached = getattr(request, "_vibrancy_dashboard", None)
    if cached is None:
        try:
            cached = selectors.dashboard(access.community, round_id=_selected_round_id(request))
        except VibrancyRound.DoesNotExist:
            raise Http404 from None
        request._vibrancy_dashboard = cached  # type: ignore[attr-defined]
    return cached


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _label(dimension: Dimension) -> str:
    return f"{dimension.name} ★" if getattr(dimension, "is_focus", False) else dimension.name


def _round_label(round_: VibrancyRound) -> str:
    return f"{round_.opened_at:%-d %b %Y}"


@sections.register("dashboard", "vibrancy-overview", order=10)
def overview_section(request: HttpRequest, access: CommunityAccess) -> dict | None:
    data = dashboard_data(request, access)
    current = data.current
    context = {"template": "communities/vibrancy/_dashboard_overview.html", "data": data, "current": current}
    if current is not None:
        dims = current.dimensions
        context["chart"] = {
            "type": "radar",
            "data": {
                "labels": [_label(f.dimension) for f in dims],
                "datasets": [
                    {
                        "label": "Mean: where we are now",
                        "data": [_r(f.now.mean) for f in dims],
                        "borderColor": NOW_COLOUR,
                        "backgroundColor": "rgba(31, 95, 139, 0.2)",
                    },
                    {
                        "label": "Mean: where we should be",
                        "data": [_r(f.should_be.mean) for f in dims],
                        "borderColor": SHOULD_COLOUR,
                        "backgroundColor": "rgba(196, 98, 27, 0.12)",
                        "borderDash": [6, 4],
                    },
                ],
            },
            "options": {
                "maintainAspectRatio": False,
                "scales": {"r": {"min": SCORE_MIN, "max": SCORE_MAX, "ticks": {"stepSize": 2}}},
            },
        }
    return context


@sections.register("dashboard", "vibrancy-gap", order=20)
def gap_section(request: HttpRequest, access: CommunityAccess) -> dict | None:
    current = dashboard_data(request, access).current
    if current is None:
        return None
    ranked = [f for f in current.ranked_by_gap() if f.gap is not None]
    return {
        "template": "communities/vibrancy/_dashboard_gap.html",
        "current": current,
        "ranked": current.ranked_by_gap(),
        "chart": {
            "type": "bar",
            "data": {
                "labels": [_label(f.dimension) for f in ranked],
                "datasets": [
                    {
                        "label": "Gap: mean should be minus mean now",
                        "data": [_r(f.gap) for f in ranked],
                        "backgroundColor": [SHOULD_COLOUR if f.is_focus else "#8aa9c1" for f in ranked],
                    }
                ],
            },
            "options": {"indexAxis": "y", "maintainAspectRatio": False, "plugins": {"legend": {"display": False}}},
        },
    }


@sections.register("dashboard", "vibrancy-distribution", order=25)
def distribution_section(request: HttpRequest, access: CommunityAccess) -> dict | None:
    current = dashboard_data(request, access).current
    if current is None:
        return None
    values = list(range(SCORE_MIN, SCORE_MAX + 1))
    items = []
    for f in current.dimensions:
        chart = None
        if not f.distribution_hidden:
            chart = {
                "type": "bar",
                "data": {
                    "labels": [str(v) for v in values],
                    "datasets": [
                        {"label": "Now", "data": f.histogram_now, "backgroundColor": NOW_COLOUR},
                        {"label": "Should be", "data": f.histogram_should_be, "backgroundColor": SHOULD_COLOUR},
                    ],
                },
                "options": {
                    "maintainAspectRatio": False,
                    "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
                },
            }
        rows = []
        for v in values:
            rows.append(
                {
                    "value": v,
                    "now": f.histogram_now[v - SCORE_MIN] if f.histogram_now else None,
                    "should_be": f.histogram_should_be[v - SCORE_MIN] if f.histogram_should_be else None,
                }
            )
        items.append(
            {"figures": f, "chart": chart, "chart_id": f"vibrancy-distribution-{f.dimension.slug}", "rows": rows}
        )
    return {
        "template": "communities/vibrancy/_dashboard_distribution.html",
        "current": current,
        "items": items,
        "disputed": current.most_disputed(),
        "values": values,
    }


@sections.register("dashboard", "vibrancy-trend", order=30)
def trend_section(request: HttpRequest, access: CommunityAccess) -> dict | None:
    data = dashboard_data(request, access)
    if not data.rounds:
        return None
    labels = [_round_label(r) for r in data.rounds]
    datasets, table = [], []
    for index, dimension in enumerate(data.dimensions):
        series = [data.figures[r.pk].dimensions[index] for r in data.rounds]
        focus = getattr(dimension, "is_focus", False)
        datasets.append(
            {
                "label": _label(dimension),
                "data": [_r(f.now.mean) for f in series],
                "borderColor": DIMENSION_COLOURS[index % len(DIMENSION_COLOURS)],
                "backgroundColor": DIMENSION_COLOURS[index % len(DIMENSION_COLOURS)],
                "borderWidth": 4 if focus else 2,
                "spanGaps": True,
            }
        )
        table.append({"dimension": dimension, "cells": series})
    return {
        "template": "communities/vibrancy/_dashboard_trend.html",
        "data": data,
        "table": table,
        "chart": {
            "type": "line",
            "data": {"labels": labels, "datasets": datasets},
            "options": {
                "maintainAspectRatio": False,
                "scales": {"y": {"min": SCORE_MIN, "max": SCORE_MAX}},
            },
        },
    }


@sections.register("dashboard", "vibrancy-comments", order=35)
def comments_section(request: HttpRequest, access: CommunityAccess) -> dict | None:
    data = dashboard_data(request, access)
    if data.current is None:
        return None
    grouped: dict[int, dict] = {}
    for dimension, text in data.comments:
        grouped.setdefault(dimension.pk, {"dimension": dimension, "comments": []})["comments"].append(text)
    return {"template": "communities/vibrancy/_dashboard_comments.html", "groups": list(grouped.values())}


@sections.register("dashboard", "vibrancy-participation", order=40)
def participation_section(request: HttpRequest, access: CommunityAccess) -> dict | None:
    data = dashboard_data(request, access)
    if not data.rounds:
        return None
    rows = [{"round": r, "p": data.figures[r.pk].participation} for r in data.rounds]

    def pct(value: float | None) -> float | None:
        return None if value is None else round(100 * value, 1)

    chart = {
        "type": "bar",
        "data": {
            "labels": [_round_label(r) for r in data.rounds],
            "datasets": [
                {"label": "All members", "data": [pct(x["p"].rate) for x in rows], "backgroundColor": NOW_COLOUR},
                {"label": "Newcomers", "data": [pct(x["p"].newcomer_rate) for x in rows], "backgroundColor": "#009E73"},
                {"label": "Others", "data": [pct(x["p"].other_rate) for x in rows], "backgroundColor": "#8aa9c1"},
            ],
        },
        "options": {
            "maintainAspectRatio": False,
            "scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% of members who rated"}}},
        },
    }
    current = data.current
    groups = []
    if current is not None:
        for f in current.dimensions:
            groups.append({"figures": f, "now": f.group_stats("now"), "should_be": f.group_stats("should_be")})
    return {
        "template": "communities/vibrancy/_dashboard_participation.html",
        "rows": rows,
        "chart": chart,
        "current": current,
        "groups": groups,
        "groups_shown": any(g["now"] or g["should_be"] for g in groups),
    }


CSV_COLUMNS = [
    "round_opened",
    "round_closed",
    "dimension",
    "focus_now",
    "group",
    "raters_now",
    "mean_now",
    "median_now",
    "spread_now",
    "raters_should_be",
    "mean_should_be",
    "median_should_be",
    "spread_should_be",
    "gap",
]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    text = str(value)
    # Spreadsheets run cells that start like a formula; names come from admins, but be safe.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def dashboard_vibrancy_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The aggregates behind the charts, per round, dimension and group; withheld cells are empty."""
    access = community_for_member(request, slug, Role.FACILITATOR)
    data = dashboard_data(request, access)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-vibrancy-{timezone.now():%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for r in data.rounds:
        opened, closed = f"{r.opened_at:%Y-%m-%d}", f"{r.closed_at:%Y-%m-%d}" if r.closed_at else ""
        for f in data.figures[r.pk].dimensions:
            lines = [("all", f.now, f.should_be, f.gap)]
            now_groups, should_groups = f.group_stats("now"), f.group_stats("should_be")
            if now_groups and should_groups:
                for group in ("newcomer", "other"):
                    now, should = now_groups[group], should_groups[group]
                    lines.append((group, now, should, should.mean - now.mean))
            for group, now, should, gap in lines:
                writer.writerow(
                    [
                        opened,
                        closed,
                        _cell(f.dimension.name),
                        "yes" if f.is_focus else "no",
                        group,
                        now.raters,
                        _cell(now.mean),
                        _cell(now.median),
                        _cell(now.spread),
                        should.raters,
                        _cell(should.mean),
                        _cell(should.median),
                        _cell(should.spread),
                        _cell(gap),
                    ]
                )
    return response
