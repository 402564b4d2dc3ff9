"""Demo data for Direction: how the patient-safety network found its purpose and vision.

The story: the sponsor set a first purpose when the network started and sharpened it two months
ago; an appreciative inquiry in the first weeks produced the vision adopted ten weeks ago; the
strategy and objectives followed; now the core group is co-creating a bolder second vision, open
for stances, with mixed reactions. The value pitch is published for the hospital board.

Historic events are written with their dates and without notifications, so running the demo does
not flood the outbox with old news; the draft open right now did notify members (in-app only).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from communities.demo import core
from communities.demo.core import Demo
from communities.models import (
    PurposeVersion,
    VisionDraft,
)
from communities.services import direction as services

PURPOSE_V1 = "Make care in our hospital safer by helping the people who deliver it learn from each other."
PURPOSE_V2 = (
    "We exist so that **no patient in our hospital is harmed twice by the same mistake**.\n\n"
    "Ward nurses, pharmacists, physicians and educators bring their safety problems of practice to each "
    "other, get a useful answer within two days, follow up on what worked, and turn what they learn into "
    "better care on every ward. This is how the network serves the hospital's goal of zero avoidable harm."
)

CONTRIBUTIONS = [
    # (phase, author prefix, text)
    (
        "discover",
        "ayla.core",
        "The night a pharmacist on the phone spotted a tenfold heparin dose from a "
        "photo of the chart. Nobody was blamed; the next morning three wards changed their double-check.",
    ),
    (
        "discover",
        "chen",
        "After our first sepsis case review, the ED and ward 4 started using the same "
        "escalation card. It worked because the people who use it wrote it together.",
    ),
    (
        "discover",
        "gwen",
        "A night nurse shared how she prevents falls in confused patients with a simple "
        "bedside routine. Within a month two other wards tried it, and told her how it went.",
    ),
    (
        "dream",
        "member",
        "Any nurse with a safety worry gets a useful answer from a colleague within a day, "
        "whatever ward or shift they are on.",
    ),
    (
        "dream",
        "bram.core",
        "Incident reviews are read as stories worth learning from, not as blame. Lessons "
        "travel across the hospital faster than the incidents repeat.",
    ),
    ("dream", "esra", "Patients and families notice the difference: the same mistake is never made twice."),
    (
        "design",
        "facilitator",
        "We are the place where safety questions go first: we answer within 48 hours, "
        "we follow up on advice, and we write down what we learn.",
    ),
    ("design", "hugo", "Every ward has at least one member of the network, so lessons land where care is given."),
    ("destiny", "daan", "I will bring one handover problem to the network each month and report back on it."),
    ("destiny", "iris", "I will turn each incident review I lead into a short case story for the network."),
    ("destiny", "sponsor", "I will make time for the network in the quality board agenda every quarter."),
]

VISION_ADOPTED = """\
**Learning travels faster than incidents.**

- A safety question from any ward gets a useful answer from a colleague within 48 hours.
- We follow up on advice, so we know what worked and what did not.
- What we learn is written down and reaches every ward, so the same mistake is not made twice.
"""

VISION_NEW = """\
By next year, **no patient in our hospital is harmed twice by the same mistake**.

1. Every ward has a safety champion in the network, on every shift pattern.
2. Every incident review becomes a case story the whole hospital can learn from, within a month.
3. Patients and families help us see risks: two of them sit in our quarterly review.
4. We show the board each quarter which changes in practice came from the network.
"""

STRATEGY = """\
We grow the network ward by ward, starting where harm is most frequent: medication, falls and the
deteriorating patient. Members commit to answer within 48 hours and to follow up on advice; the
core group turns what we learn into short case stories and FAQs. Each quarter we report to the
quality board what changed in practice, and we ask the board for the time members need.
"""


def seed(demo: Demo) -> None:
    community = demo.community
    if PurposeVersion.objects.filter(community=community).exists():
        return  # already seeded
    now = demo.now
    u = demo.users
    sponsor, facilitator = u["sponsor"], u["facilitator"]

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    # Purpose: two versions by the sponsor.
    services.purpose_set(community=community, author=sponsor, text=PURPOSE_V1, now=ago(119))
    services.purpose_set(community=community, author=sponsor, text=PURPOSE_V2, now=ago(60))

    # The appreciative inquiry of the first weeks, with contributions in all four phases.
    inquiry = services.inquiry_open(
        community=community, actor=facilitator, title="Patient safety at its best: our first inquiry", now=ago(104)
    )
    for i, (phase, author, text) in enumerate(CONTRIBUTIONS):
        services.inquiry_contribute(inquiry=inquiry, author=u[author], phase=phase, text=text, now=ago(102 - i * 2))
    services.inquiry_close(inquiry=inquiry, actor=facilitator, now=ago(78))

    # The vision adopted ten weeks ago, drafted from the inquiry, with the stances it got.
    first = services.vision_draft_create(
        community=community,
        author=facilitator,
        title="Learning travels faster than incidents",
        text=VISION_ADOPTED,
        inquiry=inquiry,
        now=ago(76),
    )
    _open_quietly(first, actor=facilitator, when=ago(75))
    first_stances = [
        ("sponsor", "support", "This is what the board needs to hear."),
        ("ayla.core", "support", ""),
        ("bram.core", "support", ""),
        ("member", "concerns", "48 hours is hard on night shifts; can we say how we cover them?"),
        ("chen", "support", ""),
        ("esra", "support", "Yes: written down and reaching every ward."),
        ("gwen", "concerns", "Please include the people on wards we do not reach yet."),
        ("hugo", "support", ""),
        ("iris", "support", ""),
    ]
    for i, (who, stance, comment) in enumerate(first_stances):
        services.vision_stance_set(draft=first, user=u[who], stance=stance, comment=comment, now=ago(74 - i * 0.5))
    services.vision_comment_add(
        draft=first,
        author=facilitator,
        now=ago(72),
        text="Night shifts: the core group will check unanswered questions every morning. Thanks, Mo.",
    )
    _adopt_quietly(first, actor=sponsor, when=ago(70))

    # Strategy and objectives, set under that vision.
    services.strategy_set(community=community, author=facilitator, text=STRATEGY, now=ago(66))
    objectives = [
        (
            "Answer every help request within 48 hours",
            "facilitator",
            "share of requests with a first response within 48 hours",
            "90%",
            45,
            "active",
            "Our response commitment, visible on every request.",
        ),
        (
            "Close the learning loop on advice",
            "ayla.core",
            "loop closure rate: outcomes reported for advice taken",
            "60%",
            75,
            "active",
            "Askers tell us how advice turned out.",
        ),
        (
            "A medication-safety huddle on every ward",
            "esra",
            "wards holding a weekly 10-minute huddle",
            "12 of 12 wards",
            -10,
            "active",
            "Started on 5 wards; pharmacy support needed for the rest.",
        ),
        (
            "Publish a monthly safety learning digest",
            "bram.core",
            "digests published",
            "3 in a row",
            -20,
            "achieved",
            "Case stories and FAQs from the network, one page.",
        ),
        (
            "Bring sepsis escalation into the network",
            "chen",
            "wards using the shared escalation card",
            "8 wards",
            120,
            "planned",
            "",
        ),
    ]
    for i, (title, owner, measure, target, due_in, status, description) in enumerate(objectives):
        created = ago(65 - i)
        objective = services.objective_create(
            community=community,
            actor=facilitator,
            title=title,
            description=description,
            measure=measure,
            target=target,
            owner=u[owner],
            due_date=(now + timedelta(days=due_in)).date(),
            now=created,
            status="active" if status == "achieved" else status,
        )
        if status == "achieved":
            services.objective_update(objective=objective, actor=u[owner], status=status, now=ago(22))

    # The second vision, being co-created now: mixed stances and a lively discussion.
    second = services.vision_draft_create(
        community=community,
        author=u["ayla.core"],
        title="No patient harmed twice",
        text=VISION_NEW,
        now=ago(6),
    )
    _open_quietly(second, actor=u["ayla.core"], when=ago(5), notify_members=True)
    second_stances = [
        ("sponsor", "support", "Bold, and it matches the hospital's zero-harm goal."),
        ("facilitator", "support", ""),
        ("bram.core", "concerns", "“By next year” is ambitious for 24 wards; can we say which wards first?"),
        ("chen", "support", "Patients in the review is overdue."),
        (
            "daan",
            "object",
            "A champion on every shift pattern means extra work we have no time for. "
            "Without protected hours this stays on paper.",
        ),
        ("esra", "concerns", "Case stories within a month: who writes them? The reviewers are already stretched."),
        ("gwen", "support", ""),
        ("hugo", "support", ""),
    ]
    for i, (who, stance, comment) in enumerate(second_stances):
        services.vision_stance_set(draft=second, user=u[who], stance=stance, comment=comment, now=ago(4.5 - i * 0.4))
    for days, who, text in [
        (4, "daan", "I like the ambition. My objection is only about time: could the sponsor ask for protected hours?"),
        (3.5, "sponsor", "Fair point. I will take protected hours for champions to the quality board this month."),
        (3, "iris", "I can help write case stories if we keep them to one page."),
        (1, "ayla.core", "Thanks all. I will add a line on protected time and a first-wave ward list this week."),
    ]:
        services.vision_comment_add(draft=second, author=u[who], text=text, now=ago(days))
    # The promised ward list wins one member over: the draft page shows how the stance moved.
    services.vision_stance_set(
        draft=second, user=u["bram.core"], stance="support", comment="With a first-wave list, yes.", now=ago(0.5)
    )

    # The value pitch for the hospital board, published.
    proposition = services.value_proposition_save(
        community=community,
        actor=facilitator,
        for_whom="Ward nurses, pharmacists, physicians and educators, and the patients in their care.",
        problem="Safety lessons stay on the ward where they were learned, so the same incidents repeat elsewhere, "
        "and staff with a safety worry often have nobody to ask in time.",
        value="A colleague's answer within 48 hours, follow-up on what worked, and a shared memory of case stories "
        "and FAQs that reaches every ward. For the hospital: fewer repeated incidents and a faster route from "
        "incident review to changed practice.",
        proof="In four months most requests got a first answer within two days; two pilot wards cut repeat "
        "medication errors after the heparin case story; three wards adopted a falls routine from a night nurse.",
        now=ago(30),
    )
    services.value_proposition_publish(proposition=proposition, actor=sponsor, publish=True, now=ago(29))


def _open_quietly(draft: VisionDraft, *, actor, when, notify_members: bool = False) -> None:
    """Open a draft through the service as it happened, without emails; optionally with the in-app notifications."""
    with core.quietly(keep_notifications=notify_members):
        services.vision_draft_open(draft=draft, actor=actor, now=when)


def _adopt_quietly(draft: VisionDraft, *, actor, when) -> None:
    """Adopt a draft through the service as it happened, without telling anyone."""
    with core.quietly():
        services.vision_adopt(draft=draft, actor=actor, now=when)
