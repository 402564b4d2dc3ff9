"""Demo data for ``seed_demo``, one module per area. Every seeder is idempotent.

Each app registers its seeders, in the order they must run, from its ``AppConfig.ready``:
``communities`` first (the core, members, direction, vibrancy), then the apps that build on it
(``practice``). So ``seed_demo`` runs every app's demo without ``communities`` importing them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from communities.demo.core import Demo

Seeder = Callable[["Demo"], None]

_SEEDERS: dict[str, list[Seeder]] = {}


def register(app: str, seeders: Sequence[Seeder]) -> None:
    """The seeders of ``app``, in the order they run; they run after those of the apps registered before."""
    _SEEDERS[app] = list(seeders)  # registering again replaces: re-import safe


def seeders() -> list[Seeder]:
    """Every registered seeder, app by app in registration order (the order of ``INSTALLED_APPS``)."""
    return [seeder for app_seeders in _SEEDERS.values() for seeder in app_seeders]
