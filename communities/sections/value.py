"""The value report's sections that ``communities`` owns: participation, vibrancy, objectives.

Each shows its part's :class:`~communities.selectors.report_figures.FigureGroup` (the same figures the
CSV export and the monthly email show); registered with their figures in ``CommunitiesConfig.ready``.
"""

from __future__ import annotations

from communities.sections import Section
from communities.selectors.report_figures import FigureGroup


def report_section(template: str, key: str, group: FigureGroup) -> Section:
    """A value report section showing ``group``, its data under ``key`` in the template."""
    return Section(template, {key: group.data}, title=group.title, figures=group.figures)


def value_participation(group: FigureGroup) -> Section:
    return report_section("communities/value/_participation.html", "participation", group)


def value_vibrancy(group: FigureGroup) -> Section:
    return report_section("communities/value/_vibrancy.html", "movement", group)


def value_objectives(group: FigureGroup) -> Section:
    return report_section("communities/value/_objectives.html", "progress", group)
