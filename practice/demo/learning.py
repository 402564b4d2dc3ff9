"""Demo captured learning: the community's memory after three months, and a way in for the newcomer.

Artefacts of every kind, drawn from the demo requests (a FAQ from the insulin double-check thread,
a thread summary of the sepsis-alarm discussion, a case story from a closed learning loop, a
failure reflection on bed alarms, insights on psychological safety and night shifts), most
published by the facilitator or a core member, some edited more than once (versions), and two
drafts still in review. The newcomer path lists five of them; ``newcomer@demo.example`` has read
two. Everything goes through the services. Idempotent: nothing happens once the first FAQ exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from communities.demo.core import Demo
from communities.models import Category, Notification, OutboundEmail, Tag
from practice.models import Artefact, HelpRequest, Outcome
from practice.services import learning

D = timedelta(days=1)
FIRST_TITLE = "Who does the second check for IV insulin at night?"


@dataclass
class Spec:
    """One artefact: who writes it and when (days ago), the parts, its sources, and its life after."""

    kind: str
    by: str
    days_ago: float
    title: str
    parts: dict[str, str]
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # titles of demo help requests
    edits: list[tuple[str, float, dict[str, str], str]] = field(default_factory=list)  # (who, days ago, parts, note)
    published_by: str = ""  # empty: stays a draft
    published_days_ago: float = 0
    anonymous: bool = False  # others see "A member (anonymous)"; the author sees it as theirs


SPECS: list[Spec] = [
    Spec(
        "faq",
        "ayla.core",
        78,
        FIRST_TITLE,
        {
            "question": "The policy asks for an *independent* double check of IV insulin. Who does it at night "
            "when only two nurses are on the ward?",
            "answer": "Agree a **buddy ward**: the neighbouring ward's nurse does your second check and you do "
            "theirs. What made it stick elsewhere:\n\n- one shared phone number per pair of wards\n"
            "- a two-minute rule: whoever is called comes within two minutes\n"
            "- prepare the infusion before the call, check at the bedside\n\n"
            "Where pharmacy has an on-call technician, they can check too.",
        },
        tags=["medication-safety"],
        sources=["Independent double-checks for IV insulin on night shifts"],
        edits=[("ayla.core", 70, {}, "Added the two-minute rule from Esra's trial")],
        published_by="facilitator",
        published_days_ago=69,
    ),
    Spec(
        "insight",
        "facilitator",
        40,
        "People report near misses when they see what changed",
        {
            "insight": "Near-miss reporting collapses after a serious incident when staff expect blame. Two "
            "threads in our community point the same way: **show what changed because of reports** "
            "(a 'you said, we did' board) and **name owners for actions, never for incidents**. "
            "Psychological safety is not a poster; it is what happens after someone speaks up."
        },
        tags=["incident-review"],
        sources=["Near-miss reporting drops after a serious incident", "Incident reviews feel like blame sessions"],
        published_by="ayla.core",
        published_days_ago=38,
    ),
    Spec(
        "failure_reflection",
        "gwen",
        22,
        "Bed alarms on every bed: how we created alarm fatigue",
        {
            "what_happened": "After three falls we put bed alarms on **every** bed of a 30-bed ward. Within two "
            "weeks the alarms went off 40 times a night, mostly for patients turning over, and "
            "staff started walking past them. The next fall happened with the alarm sounding.",
            "what_we_learned": "An alarm is only as good as the response to it. Alarms on low-risk patients "
            "taught everyone to ignore them. Scheduled toileting rounds did more for the "
            "patients who actually got up at night.",
            "what_wed_do_differently": "Start from the falls risk assessment: alarms only for the highest-risk "
            "patients, reviewed every day, together with 1-3-5 am toileting rounds.",
        },
        tags=["falls-prevention"],
        sources=["Bed alarm fatigue on a 30-bed ward", "Falls at night among patients with delirium"],
        edits=[("bram.core", 20, {}, "Linked to the toileting-rounds thread")],
        published_by="bram.core",
        published_days_ago=19,
    ),
    Spec(
        "faq",
        "facilitator",
        12,
        "How do I prepare for my first incident review?",
        {
            "question": "I have been asked to join my first incident review. What should I expect, and how do I "
            "prepare?",
            "answer": "Reviews here are **learning teams**, not blame sessions. Bring your account of what "
            "happened and *what made sense at the time*. You can bring a colleague. Actions get an "
            "owner; incidents never do. Ask the facilitator for the review's questions a day ahead.",
        },
        tags=["incident-review"],
        sources=["How do you prepare for your first incident review?"],
        published_by="facilitator",
        published_days_ago=11,
    ),
    Spec(
        "insight",
        "bram.core",
        9,
        "Nights need their own processes",
        {
            "insight": "What works by day often fails at night: half the staff, no pharmacist, the coordinator "
            "covering five wards. Insulin checks, toileting and handover all needed a **night "
            "version** in our threads. When a new process is designed, ask: *what does this look "
            "like at 3 am?*"
        },
        tags=["medication-safety", "falls-prevention", "handover"],
        published_by="facilitator",
        published_days_ago=8,
    ),
    # Owned up to anonymously by member@demo.example (log in as them to see "You posted this anonymously").
    Spec(
        "failure_reflection",
        "member",
        6,
        "I signed for a check I had not watched",
        {
            "what_happened": "At the end of a long shift a colleague asked me to co-sign a controlled-drug dose "
            "I had not seen drawn up. I signed, because we were both behind and I trusted her.",
            "what_we_learned": "A signature nobody watched is worse than none: it tells the next person the "
            "check happened. Being behind is exactly when the check matters.",
            "what_wed_do_differently": "Say \"I didn't see it, let's do it again together\" - it takes two "
            "minutes. Our ward now says this phrase out loud in induction.",
        },
        tags=["medication-safety"],
        published_by="facilitator",
        published_days_ago=5,
        anonymous=True,
    ),
    # Still in review: visible to their authors and the core group only.
    Spec(
        "summary",
        "member",
        2,
        "Handover threads this quarter: highlights",
        {
            "period": "This quarter",
            "key_points": '- Ask "What are we waiting for?" at the end of SBAR\n'
            "- Print the pending-results worklist at 6:45\n"
            "- Interpreters booked for the morning handover",
        },
        tags=["handover"],
        sources=["Handover keeps missing pending test results", "Handover for patients with a language barrier"],
    ),
    Spec(
        "failure_reflection",
        "chen",
        1,
        "Fluid balance charts we stopped reading",
        {
            "what_happened": "Our fluid balance charts were filled in every hour and read by nobody.",
            "what_we_learned": "A chart without a question attached to it is a ritual.",
        },
        tags=["sepsis"],
    ),
]

# The newcomer path (titles; the case story and the thread summary join after the third), and how
# many of them the newcomer has read.
PATH = [
    "How do I prepare for my first incident review?",
    "People report near misses when they see what changed",
    FIRST_TITLE,
    "Nights need their own processes",
    "Bed alarms on every bed: how we created alarm fatigue",
]
NEWCOMER_READ = 2
SUMMARISED_THREAD = "Sepsis screening tool fires for almost every post-op patient"


def _requests(demo: Demo, titles: list[str]) -> list[HelpRequest]:
    by_title = {hr.title: hr for hr in HelpRequest.objects.filter(community=demo.community, title__in=titles)}
    return [by_title[t] for t in titles if t in by_title]


def seed(demo: Demo) -> None:
    community = demo.community
    if Artefact.objects.filter(community=community, title=FIRST_TITLE).exists():
        return
    users = demo.users
    tags = {t.slug: t for t in Tag.objects.filter(community=community)}
    first_email = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    created: dict[str, Artefact] = {}
    for spec in SPECS:
        sources = _requests(demo, spec.sources)
        artefact = learning.artefact_create(
            community=community,
            author=users[spec.by],
            kind=spec.kind,
            title=spec.title,
            fields=spec.parts,
            tags=[tags[t] for t in spec.tags if t in tags],
            source_requests=sources,
            source_advice=[a for hr in sources for a in hr.advice.all() if not a.is_hidden],
            anonymous=spec.anonymous,
            now=demo.now - spec.days_ago * D,
        )
        for who, days_ago, parts, note in spec.edits:
            learning.artefact_edit(
                artefact=artefact,
                editor=users[who],
                title=artefact.title,
                fields={**artefact.field_values(), **parts},
                tags=list(artefact.tags.all()),
                note=note,
                now=demo.now - days_ago * D,
            )
        if spec.published_by:
            learning.artefact_publish(
                artefact=artefact, actor=users[spec.published_by], now=demo.now - spec.published_days_ago * D
            )
        created[spec.title] = artefact
    thread = _summary_of_a_thread(demo)
    story = _case_story_from_a_loop(demo)
    path = [created[t] for t in PATH[:3] if t in created]
    path += [a for a in (story, thread) if a is not None]
    path += [created[t] for t in PATH[3:] if t in created]
    for artefact in path:
        learning.path_add(community=community, artefact=artefact, actor=users["facilitator"])
    for item in community.newcomer_path.order_by("position")[:NEWCOMER_READ]:
        learning.path_mark_read(item=item, user=users["newcomer"], now=demo.now - 2 * D)
    # History already happened: the "published" emails went out then, and the notifications were read.
    OutboundEmail.objects.filter(pk__gt=first_email, category=Category.LEARNING).update(
        state=OutboundEmail.State.SENT, sent_at=demo.now
    )
    Notification.objects.filter(pk__gt=first_note, category=Category.LEARNING).update(read_at=demo.now)


def _summary_of_a_thread(demo: Demo) -> Artefact | None:
    """The second way in: "summarise this thread" on the sepsis-alarm discussion, condensed, then published."""
    help_request = HelpRequest.objects.filter(community=demo.community, title=SUMMARISED_THREAD).first()
    if help_request is None:
        return None
    at = help_request.last_activity_at + 3 * D
    artefact = learning.artefact_draft_from_request(help_request=help_request, author=demo.users["member"], now=at)
    learning.artefact_edit(
        artefact=artefact,
        editor=demo.users["member"],
        title="Sepsis screening alarms after surgery: what the thread concluded",
        fields={
            "period": artefact.period,
            "key_points": "- A positive screen triggers a **structured review by the nurse in charge within "
            "30 minutes**, not an automatic call.\n"
            "- Audits on two wards found no delay for the real cases; alarm fatigue dropped.\n"
            "- The review must be documented, not optional.\n"
            "- Ask whether your tool can suppress the heart-rate criterion for 24 h after surgery when "
            "pain is documented.",
        },
        tags=list(artefact.tags.all()),
        note="Condensed the thread to its conclusions",
        now=at + 2 * timedelta(hours=1),
    )
    learning.artefact_publish(artefact=artefact, actor=demo.users["ayla.core"], now=at + D)
    return artefact


def _case_story_from_a_loop(demo: Demo) -> Artefact | None:
    """The third way in: a case story drafted from a closed loop not captured yet, then published."""
    outcome = (
        Outcome.objects.filter(community=demo.community, result=Outcome.Result.RESOLVED, artefacts__isnull=True)
        .select_related("request", "community")
        .order_by("recorded_at")
        .first()
    )
    if outcome is None:
        return None
    drafted = min(outcome.recorded_at + 2 * D, demo.now - 2 * timedelta(hours=1))
    artefact = learning.artefact_draft_from_outcome(outcome=outcome, author=demo.users["ayla.core"], now=drafted)
    learning.artefact_publish(artefact=artefact, actor=demo.users["facilitator"], now=drafted + timedelta(hours=1))
    return artefact
