"""The seven dimensions of intentional development, as first seeded (docs/domain.md).

Plain data plus one helper, so the data migration and the test fixtures share one text.
Site admins edit the guidance in the Django admin afterwards; this module is only the default.
"""

from __future__ import annotations

from typing import Any

DIMENSIONS: list[dict[str, str | int]] = [
    {
        "number": 1,
        "slug": "practice",
        "name": "Practice",
        "summary": "Members help each other succeed in their day-to-day work.",
        "what": (
            "Serve the immediate needs of practice: members succeed in their day jobs, and those "
            "projects drive everyone's learning."
        ),
        "why": (
            "The learning agenda is driven by the issues members actually face, so topics emerge from "
            "practice. Value comes from advice and from practice improving over time. Trust shows when "
            "people bring their worst problems and their failures, and members build an identity as "
            "practitioners, even as beginners.\n\n"
            "Watch for the downsides: a focus that is too narrow, and learning that is mostly reactive."
        ),
        "how": (
            "**Helping each other.** Members bring problems and ask for advice; peers jump in. The "
            "intentional version: *commit to respond within a given timeframe*; be accountable for "
            "discussing advice you disagree with; be a sympathetic audience for difficulties; share "
            "stories of good approaches; congratulate each other on successes.\n\n"
            "**Ensuring learning loops.** After advice, *follow up later* to see how things turned out, "
            "what worked and what did not. Don't jump from one issue to the next.\n\n"
            "**Capturing emergent learning.** Build a communal memory: FAQs, summaries and highlights, "
            "stories about cases, reflections on failures, important insights. It serves people who "
            "could not take part, people who want to remember the key points, and newcomers coming up "
            "to speed."
        ),
    },
    {
        "number": 2,
        "slug": "domain",
        "name": "Domain",
        "summary": "The community sharpens what it is about: a shared learning agenda at the cutting edge.",
        "what": (
            "The community knows what it is about and keeps sharpening it: a shared learning agenda, "
            "and attention to the cutting edge of its field."
        ),
        "why": (
            "A clear domain tells members why their time here is well spent and tells the organisation "
            "what expertise it can count on. Without it, conversations drift and the community "
            "repeats what everyone already knows."
        ),
        "how": (
            "Write down and revisit the learning agenda together; map the open questions of the field; "
            "invite people who work at its edge; retire topics the community has mastered and name the "
            "ones it wants to master next."
        ),
    },
    {
        "number": 3,
        "slug": "community",
        "name": "Community",
        "summary": "Relationships, trust and participation deepen; newcomers find a way in.",
        "what": (
            "Relationships, trust and participation deepen over time, and newcomers find a way in "
            "from the periphery to the core."
        ),
        "why": (
            "People ask for help, admit mistakes and share half-finished ideas only with people they "
            "trust. A community that newcomers cannot enter slowly turns into a closed club."
        ),
        "how": (
            "Welcome newcomers personally and give them a first small way to contribute; make room for "
            "peripheral members; keep a rhythm of meetings; notice who has gone quiet; celebrate "
            "contributions, not only results."
        ),
    },
    {
        "number": 4,
        "slug": "strategy",
        "name": "Strategy",
        "summary": "The community is strategically relevant: aligned with sponsors and the organisation's goals.",
        "what": (
            "The community is strategically relevant: its work is aligned with its sponsors and with "
            "the organisation's goals, and both sides know it."
        ),
        "why": (
            "Sponsorship, time and budget follow relevance. When leaders see how the community serves "
            "their goals, members get the room they need to take part."
        ),
        "how": (
            "Agree the purpose with the sponsor; link objectives to the organisation's priorities; "
            "report value regularly in the sponsor's terms; invite leaders to see the work first-hand."
        ),
    },
    {
        "number": 5,
        "slug": "boundaries",
        "name": "Boundaries",
        "summary": "It learns across boundaries: with other communities, partners and disciplines.",
        "what": (
            "The community learns across boundaries: with other communities, external partners and other disciplines."
        ),
        "why": (
            "New ideas often come from the edges. Problems of practice rarely stop at a department's "
            "or a profession's border, and neither should the learning about them."
        ),
        "how": (
            "Invite guests from neighbouring communities and disciplines; run joint sessions; appoint "
            "brokers who belong to more than one community; visit each other's practice."
        ),
    },
    {
        "number": 6,
        "slug": "transformation",
        "name": "Transformation",
        "summary": "It makes a difference beyond itself: changes in practice that others can see.",
        "what": ("The community makes a difference beyond itself: changes in practice that others can see and adopt."),
        "why": (
            "Learning that stays inside the community helps its members; learning that changes how "
            "the wider organisation works multiplies the value."
        ),
        "how": (
            "Turn what the community has learned into changed protocols, tools and training; track "
            "where practice changed; tell the stories of those changes outside the community."
        ),
    },
    {
        "number": 7,
        "slug": "voice",
        "name": "Voice",
        "summary": "It has a voice: it influences the decisions and policies that shape its practice.",
        "what": "The community has a voice: it influences the decisions and policies that shape its practice.",
        "why": (
            "Practitioners know where policies help and where they get in the way. When the "
            "community speaks with one voice, decisions improve and members see their experience count."
        ),
        "how": (
            "Take positions on proposals that affect practice; get a seat where decisions are made; "
            "send evidence from members' cases to policy makers; report back what changed."
        ),
    },
]


def ensure_dimensions(model: Any) -> int:
    """Create any of the seven default dimensions that are missing; return how many were created.

    ``model`` is the Dimension model: the historical one in the data migration, the real one in tests.
    Existing rows are left alone, so admins' edits survive.
    """
    created = 0
    for data in DIMENSIONS:
        _, was_created = model.objects.get_or_create(slug=data["slug"], defaults=dict(data))
        created += int(was_created)
    return created
