"""Demo learning loops: how the advice of the demo requests turned out, and reminders due at start-up.

The demo requests (``practice/demo.py``) leave every "I'll try this" with a follow-up whose first
reminder fell due weeks ago. This tells what happened since, through the services where a person
acted: most loops closed with an outcome (some shared as learning, some with consent to tell them
as a value-creation story), one asker stopped the reminders, one loop lapsed. Two reminders are
left due at start-up — one for ``member@demo.example`` — so a new user running ``make run`` sees
them arrive within a minute, in the worker's console and in the inbox. Idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from communities.demo.core import Demo
from communities.models import Notification, OutboundEmail, Tag
from practice.models import FollowUp, FollowUpReminder, HelpRequest
from practice.services import loops
from practice.services import requests as services

D = timedelta(days=1)
H = timedelta(hours=1)

FRESH_TITLE = "Oxygen prescriptions missing on the drug chart"


@dataclass
class Story:
    title_starts: str
    result: str = ""  # "resolved" | "partly" | "not_resolved"; "" for stopped / lapsed / due
    what_worked: str = ""
    what_didnt: str = ""
    do_differently: str = ""
    share: str = ""  # "case_story" | "failure_reflection"
    consent: bool = False
    after_days: float = 16  # outcome this many days after deciding to try
    fate: str = ""  # "stopped" | "lapsed" | "due"


STORIES = [
    Story("Independent double-checks for IV insulin", "resolved",
          "The **buddy ward** with ward 6: one shared phone number and the two-minute rule. "
          "Night checks happen within five minutes now.",
          "The first week nobody remembered the number; a sticker on the drug trolley fixed that.",
          "Start with one night a week, agree the rule with both charge nurses first.",
          share="case_story", consent=True),
    Story("Falls at night among patients with delirium", "partly",
          "Hourly *toilet rounds* between 1 and 5 am: no falls on the toilet route since.",
          "Two falls from bed still happened; the alarms stay too late.", after_days=15),
    Story("Pressure injuries on heels", "not_resolved",
          "",
          "Heel boots were not available at night and the repositioning chart was not kept.",
          "Get the boots stocked on the ward before starting, and audit the chart daily for a week.",
          share="failure_reflection", consent=True, after_days=20),
    Story("Agitation in dementia", "partly",
          "The *music and familiar objects* plan calmed two of our three patients.",
          "Family could not always bring objects in.", after_days=18),
    Story("Medication reconciliation at discharge", fate="stopped"),
    Story("Near-miss reporting drops", fate="lapsed"),
    Story("Antibiotic within the hour", "resolved",
          "Pre-filled **sepsis boxes** on each ward with the first dose: median time to antibiotic fell "
          "from 95 to 50 minutes.", consent=True, after_days=14),
    Story("Look-alike insulin pens", fate="due"),
]  # fmt: skip


def _loop(community, title_starts: str) -> FollowUp | None:
    return (
        FollowUp.objects.filter(community=community, request__title__startswith=title_starts)
        .select_related("request__author")
        .first()
    )


def _record(demo: Demo, follow_up: FollowUp, story: Story) -> None:
    help_request = follow_up.request
    at = min(follow_up.created_at + story.after_days * D, demo.now - 2 * D)
    helpful = (
        list(help_request.advice.filter(responses__kind="try").exclude(author=help_request.author))
        if story.result != "not_resolved"
        else []
    )
    loops.outcome_record(
        help_request=help_request,
        author=help_request.author,
        result=story.result,
        what_worked=story.what_worked,
        what_didnt=story.what_didnt,
        do_differently=story.do_differently,
        helpful_advice=helpful,
        share_as_learning=bool(story.share),
        share_kind=story.share,
        story_consent=story.consent,
        now=at,
    )


def _history(follow_up: FollowUp, reminders: list[datetime]) -> None:
    """Reminders that went out in the past (their emails were sent then)."""
    FollowUpReminder.objects.bulk_create(
        FollowUpReminder(
            follow_up=follow_up, number=i, sent_at=at, message_id=loops.reminder_message_id(follow_up.pk, i)
        )
        for i, at in enumerate(reminders, start=1)
    )


def _fresh_loop(demo: Demo) -> None:
    """member@demo.example decided two weeks ago to try advice: the first reminder is due now."""
    users, community = demo.users, demo.community
    tags = list(Tag.objects.filter(community=community, slug="medication-safety"))
    tried = demo.now - timedelta(days=community.follow_up_first_days) - 2 * 60 * timedelta(seconds=1)
    help_request = services.help_request_create(
        community=community,
        author=users["member"],
        title=FRESH_TITLE,
        situation="Patients on oxygen often have **no prescription** on the drug chart, so target saturations "
        "differ per nurse. How do other wards make sure oxygen is prescribed?",
        tried="Reminded the doctors at the ward round.",
        tags=tags,
        now=tried - 30 * H,
    )
    advice = services.advice_create(
        help_request=help_request,
        author=users["ayla.core"],
        body="We made the **target saturation** a mandatory field in the admission order set; pharmacy "
        "flags a missing one at their daily round.",
        now=tried - 26 * H,
    )
    services.advice_respond(
        advice=advice, author=users["member"], kind="try", note="I'll ask our pharmacist to flag it.", now=tried
    )


def seed(demo: Demo) -> None:
    community = demo.community
    if HelpRequest.objects.filter(community=community, title=FRESH_TITLE).exists():
        return  # already seeded
    first_email = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    every = timedelta(days=community.follow_up_every_days)
    for story in STORIES:
        follow_up = _loop(community, story.title_starts)
        if follow_up is None or not follow_up.is_pending:
            continue
        first_reminder = follow_up.created_at + timedelta(days=community.follow_up_first_days)
        if story.result:
            if first_reminder < demo.now - 2 * D and first_reminder < follow_up.created_at + story.after_days * D:
                _history(follow_up, [first_reminder])
                FollowUp.objects.filter(pk=follow_up.pk).update(reminders_sent=1, cycle_reminders=1)
            _record(demo, follow_up, story)
        elif story.fate == "stopped":
            _history(follow_up, [first_reminder])
            FollowUp.objects.filter(pk=follow_up.pk).update(
                state=FollowUp.State.STOPPED, reminders_sent=1, cycle_reminders=1, last_reminded_at=first_reminder,
                stopped_at=first_reminder + 5 * H,
            )  # fmt: skip
        elif story.fate == "lapsed":
            sent = [first_reminder + i * every for i in range(community.follow_up_max_reminders)]
            _history(follow_up, sent)
            FollowUp.objects.filter(pk=follow_up.pk).update(
                state=FollowUp.State.LAPSED, reminders_sent=len(sent), cycle_reminders=len(sent),
                last_reminded_at=sent[-1], lapsed_at=sent[-1] + every,
            )  # fmt: skip
        elif story.fate == "due":
            # Reminded once, then "too early to tell": the postponement falls due now.
            _history(follow_up, [first_reminder])
            FollowUp.objects.filter(pk=follow_up.pk).update(
                state=FollowUp.State.SCHEDULED, reminders_sent=1, cycle_reminders=0, postponements=1,
                last_reminded_at=first_reminder, last_postponed_at=demo.now - every,
                due_at=demo.now - 3 * timedelta(minutes=1),
                draft={"what_worked": "Separate shelves helped in the first week; too early to say more."},
            )  # fmt: skip
    # Loops of other demo requests whose first reminder lies in the past: reminded once, next one later.
    for follow_up in FollowUp.objects.filter(
        community=community, state=FollowUp.State.SCHEDULED, due_at__lt=demo.now - D, reminders_sent=0
    ):
        last = demo.now - 2 * D
        _history(follow_up, [last])
        FollowUp.objects.filter(pk=follow_up.pk).update(
            state=FollowUp.State.REMINDED, reminders_sent=1, cycle_reminders=1, last_reminded_at=last,
            due_at=last + every,
        )  # fmt: skip
    _fresh_loop(demo)
    # History already happened: its emails went out then and its notifications were read.
    OutboundEmail.objects.filter(pk__gt=first_email, state=OutboundEmail.State.PENDING).update(
        state=OutboundEmail.State.SENT, sent_at=demo.now
    )
    Notification.objects.filter(pk__gt=first_note, created_at__lt=demo.now - 7 * D).update(
        read_at=demo.now - 7 * D, in_daily_digest=False
    )
