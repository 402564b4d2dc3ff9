"""The practice sections of the sponsor's value report: the funnel, the stories, practice health.

Each is ``build(request, access, *, period)`` → :class:`Section` around the part's figure group
(``practice.selectors.value``: the same figures the CSV export and the monthly email show);
registered in ``PracticeConfig.ready``. Each costs a fixed number of queries.
"""

from __future__ import annotations

from django.http import HttpRequest

from communities.access import CommunityAccess
from communities.sections import Section
from communities.selectors.report_periods import ReportPeriod
from practice.selectors import value as selectors

# The funnel chart (inline SVG, no script: prints as it shows): bars scaled to the largest step.
CHART_WIDTH, LABEL_WIDTH, VALUE_WIDTH, ROW_HEIGHT = 640, 190, 110, 34


def value_funnel_section(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> Section:
    group = selectors.funnel_figures(access.community, period)
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


def value_stories_section(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> Section:
    group = selectors.stories_figures(access.community, period)
    return Section("practice/value/_stories.html", {"stories": group.data}, title=group.title, figures=group.figures)


def value_health_section(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> Section:
    group = selectors.health_figures(access.community, period)
    return Section("practice/value/_health.html", dict(group.data), title=group.title, figures=group.figures)
