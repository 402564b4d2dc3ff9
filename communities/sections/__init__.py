"""Pages built from sections that several apps contribute: the community home, the dashboard, the value report.

A section builder is a function of its own module (``communities/sections/…``, ``practice/sections/…``)
that returns a typed :class:`Section`, several of them (one computation behind several sections), or
None to show nothing. Each app registers its builders in its ``AppConfig.ready`` from one ordered list
per page (:func:`register`); the page calls :func:`collect`. An app that builds on another places its
sections among the other's with ``after=``/``before=`` a section name, so the order of a page is read
in two lists, not from numbers spread over modules. This keeps ``communities`` free of imports from
``practice`` while the practice figures still appear on the community's pages. Each section costs a
fixed number of queries, whatever the size of the community. The community bar's tabs are registered
the same way (:func:`register_tabs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from childsys.lib.ordering import Slot, arrange
from communities.access import CommunityAccess
from communities.selectors import report_figures
from communities.selectors.report_figures import Figure, FigureGroup, FigureSource
from communities.selectors.report_periods import ReportPeriod

PAGES = ("home", "dashboard")


@dataclass(frozen=True)
class Section:
    """What a page shows of one section: its template and that template's context (read as ``s.…``)."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    column: str = "main"  # the community home's "main" or "side" column, or "top": above both, leading the page
    figures: Sequence[Figure] = ()  # the value report's figures (page, CSV export)
    name: str = ""  # set from the registration unless the builder names it

    def __getitem__(self, key: str) -> Any:
        # Templates and tests read the context as ``s.purpose`` / ``section["purpose"]``.
        return self.context[key]


Built = Section | Sequence[Section] | None
Builder = Callable[..., Built]


_PAGES: dict[str, dict[str, list[Slot[Builder]]]] = {page: {} for page in PAGES}


def register(page: str, app: str, slots: Sequence[Slot[Builder]]) -> None:
    """``app``'s sections of ``page``, in order, each called as ``build(request, access)``; registering
    again replaces them (re-import safe)."""
    if page not in _PAGES:
        raise ImproperlyConfigured(f"no page {page!r}; pages: {', '.join(PAGES)}")
    _PAGES[page][app] = list(slots)


def names(page: str) -> list[str]:
    """The registered section names of ``page`` ("value": the report's parts), in order."""
    registry = _REPORT if page == "value" else _PAGES[page]
    return [slot.name for slot in arrange(list(registry.values()))]


def collect(page: str, request: HttpRequest, access: CommunityAccess) -> list[Section]:
    """Every registered section of ``page`` that has something to show."""
    out: list[Section] = []
    for slot in arrange(list(_PAGES[page].values())):
        built = slot.item(request, access)
        if built is None:
            continue
        for section in [built] if isinstance(built, Section) else built:
            out.append(section if section.name else replace(section, name=slot.name))
    return out


# --- the value report --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPart:
    """A part of the value report: its figures (for the page, the CSV export and the monthly email) and
    how the page shows them."""

    figures: FigureSource
    present: Callable[[FigureGroup], Section]


_REPORT: dict[str, list[Slot[ReportPart]]] = {}


def register_report(app: str, slots: Sequence[Slot[ReportPart]]) -> None:
    """``app``'s parts of the value report, in order: their figures go to
    ``communities.selectors.report_figures`` (the email and the CSV read them there), their sections to the page."""
    report_figures.register(app, [replace(slot, item=slot.item.figures) for slot in slots])
    _REPORT[app] = list(slots)


def report_sections(access: CommunityAccess, period: ReportPeriod) -> list[Section]:
    """The value report's page for ``period``: every part's figures, shown (a fixed number of queries)."""
    out = []
    for slot in arrange(list(_REPORT.values())):
        section = slot.item.present(slot.item.figures(access.community, period))
        out.append(section if section.name else replace(section, name=slot.name))
    return out


# --- the community bar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    label: str
    url_name: str
    role: str = "member"
    active_prefix: str = ""  # the tab is highlighted on every view whose name starts with it


_TABS: dict[str, list[Slot[Tab]]] = {}


def tab(
    label: str, url_name: str, *, role: str = "member", active_prefix: str = "", after: str | None = None
) -> Slot[Tab]:
    """A tab shown to members holding ``role`` or more, highlighted on views named ``active_prefix…``
    (default: ``url_name``); ``after`` is the ``url_name`` of another app's tab."""
    return Slot(url_name, Tab(label, url_name, role, active_prefix or url_name), after=after)


def register_tabs(app: str, slots: Sequence[Slot[Tab]]) -> None:
    _TABS[app] = list(slots)


def tabs() -> list[Tab]:
    return [slot.item for slot in arrange(list(_TABS.values()))]
