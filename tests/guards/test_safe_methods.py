"""No GET (or HEAD) changes data: every route, called by every persona, leaves every table as it was.

Stronger than comparing row counts: the snapshot holds every row of every model (the world is
small), so an update made by a GET — "mark as read on view", say — fails as well as an insert.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session

from tests.guards.routes import all_patterns, clients, route_for, url_for

pytestmark = pytest.mark.django_db

# Tables compared by row count only, and why.
COUNT_ONLY = {
    # A signed-in request refreshes "last seen" in its session (the idle timeout, at most once a
    # minute): an intended write to the visitor's own session, never a new row.
    Session: "the idle timeout records activity in the session",
}
PATTERNS = all_patterns()


def snapshot() -> dict[str, object]:
    """Every model's rows (or count, for ``COUNT_ONLY``), auto-created many-to-many tables included."""
    state: dict[str, object] = {}
    for model in apps.get_models(include_auto_created=True):
        rows = model._base_manager.order_by("pk")
        state[model._meta.label] = rows.count() if model in COUNT_ONLY else list(rows.values_list())
    return state


def changes(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.key for p in PATTERNS])
def test_a_get_changes_nothing(pattern, world, personas):
    route = route_for(pattern)
    url = url_for(pattern, route, world)
    by_persona = clients(personas)  # logging in writes sessions and last_login: before the snapshot
    wrong = []
    before = snapshot()
    for persona, client in by_persona.items():
        statuses = [client.generic(method, url).status_code for method in ("GET", "HEAD")]
        after = snapshot()
        if changed := changes(before, after):
            wrong.append(f"{persona}: GET/HEAD {url} → {statuses} changed {', '.join(changed)}")
            before = after
    assert not wrong, "a safe method changed data:\n" + "\n".join(wrong)


def test_the_snapshot_sees_an_update(world):
    """The harness itself: an update that adds no row is still a change."""
    before = snapshot()
    world.mine["help_request"].title = "Changed"
    world.mine["help_request"].save(update_fields=["title"])
    assert changes(before, snapshot()) == ["practice.HelpRequest"]
