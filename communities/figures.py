"""A community's dashboard figures, kept for a short while in the shared cache.

The practice figures on the dashboard aggregate a 90-day window of requests, advice, learning
loops and artefacts: tens of milliseconds of database time in a community of 100,000 requests,
on every load. :func:`cached` keeps each set for ``DASHBOARD_FIGURES_SECONDS`` under a key that
holds the community's *figures version*; :func:`changed` moves the version on, after the change
commits, so the next load computes afresh. Writes that go through ``Model.save()`` call it from
signals (see ``practice/signals.py``); conditional ``UPDATE``\\ s call it themselves. Whatever
slips past (the clock making a request overdue) is at most ``DASHBOARD_FIGURES_SECONDS`` old,
and the page says when its figures were computed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

T = TypeVar("T")


@dataclass(frozen=True)
class Figures(Generic[T]):
    value: T
    computed_at: datetime


def _version_key(community_id: int) -> str:
    return f"figures:{community_id}:version"


def _new_version() -> int:
    # A clock reading, not 0: should the version key be evicted, no older set of figures comes back.
    return time.time_ns()


def cached(community_id: int, name: str, compute: Callable[[], T]) -> Figures[T]:
    """``compute()``'s result for this community, from the cache while no change has been recorded."""
    seconds = settings.DASHBOARD_FIGURES_SECONDS
    if seconds <= 0:
        return Figures(compute(), timezone.now())
    version = cache.get_or_set(_version_key(community_id), _new_version, timeout=None)
    key = f"figures:{community_id}:{name}:{version}"
    figures = cache.get(key)
    if figures is None:
        figures = Figures(compute(), timezone.now())
        cache.set(key, figures, seconds)
    return figures


def changed(community_id: int) -> None:
    """The community's practice data changed: once the transaction commits, figures are computed again.

    After the commit, not before: a dashboard computing meanwhile would otherwise store figures
    without the change under the new version.
    """
    transaction.on_commit(lambda: _bump(community_id))


def _bump(community_id: int) -> None:
    key = _version_key(community_id)
    try:
        cache.incr(key)
    except ValueError:  # no version yet (or evicted)
        cache.set(key, _new_version(), timeout=None)
