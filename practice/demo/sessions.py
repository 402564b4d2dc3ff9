"""Demo practice sessions: an upcoming case clinic with two demo requests on its agenda and RSVPs, and a
past huddle with attendance, notes and a published summary (the newcomer, who missed it, is told).
Everything goes through the services. Idempotent: nothing happens once the case clinic exists."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from communities.demo.core import Demo
from communities.models import Category, Notification, OutboundEmail
from practice.models import HelpRequest, PracticeSession, SessionAgendaItem
from practice.services import learning, requests, sessions

D = timedelta(days=1)
CLINIC = "Case clinic: night-shift medication safety"
HUDDLE = "Huddle: handovers that do not lose results"
AGENDA = [
    "Look-alike insulin pens on the same shelf",
    "Antibiotic within the hour: delays from prescribing to giving",
]
HUDDLE_REQUEST = "Handover between ICU and ward at night"
HUDDLE_ADVICE = (
    "From the huddle: the receiving nurse reads the pending list back to ICU before the patient leaves "
    "(closed loop), and the step-down waits until the list is read back."
)
HUDDLE_NOTES = (
    "- **Pending results** go on the handover sheet as their own line, with who will chase them.\n"
    "- Daan's ward tried a *results board* at the nurses' station: two weeks, no missed result.\n"
    "- ICU → ward at night: the receiving nurse reads the pending list back (closed loop).\n"
    "- Next step: Ayla drafts a one-page checklist for the learning agenda."
)


def _at(demo: Demo, days: float, hour: int) -> datetime:
    """``days`` from demo.now (negative: ago), at ``hour``:00 in the community's zone."""
    tz = demo.community.tzinfo
    day = (demo.now + days * D).astimezone(tz).date()
    return datetime.combine(day, time(hour, 0)).replace(tzinfo=tz)


def seed(demo: Demo) -> None:
    community, users = demo.community, demo.users
    if PracticeSession.objects.filter(community=community, title=CLINIC).exists():
        return
    first_email = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    # The past huddle: scheduled two weeks ago, held ten days ago, written up and published.
    start = _at(demo, -10, 13)
    scheduled = demo.now - 14 * D
    huddle = sessions.session_create(
        community=community,
        actor=users["facilitator"],
        now=scheduled,
        title=HUDDLE,
        kind=PracticeSession.Kind.HUDDLE,
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        place="Ward 4B meeting room",
        online_url="",
        capacity=None,
        description="Fifteen minutes per case: what gets lost at handover, and what we try next.",
        repeat="",
        occurrences=1,
    )
    for who, answer in (("member", "going"), ("ayla.core", "going"), ("daan", "going"), ("newcomer", "maybe")):
        sessions.rsvp_set(session=huddle, user=users[who], answer=answer, now=scheduled + D)
    handover = HelpRequest.objects.filter(community=community, title=HUDDLE_REQUEST).first()
    if handover is not None:
        sessions.agenda_pull(
            session=huddle, actor=users["facilitator"], requests=[handover], tags=[], now=scheduled + D
        )
    sessions.attendance_record(
        session=huddle,
        actor=users["facilitator"],
        attendees=[users[w] for w in ("facilitator", "member", "ayla.core", "daan", "hugo")],
        notes=HUDDLE_NOTES,
        now=start + timedelta(hours=1),
    )
    if handover is not None and handover.is_active:
        # Advice Ayla gave in the huddle, recorded on Hugo's request afterwards ("from the session").
        requests.advice_create(
            help_request=handover,
            author=users["ayla.core"],
            body=HUDDLE_ADVICE,
            session=huddle,
            recorder=users["facilitator"],
            now=start + timedelta(hours=1, minutes=15),
        )
    summary = sessions.summary_write_up(session=huddle, actor=users["facilitator"], now=start + timedelta(hours=2))
    learning.artefact_publish(artefact=summary, actor=users["facilitator"], now=start + D)

    # The upcoming case clinic: in five days, two demo requests on its agenda, some RSVPs.
    start = _at(demo, 5, 14)
    clinic = sessions.session_create(
        community=community,
        actor=users["facilitator"],
        now=demo.now - 2 * D,
        title=CLINIC,
        kind=PracticeSession.Kind.CASE_CLINIC,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Education centre, room 2",
        online_url="https://meet.example.org/child-case-clinic",
        capacity=20,
        description="Bring a case from a night shift. We work through the two requests on the agenda first.",
        repeat="",
        occurrences=1,
    )
    for position, title in enumerate(AGENDA):
        request = HelpRequest.objects.filter(community=community, title=title).first()
        if request is not None:
            SessionAgendaItem.objects.create(
                session=clinic, request=request, added_by=users["facilitator"], position=position,
                reason="Still open: worth the whole group's thinking.",
            )  # fmt: skip
    for who, answer in (("member", "going"), ("ayla.core", "going"), ("esra", "going"), ("chen", "maybe")):
        sessions.rsvp_set(session=clinic, user=users[who], answer=answer, now=demo.now - D)

    # History already happened: the invitations went out and were read. The newcomer's "you missed it"
    # about the huddle's summary stays unread, to be found.
    OutboundEmail.objects.filter(
        pk__gt=first_email, category__in=[Category.SESSIONS, Category.LEARNING, Category.ADVICE]
    ).update(state=OutboundEmail.State.SENT, sent_at=demo.now)
    Notification.objects.filter(pk__gt=first_note).exclude(
        user=users["newcomer"], title__startswith="You missed"
    ).update(read_at=demo.now)
