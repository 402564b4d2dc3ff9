"""The practice sections of the sponsor's value report (registered in apps.py).

Each is ``fn(request, access, *, period)`` → ``{"template", "title", "figures", …}``; ``request`` is
None when the monthly email collects them. Each costs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from communities.access import CommunityAccess
from communities.selectors.value import COUNT, DOWN, DURATION, SHARE, Figure, ReportPeriod, share
from practice.selectors import requests as selectors
from practice.selectors.value import CURRENT, PREVIOUS, period_health, value_stories

FUNNEL_STEPS = (
    ("asked", "Requests asked", "problems of practice members brought"),
    ("answered", "Answered", "immediate value: asked and answered"),
    ("advice_taken", "Advice taken", "potential value: advice the asker will try"),
    ("outcome_reported", "Outcome reported", "realised value: the asker reported how it turned out"),
    ("captured", "Captured as learning", "the community's memory: learning drawn from it"),
)

# The funnel chart (inline SVG, no script: prints as it shows): bars scaled to the first step.
CHART_WIDTH, LABEL_WIDTH, VALUE_WIDTH, ROW_HEIGHT = 640, 190, 110, 34


@dataclass
class FunnelStep:
    key: str
    label: str
    meaning: str
    count: Figure
    rate: Figure | None  # conversion from the step before; None for the first step
    bar: float = 0.0  # width of the bar in the chart's units


def funnel(access: CommunityAccess, period: ReportPeriod) -> list[FunnelStep]:
    """The value funnel of the requests posted in the period and in the one before (two queries)."""
    community = access.community
    now = selectors.value_funnel(community, since=period.current.start, until=period.current.end)
    before = selectors.value_funnel(community, since=period.previous.start, until=period.previous.end)
    steps: list[FunnelStep] = []
    prior = None
    for key, label, meaning in FUNNEL_STEPS:
        count = Figure(f"funnel.{key}", label, now.get(key), before.get(key), COUNT)
        rate = None
        if prior is not None:
            rate = Figure(
                f"funnel.{key}_rate",
                f"{label}: share of “{prior[1]}”",
                share(now.get(key), now.get(prior[0])) if now.get(key) is not None else None,
                share(before.get(key), before.get(prior[0])) if before.get(key) is not None else None,
                SHARE,
            )
        steps.append(FunnelStep(key, label, meaning, count, rate))
        prior = (key, label)
    top = max((s.count.value or 0 for s in steps), default=0)
    for s in steps:
        s.bar = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) * (s.count.value or 0) / top if top else 0
    return steps


def value_funnel_section(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> dict:
    steps = funnel(access, period)
    figures: list[Figure] = []
    for s in steps:
        figures += [s.count] + ([s.rate] if s.rate else [])
    rows = [
        {"step": s, "y": i * ROW_HEIGHT, "text_y": i * ROW_HEIGHT + ROW_HEIGHT * 0.62, "end": LABEL_WIDTH + s.bar + 6}
        for i, s in enumerate(steps)
    ]
    return {
        "template": "practice/value/_funnel.html",
        "title": "Value funnel",
        "steps": steps,
        "chart": {
            "rows": rows,
            "width": CHART_WIDTH,
            "height": ROW_HEIGHT * len(steps),
            "label_width": LABEL_WIDTH,
        },
        "figures": figures,
    }


def value_stories_section(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> dict:
    stories = value_stories(access.community, period)
    return {
        "template": "practice/value/_stories.html",
        "title": "Value-creation stories",
        "stories": stories,
        "figures": [
            Figure("stories.count", "Value-creation stories (consented)", stories.total, stories.previous_total)
        ],
    }


def value_health_section(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> dict:
    """Practice health against the period before; loop closure from the funnel (five queries)."""
    community = access.community
    health = period_health(community, period)
    now = selectors.value_funnel(community, since=period.current.start, until=period.current.end)
    before = selectors.value_funnel(community, since=period.previous.start, until=period.previous.end)
    cur, prev = health[CURRENT], health[PREVIOUS]
    closure = share(now["outcome_reported"], now["advice_taken"])
    closure_before = share(before["outcome_reported"], before["advice_taken"])
    figures = [
        Figure(
            "health.first_response",
            "Median time to first response",
            cur.median_first_response,
            prev.median_first_response,
            DURATION,
            better=DOWN,
        ),
        Figure(
            "health.within_commitment",
            f"Responded within the commitment ({community.response_commitment_hours} h)",
            cur.within_share,
            prev.within_share,
            SHARE,
        ),
        Figure(
            "health.loop_closure", "Loop closure (outcome reported after advice taken)", closure, closure_before, SHARE
        ),
        Figure("health.lapsed", "Lapsed loops (no outcome after every reminder)", cur.lapsed, prev.lapsed, better=DOWN),
    ]
    return {
        "template": "practice/value/_health.html",
        "title": "Practice health",
        "health": cur,
        "previous": prev,
        "figures": figures,
    }
