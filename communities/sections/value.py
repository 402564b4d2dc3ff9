"""The value report's sections that ``communities`` owns: participation, vibrancy, objectives.

Each is ``build(request, access, *, period)`` → :class:`Section` around the part's
:class:`~communities.selectors.report_figures.FigureGroup` (the same figures the CSV export and the
monthly email show); registered in ``CommunitiesConfig.ready``.
"""

from __future__ import annotations

from django.http import HttpRequest

from communities.access import CommunityAccess
from communities.sections import Section
from communities.selectors import value as selectors
from communities.selectors.report_figures import FigureGroup
from communities.selectors.report_periods import ReportPeriod


def report_section(template: str, key: str, group: FigureGroup) -> Section:
    """A value report section showing ``group``, its data under ``key`` in the template."""
    return Section(template, {key: group.data}, title=group.title, figures=group.figures)


def value_participation(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> Section:
    group = selectors.participation_figures(access.community, period)
    return report_section("communities/value/_participation.html", "participation", group)


def value_vibrancy(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> Section:
    group = selectors.vibrancy_figures(access.community, period)
    return report_section("communities/value/_vibrancy.html", "movement", group)


def value_objectives(request: HttpRequest | None, access: CommunityAccess, *, period: ReportPeriod) -> Section:
    group = selectors.objectives_figures(access.community, period)
    return report_section("communities/value/_objectives.html", "progress", group)
