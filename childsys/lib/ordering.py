"""One order from several apps' ordered lists (page sections, tabs, report figures).

Each app registers one ordered list; an app that builds on another places its entries among the
other's with ``after=``/``before=`` a name, so a page's order reads in two lists, not in numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


@dataclass(frozen=True)
class Slot(Generic[T]):
    """One entry of an app's ordered list: a name, what it places, and where among the other apps' entries."""

    name: str
    item: T
    after: str | None = None
    before: str | None = None


def arrange(lists: Sequence[Sequence[Slot[T]]]) -> list[Slot[T]]:
    """The slots of every list in one order.

    Each list keeps its own order. A slot with ``after``/``before`` starts a run (it and the slots that
    follow it without an anchor) placed next to that name; runs without an anchor come first, list by
    list. ImproperlyConfigured when an anchor names nothing registered.
    """
    runs: list[list[Slot[T]]] = []
    for slots in lists:
        for i, slot in enumerate(slots):
            if i == 0 or slot.after or slot.before:
                runs.append([slot])
            else:
                runs[-1].append(slot)
    order = [slot for run in runs if not (run[0].after or run[0].before) for slot in run]
    anchored = [run for run in runs if run[0].after or run[0].before]
    while anchored:
        waiting = []
        for run in anchored:
            names = [s.name for s in order]
            anchor = run[0].after or run[0].before
            if anchor in names:
                at = names.index(anchor) + (1 if run[0].after else 0)
                order[at:at] = run
            else:
                waiting.append(run)
        if len(waiting) == len(anchored):
            missing = ", ".join(str(run[0].after or run[0].before) for run in waiting)
            raise ImproperlyConfigured(f"placed next to names nobody registered: {missing}")
        anchored = waiting
    return order
