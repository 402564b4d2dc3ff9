"""Demo data for the sponsor's value report: closed learning loops inside the last full quarter.

The other demo data is dated relative to today, so whether it falls into the report's default
period (the last full quarter, in the community's time zone) depends on the day ``seed_demo``
runs. This seeder places eight requests *inside* that quarter — after the people involved joined —
and takes them through the value cycles with the services: answered (one late), advice taken,
outcomes reported. Three askers share their outcome as a value-creation story, one resolved loop
stays private (no consent: it never shows), one lapses after every reminder, and one outcome is
written up and published as a case story (captured learning). Idempotent: nothing happens when
its first request exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from communities.demo.core import Demo
from communities.models import Membership, Notification, OutboundEmail, Tag
from communities.selectors.report_periods import report_period
from practice.models import FollowUp, HelpRequest, Nudge
from practice.services import learning, loops
from practice.services import requests as services

H = timedelta(hours=1)
D = timedelta(days=1)


@dataclass
class Loop:
    """One request and how its loop went; times are offsets from the request."""

    asker: str
    adviser: str
    title: str
    situation: str
    advice: str
    tags: list[str] = field(default_factory=list)
    answer_after: timedelta = 5 * H
    tried: bool = True
    result: str = ""  # "resolved" | "partly" | "not_resolved" | "" (no outcome)
    what_worked: str = ""
    what_didnt: str = ""
    consent: bool = False
    capture: bool = False  # written up and published as a case story
    lapsed: bool = False


LOOPS: list[Loop] = [
    Loop(
        "member", "ayla.core", "Insulin pens mixed up between patients in the same bay",
        "Twice this month a nurse picked up the **wrong patient's insulin pen** from the shared drawer in a "
        "four-bed bay. Both were caught at the bedside check, but only just.",
        "We label a **patient-specific pen at admission** (name, date of birth, ward) and keep it in that "
        "patient's bedside locker, never in a shared drawer. Pharmacy prints the labels with the admission pack.",
        tags=["medication-safety"], result="resolved", consent=True, capture=True,
        what_worked="Pens now live in the bedside lockers with pharmacy's labels. **No mix-ups in the six weeks "
        "since**, and the night staff say the check at the bedside is faster because the pen is already there.",
    ),
    Loop(
        "bram.core", "facilitator", "Deteriorating patients missed at the 4 am observations round",
        "Two patients on our surgical ward had rising early warning scores at 4 am that were only acted on at "
        "the 7 am handover. Night staff said they did not want to wake the registrar for a score of 5.",
        "Put a **trigger card on the observations trolley**: a score of 5 or more goes straight to the outreach "
        "team, not to the registrar, and nobody waits for the morning round. Outreach *want* the early calls.",
        tags=["deteriorating-patient"], result="partly", consent=True,
        what_worked="The trigger cards are on both trolleys and outreach came **twice, hours earlier** than before.",
        what_didnt="Some night staff still hesitate to call outreach directly; we are adding it to the induction.",
    ),
    Loop(
        "ayla.core", "bram.core", "Pressure injury reassessment forgotten after ward transfers",
        "When patients move from the emergency department to our ward, the skin reassessment is often missed "
        "for a day because everybody assumes it was done downstairs.",
        "Make reassessment part of the **transfer checklist on arrival**, signed by the receiving nurse within "
        "two hours, and audit ten transfers a week for a month so people see it matters.",
        tags=["pressure-injuries"], result="resolved", consent=True,
        what_worked="Reassessment within two hours went from about half of transfers to **nine in ten** in the "
        "audit, and we found two early heel injuries that would have been missed.",
    ),
    Loop(
        "sponsor", "ayla.core", "Handover of patients going home on a new anticoagulant",
        "Patients discharged on a new anticoagulant sometimes leave without anyone checking they understood the dose.",
        "A **pharmacist teach-back** before discharge, booked when the prescription is written, not on the day.",
        tags=["medication-safety", "handover"], result="resolved", consent=False,
        what_worked="Teach-back is booked with the prescription now; no readmissions for dosing errors since.",
    ),
    Loop(
        "bram.core", "member", "Sepsis screening for patients on the day-surgery unit",
        "Day-surgery patients who stay overnight are not screened for sepsis because the unit is not set up for it.",
        "Use the ward's screening tool for anyone staying past 8 pm, and give the unit a direct line to outreach.",
        tags=["sepsis"], result="not_resolved",
        what_didnt="The unit closes at 10 pm and the overnight patients move wards, so the screen is lost in transfer.",
    ),
    Loop(
        "member", "bram.core", "Falls on the way to the bathroom at night",
        "Older patients fall on the way to the bathroom between 2 and 5 am, even with bed alarms.",
        "Offer a **toileting round at 2 am** for patients at risk, and leave the bathroom light on.",
        tags=["falls-prevention"], lapsed=True,
    ),
    Loop(
        "member", "facilitator", "Who double-checks controlled drugs when the ward is short-staffed?",
        "On short-staffed nights the second signature for controlled drugs comes from whoever is free, sometimes a "
        "student.",
        "The **site nurse practitioner** is the fallback second checker; their bleep is on the drugs cupboard door.",
        tags=["medication-safety"], answer_after=3 * D, tried=False,
    ),
    Loop(
        "ayla.core", "sponsor", "Learning from near misses in the monthly ward meeting",
        "Our monthly ward meeting lists incidents but we never discuss near misses, where most of the learning is.",
        "Start each meeting with **one near miss told as a story**, five minutes, no blame, and one action.",
        tags=["incident-review"], tried=False,
    ),
]  # fmt: skip


def _window(demo: Demo) -> tuple[datetime, datetime]:
    """The part of the last full quarter after everyone involved had joined.

    Only the five longest-standing members ask and advise here: whatever the day the demo is
    seeded, they joined at least eight days before the end of the last full quarter.
    """
    period = report_period(demo.community, now=demo.now)
    people = {p for loop in LOOPS for p in (loop.asker, loop.adviser)}
    joined = Membership.objects.filter(community=demo.community, user__in=[demo.users[p] for p in people]).values_list(
        "joined_at", flat=True
    )
    return max([period.start, *joined]) + H, period.end


def seed(demo: Demo) -> None:
    community = demo.community
    if HelpRequest.objects.filter(community=community, title=LOOPS[0].title).exists():
        return  # already seeded
    users = demo.users
    tags = {t.slug: t for t in Tag.objects.filter(community=community)}
    start, end = _window(demo)
    # A loop takes under six days from request to published learning; spread the requests over the rest.
    step = max(end - start - 6 * D, timedelta()) / len(LOOPS)
    first_email = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for index, spec in enumerate(LOOPS):
        posted = start + index * step
        help_request = services.help_request_create(
            community=community,
            author=users[spec.asker],
            title=spec.title,
            situation=spec.situation,
            tags=[tags[t] for t in spec.tags if t in tags],
            now=posted,
        )
        answered = posted + spec.answer_after
        advice = services.advice_create(help_request=help_request, author=users[spec.adviser], body=spec.advice,
                                        now=answered)  # fmt: skip
        if not spec.tried:
            services.advice_respond(advice=advice, author=users[spec.asker], kind="thanks", now=answered + 2 * H)
            continue
        services.advice_respond(advice=advice, author=users[spec.asker], kind="try", now=answered + 3 * H)
        if spec.lapsed:
            # Every reminder went unanswered: the sweep marks such a loop lapsed (here it happened in the quarter).
            lapsed_at = answered + 4 * D
            FollowUp.objects.filter(request=help_request).update(
                state=FollowUp.State.LAPSED, lapsed_at=lapsed_at, reminders_sent=2, last_reminded_at=lapsed_at - D
            )
            continue
        if not spec.result:
            continue
        outcome = loops.outcome_record(
            help_request=help_request,
            author=users[spec.asker],
            result=spec.result,
            what_worked=spec.what_worked,
            what_didnt=spec.what_didnt,
            helpful_advice=[advice] if spec.result != "not_resolved" else [],
            share_as_learning=spec.capture,
            share_kind="case_story" if spec.capture else "",
            story_consent=spec.consent,
            now=answered + 4 * D,
        )
        if spec.capture and outcome is not None:
            artefact = learning.artefact_draft_from_outcome(outcome=outcome, author=users[spec.asker])
            learning.artefact_publish(artefact=artefact, actor=users["facilitator"], now=answered + 5 * D)
    # History already happened: due nudges were sent then, emails went out then, old notifications were read.
    for nudge in Nudge.objects.filter(request__community=community, state=Nudge.State.PENDING, due_at__lte=demo.now):
        Nudge.objects.filter(pk=nudge.pk).update(state=Nudge.State.SENT, sent_at=nudge.due_at)
    OutboundEmail.objects.filter(pk__gt=first_email, state=OutboundEmail.State.PENDING).update(
        state=OutboundEmail.State.SENT, sent_at=demo.now
    )
    Notification.objects.filter(community=community, created_at__gte=start, created_at__lt=end).update(
        read_at=end, in_daily_digest=False
    )
