"""Demo data for vibrancy: a closed round six weeks ago, an open one now, focus on Voice and Community.

The story the dashboard tells: Practice is strong and getting stronger; Voice is low now but members
want it high (the largest gap, so the community made it a focus); Boundaries divides people — half
want to stay close to the ward, half want to learn with other hospitals. ``member@`` and
``newcomer@`` have not rated the open round, so a demo user can try the sliders.
"""

from __future__ import annotations

import random
from datetime import timedelta

from communities.demo.core import Demo
from communities.models import Dimension, VibrancyRound
from communities.services import vibrancy as services
from communities.vibrancy_guidance import ensure_dimensions

# (now, should be) centres per dimension, for the first and the second round.
FIRST = {
    "practice": (6, 9),
    "domain": (5, 7),
    "community": (5, 8),
    "strategy": (4, 7),
    "boundaries": (3, None),
    "transformation": (3, 6),
    "voice": (2, 8),
}
SECOND = {
    "practice": (7.5, 9),
    "domain": (5.5, 7),
    "community": (6.5, 8),
    "strategy": (4.5, 7),
    "boundaries": (3.5, None),
    "transformation": (3.5, 6),
    "voice": (3, 8),
}
# Who wants to learn across boundaries (should be ~9) and who would rather not (~2).
BOUNDARY_SPANNERS = {"sponsor", "ayla.core", "chen", "esra", "hugo", "jai", "kim"}
FIRST_RATERS = [
    "sponsor", "facilitator", "member", "ayla.core", "bram.core", "chen",
    "daan", "esra", "finn", "gwen", "hugo", "iris",
]  # fmt: skip
SECOND_RATERS = [
    "sponsor", "facilitator", "ayla.core", "bram.core", "chen", "daan",
    "esra", "finn", "gwen", "hugo", "iris", "jai", "kim", "lotte",
]  # fmt: skip
COMMENTS = {
    ("first", "voice"): "The new medication policy arrived without anyone from the wards being asked.",
    ("first", "boundaries"): "We could learn a lot from the sepsis network in the north.",
    ("first", "practice"): "Questions get answered, but we rarely hear back how things turned out.",
    ("second", "voice"): "The falls protocol review invited two of us. A start!",
    ("second", "practice"): "The follow-ups are working: I now know which handover tips stuck.",
    ("second", "boundaries"): "Our own wards first; we have enough to fix at home.",
    ("second", "community"): "Newcomers get a buddy now, which helps.",
    ("second", "strategy"): "Leadership still sees us as a nice-to-have.",
}
COMMENTERS = {"first": ["chen", "esra", "iris"], "second": ["hugo", "kim", "gwen", "daan", "bram.core"]}


def _clamp(value: float) -> int:
    return max(0, min(10, round(value)))


def _entries(profile: dict, who: str, dimensions: dict[str, Dimension], rng: random.Random) -> dict:
    entries = {}
    for slug, (now, should_be) in profile.items():
        if should_be is None:  # Boundaries: members disagree about the ideal
            should_be = 9 if who in BOUNDARY_SPANNERS else 2
        entries[dimensions[slug].pk] = services.ScoreEntry(
            now=_clamp(rng.gauss(now, 1.0)), should_be=_clamp(rng.gauss(should_be, 0.8))
        )
    return entries


def _comment_slots(round_name: str) -> dict[str, list[str]]:
    """Which rater writes which comment: spread the round's comments over its commenters."""
    slugs = [slug for (name, slug) in COMMENTS if name == round_name]
    people = COMMENTERS[round_name]
    slots: dict[str, list[str]] = {}
    for index, slug in enumerate(slugs):
        slots.setdefault(people[index % len(people)], []).append(slug)
    return slots


def _rate(demo: Demo, round_, raters: list[str], profile: dict, round_name: str, start) -> None:
    dimensions = {d.slug: d for d in Dimension.objects.all()}
    rng = random.Random(f"vibrancy-{round_name}")
    slots = _comment_slots(round_name)
    for index, who in enumerate(raters):
        entries = _entries(profile, who, dimensions, rng)
        for slug in slots.get(who, []):
            old = entries[dimensions[slug].pk]
            entries[dimensions[slug].pk] = services.ScoreEntry(old.now, old.should_be, COMMENTS[(round_name, slug)])
        services.scores_save(
            round_=round_, user=demo.users[who], entries=entries, now=start + timedelta(hours=5 + 7 * index)
        )


def seed(demo: Demo) -> None:
    community = demo.community
    if VibrancyRound.objects.filter(community=community).exists():
        return  # already seeded
    ensure_dimensions(Dimension)  # normally seeded by the migration; a flushed test database has none
    now = demo.now
    facilitator = demo.users["facilitator"]

    first_opened = now - timedelta(days=70)
    first = services.round_open(
        community=community,
        actor=facilitator,
        closes_at=now - timedelta(days=42),
        note="Our first self-assessment: where are we, and where do we want to be? Results at the April core meeting.",
        now=first_opened,
    )
    _rate(demo, first, FIRST_RATERS, FIRST, "first", first_opened)
    services.round_close(round_=first, now=now - timedelta(days=42))

    dims = {d.slug: d for d in Dimension.objects.all()}
    services.focus_set(
        community=community,
        actor=facilitator,
        dimensions=[dims["voice"], dims["community"]],
        now=now - timedelta(days=40),
    )

    second_opened = now - timedelta(days=5)
    second = services.round_open(
        community=community,
        actor=facilitator,
        closes_at=services.closes_at_for(
            (now + timedelta(days=9)).astimezone(community.tzinfo).date(), community.tzinfo
        ),
        note="Six weeks after we chose to turn up **Voice** and **Community**: has anything moved?",
        now=second_opened,
    )
    _rate(demo, second, SECOND_RATERS, SECOND, "second", second_opened)
