"""The access-control matrix: every route of the portal, every persona, the status the table promises.

The routes come from the resolver, so a new URL without a line in ``tests/guards/routes.py`` fails
here with the line to add. For the private community, outsiders get a 404 byte-identical to the one
for a slug that never existed, and every id from another community gives 404.
"""

from __future__ import annotations

import pytest

from tests.guards.routes import (
    NEVER_USED_SLUG,
    NON_MEMBERS,
    ROUTES,
    all_patterns,
    clients,
    describe,
    fetch,
    matches,
    missing_rows_message,
    route_for,
    url_for,
)

pytestmark = pytest.mark.django_db

PATTERNS = all_patterns()
IDS = [p.key for p in PATTERNS]


def test_every_route_has_a_line_in_the_table():
    missing = [p for p in PATTERNS if p.key not in ROUTES]
    assert not missing, missing_rows_message(missing)


def test_every_line_of_the_table_is_a_route():
    stale = sorted(set(ROUTES) - {p.key for p in PATTERNS})
    assert not stale, f"ROUTES has lines for routes that no longer exist; remove them: {stale}"


@pytest.mark.parametrize("pattern", PATTERNS, ids=IDS)
def test_it_answers_every_persona_as_the_table_says(pattern, world, personas):
    route = route_for(pattern)
    url = url_for(pattern, route, world)
    wrong = []
    for persona, client in clients(personas).items():
        for method, expected in (("GET", route.get), ("POST", route.post)):
            if expected is None:
                continue
            response = fetch(client, method, url)
            if not matches(response, expected[persona]):
                said = expected[persona]
                wrong.append(f"{persona:>11}: {method} {url} → {describe(response)}, the table says {said}")
    assert not wrong, f'ROUTES["{pattern.key}"] and the portal disagree:\n' + "\n".join(wrong)


SLUGGED = [p for p in PATTERNS if p.has_slug]


@pytest.mark.parametrize("pattern", SLUGGED, ids=[p.key for p in SLUGGED])
def test_outsiders_get_the_same_answer_as_for_a_slug_that_never_existed(pattern, world, personas):
    route = route_for(pattern)
    if route.get["outsider"] == 200:
        pytest.skip("published to anyone on purpose (the pitch): outsiders may tell it exists")
    private, missing = url_for(pattern, route, world), url_for(pattern, route, world, slug=NEVER_USED_SLUG)
    differences = []
    by_persona = clients(personas)
    for persona in (*NON_MEMBERS, "anonymous"):
        for method in ("GET", "POST"):
            a, b = fetch(by_persona[persona], method, private), fetch(by_persona[persona], method, missing)
            same = a.status_code == b.status_code and (
                a.content == b.content
                if persona != "anonymous"
                # Anonymous visitors are sent to log in, with the page they asked for as ?next=.
                else a.get("Location", "").replace(world.community.slug, NEVER_USED_SLUG) == b.get("Location", "")
            )
            if not same:
                differences.append(f"{persona}: {method} {private} → {describe(a)}, {missing} → {describe(b)}")
    assert not differences, "a private community shows outsiders that it exists:\n" + "\n".join(differences)


WITH_IDS = [p for p in PATTERNS if p.key in ROUTES and ROUTES[p.key].object_args]


@pytest.mark.parametrize("pattern", WITH_IDS, ids=[p.key for p in WITH_IDS])
def test_ids_from_another_community_give_404(pattern, world, personas):
    """As the sponsor of ``community``, each id (and all of them) swapped for the other community's."""
    route = route_for(pattern)
    client = clients({"sponsor": personas["sponsor"]})["sponsor"]
    args = tuple(route.object_args)
    wrong = []
    for foreign in [(arg,) for arg in args] + ([args] if len(args) > 1 else []):
        url = url_for(pattern, route, world, foreign=foreign)
        answers = {method: fetch(client, method, url) for method in ("GET", "POST")}
        # 405 means the view did not run for that method; the other method must then reach it and 404.
        codes = {method: response.status_code for method, response in answers.items()}
        if not (set(codes.values()) <= {404, 405} and 404 in codes.values()):
            wrong.append(
                f"{url} (other community's {', '.join(foreign)}): "
                + ", ".join(f"{method} → {describe(response)}" for method, response in answers.items())
            )
    assert not wrong, "an object of another community was reachable:\n" + "\n".join(wrong)
