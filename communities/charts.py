"""Chart.js configurations for the dashboard's vibrancy charts (``json_script``; static/js/dashboard.js draws them).

Every chart has a table beside it with the same figures, so the charts add nothing a screen reader misses.
"""

from __future__ import annotations

from collections.abc import Sequence

from communities.models import Dimension, VibrancyRound
from communities.models.vibrancy import SCORE_MAX, SCORE_MIN
from communities.selectors.vibrancy import DimensionFigures, RoundFigures, VibrancyDashboard

NOW_COLOUR = "#1f5f8b"
SHOULD_COLOUR = "#c4621b"
# Okabe–Ito: distinguishable for colour-blind readers; one per dimension, in dimension order.
DIMENSION_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
SCORE_VALUES = list(range(SCORE_MIN, SCORE_MAX + 1))


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def label(dimension: Dimension) -> str:
    return f"{dimension.name} ★" if getattr(dimension, "is_focus", False) else dimension.name


def round_label(round_: VibrancyRound) -> str:
    return f"{round_.opened_at:%-d %b %Y}"


def radar(current: RoundFigures) -> dict:
    """Mean now and mean should-be per dimension."""
    dims = current.dimensions
    return {
        "type": "radar",
        "data": {
            "labels": [label(f.dimension) for f in dims],
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


def gap(ranked: Sequence[DimensionFigures]) -> dict:
    """The gap (mean should-be minus mean now) per dimension, largest first; focus dimensions stand out."""
    return {
        "type": "bar",
        "data": {
            "labels": [label(f.dimension) for f in ranked],
            "datasets": [
                {
                    "label": "Gap: mean should be minus mean now",
                    "data": [_r(f.gap) for f in ranked],
                    "backgroundColor": [SHOULD_COLOUR if f.is_focus else "#8aa9c1" for f in ranked],
                }
            ],
        },
        "options": {"indexAxis": "y", "maintainAspectRatio": False, "plugins": {"legend": {"display": False}}},
    }


def distribution(figures: DimensionFigures) -> dict:
    """How many raters gave each score, now and should-be, for one dimension."""
    return {
        "type": "bar",
        "data": {
            "labels": [str(v) for v in SCORE_VALUES],
            "datasets": [
                {"label": "Now", "data": figures.histogram_now, "backgroundColor": NOW_COLOUR},
                {"label": "Should be", "data": figures.histogram_should_be, "backgroundColor": SHOULD_COLOUR},
            ],
        },
        "options": {
            "maintainAspectRatio": False,
            "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
        },
    }


def trend(data: VibrancyDashboard) -> dict:
    """Mean now per dimension across the rounds; focus dimensions drawn thicker."""
    datasets = []
    for index, dimension in enumerate(data.dimensions):
        series = [data.figures[r.pk].dimensions[index] for r in data.rounds]
        colour = DIMENSION_COLOURS[index % len(DIMENSION_COLOURS)]
        datasets.append(
            {
                "label": label(dimension),
                "data": [_r(f.now.mean) for f in series],
                "borderColor": colour,
                "backgroundColor": colour,
                "borderWidth": 4 if getattr(dimension, "is_focus", False) else 2,
                "spanGaps": True,
            }
        )
    return {
        "type": "line",
        "data": {"labels": [round_label(r) for r in data.rounds], "datasets": datasets},
        "options": {"maintainAspectRatio": False, "scales": {"y": {"min": SCORE_MIN, "max": SCORE_MAX}}},
    }


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def participation(data: VibrancyDashboard) -> dict:
    """The share of members who rated, per round: all, newcomers, others."""
    rows = [data.figures[r.pk].participation for r in data.rounds]
    return {
        "type": "bar",
        "data": {
            "labels": [round_label(r) for r in data.rounds],
            "datasets": [
                {"label": "All members", "data": [_pct(p.rate) for p in rows], "backgroundColor": NOW_COLOUR},
                {"label": "Newcomers", "data": [_pct(p.newcomer_rate) for p in rows], "backgroundColor": "#009E73"},
                {"label": "Others", "data": [_pct(p.other_rate) for p in rows], "backgroundColor": "#8aa9c1"},
            ],
        },
        "options": {
            "maintainAspectRatio": False,
            "scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% of members who rated"}}},
        },
    }
