"""Pages built from sections that several areas contribute (the community home, the dashboard).

An area registers a function at import time (from its ``AppConfig.ready``); the page calls
:func:`collect`. This keeps ``communities`` free of imports from ``practice`` while the
practice figures still appear on the community's pages. Each section must cost a fixed
number of queries, whatever the size of the community.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest

from communities.access import CommunityAccess

SectionFn = Callable[[HttpRequest, CommunityAccess], dict | None]


@dataclass(order=True)
class _Entry:
    order: int
    name: str
    fn: SectionFn = field(compare=False)


# "value": the sponsor's value report; its sections are called with ``period=`` (a
# ``communities.selectors.value.ReportPeriod``) and ``request`` may be None (the monthly email).
_PAGES: dict[str, list[_Entry]] = {"home": [], "dashboard": [], "value": []}


def register(page: str, name: str, *, order: int = 100) -> Callable[[SectionFn], SectionFn]:
    """Register ``fn(request, access)`` to return ``{"template": ..., **context}`` or None to skip."""

    def decorator(fn: SectionFn) -> SectionFn:
        entries = _PAGES[page]
        entries[:] = [e for e in entries if e.name != name]  # re-import safe
        entries.append(_Entry(order, name, fn))
        entries.sort()
        return fn

    return decorator


def collect(page: str, request: HttpRequest | None, access: CommunityAccess, **extra) -> list[dict]:
    """Every registered section of ``page`` that has something to show; ``extra`` is passed on."""
    out = []
    for entry in _PAGES[page]:
        section = entry.fn(request, access, **extra)
        if section is not None:
            out.append({"name": entry.name, **section})
    return out


@dataclass(order=True)
class Tab:
    order: int
    label: str = field(compare=False)
    url_name: str = field(compare=False)
    role: str = field(compare=False, default="member")
    active_prefix: str = field(compare=False, default="")


_TABS: list[Tab] = []


def register_tab(label: str, url_name: str, *, role: str = "member", order: int = 100, active_prefix: str = "") -> None:
    """Add a tab to the community bar, shown to members holding ``role`` or more.

    The tab is highlighted on every view whose name starts with ``active_prefix``
    (default: ``url_name``), e.g. ``"practice:request"`` for the list and the detail pages.
    """
    _TABS[:] = [t for t in _TABS if t.url_name != url_name]
    _TABS.append(Tab(order, label, url_name, role, active_prefix or url_name))
    _TABS.sort()


def tabs() -> list[Tab]:
    return list(_TABS)
