"""Vibrancy: members' sliders, facilitators' rounds and focus, and the dashboard's vibrancy CSV."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from communities.access import CommunityAccess, community_for_member
from communities.forms.vibrancy import FocusForm, RoundOpenForm, VibrancyScoresForm
from communities.models import Dimension, Role, VibrancyRound
from communities.models.vibrancy import SCORE_MAX, SCORE_MIN
from communities.sections.vibrancy import dashboard_figures
from communities.selectors import vibrancy as selectors
from communities.services import vibrancy as services


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


# --- The dashboard's CSV (its sections are communities/sections/vibrancy.py) -----------------------


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
    data = dashboard_figures(request, access)
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
