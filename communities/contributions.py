"""What a member wrote that deleting their account may also remove, and what of it others' posts depend on.

By default a deleted account's contributions stay, shown as "Former member". A member may ask for them to be
removed too, where nobody else's content depends on them. Each app says, per kind of post, which of the
person's rows others depend on (and why, in plain words) and how a row is removed; ``communities`` registers
its own kinds in ``CommunitiesConfig.ready``, ``practice`` its kinds in ``PracticeConfig.ready``, so
``communities`` never imports ``practice``. ``communities.services.erasure`` reads the registry for both the
counts on the confirmation page and the removal itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from communities.models import User


@dataclass(frozen=True)
class Contribution:
    what: str  # the kind, in plain words: "Help requests"
    kept_when: str  # when the person's row stays, in plain words: "someone else advised on it, …"
    written: Callable[[User], QuerySet]  # every row of this kind the person wrote
    depended_on: Callable[[QuerySet, User], QuerySet]  # those of ``written`` that others' content depends on
    remove: Callable[[list], None]  # deletes these rows and the copies that quote or link to them


_KINDS: dict[str, list[Contribution]] = {}


def register(app: str, kinds: Sequence[Contribution]) -> None:
    """The removable kinds of ``app``, in the order they are removed; registering again replaces."""
    _KINDS[app] = list(kinds)


def kinds() -> list[Contribution]:
    """Every registered kind, app by app in registration order (the order of ``INSTALLED_APPS``)."""
    return [kind for app_kinds in _KINDS.values() for kind in app_kinds]


# What else, besides signing in, shows a person still uses the portal: each entry gives, for the user in
# ``OuterRef("pk")``, their latest such time as a one-value queryset (practice: the last email reply they
# sent, since replying by email posts advice without signing in). The inactivity sweep reads them.
_ACTIVITY: dict[str, list[Callable[[], QuerySet]]] = {}


def register_activity(app: str, latest: Sequence[Callable[[], QuerySet]]) -> None:
    _ACTIVITY[app] = list(latest)


def activity() -> list[Callable[[], QuerySet]]:
    return [latest for app_latest in _ACTIVITY.values() for latest in app_latest]
