"""The practice sections of the sponsor's value report: the funnel, the stories, practice health.

Each shows its part's figure group (``practice.selectors.value``: the same figures the CSV export and
the monthly email show); registered with those figures in ``PracticeConfig.ready``.
"""

from __future__ import annotations

from communities.sections import Section
from communities.selectors.report_figures import FigureGroup

# The funnel chart (inline SVG, no script: prints as it shows): bars scaled to the largest step.
CHART_WIDTH, LABEL_WIDTH, VALUE_WIDTH, ROW_HEIGHT = 640, 190, 110, 34


def value_funnel_section(group: FigureGroup) -> Section:
    steps = group.data
    top = max((s.count.value or 0 for s in steps), default=0)
    rows = []
    for i, s in enumerate(steps):
        bar = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) * (s.count.value or 0) / top if top else 0
        y = i * ROW_HEIGHT
        rows.append({"step": s, "bar": bar, "y": y, "text_y": y + ROW_HEIGHT * 0.62, "end": LABEL_WIDTH + bar + 6})
    chart = {"rows": rows, "width": CHART_WIDTH, "height": ROW_HEIGHT * len(steps), "label_width": LABEL_WIDTH}
    return Section(
        "practice/value/_funnel.html",
        {"steps": steps, "chart": chart},
        title=group.title,
        figures=group.figures,
    )


def value_stories_section(group: FigureGroup) -> Section:
    return Section("practice/value/_stories.html", {"stories": group.data}, title=group.title, figures=group.figures)


def value_health_section(group: FigureGroup) -> Section:
    return Section("practice/value/_health.html", dict(group.data), title=group.title, figures=group.figures)


def value_sessions_section(group: FigureGroup) -> Section:
    return Section("practice/value/_sessions.html", dict(group.data), title=group.title, figures=group.figures)
