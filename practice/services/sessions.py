"""Every state change of practice sessions: scheduling, changes and cancellation (with calendar
invitations), RSVPs, the personal calendar feed's token, and the reminders sweep.

Facilitators and core members schedule, change and cancel; any member answers (RSVP). Every
invitation, update and cancellation email carries a ``text/calendar`` part (``practice.ics``): the
event's UID never changes and its SEQUENCE rises with each change.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from communities import access as access_rules
from communities import figures
from communities.access import CommunityAccess
from communities.models import Category, Community, Role, User
from communities.services.community import activity_record
from communities.services.notify import notify
from practice import ics
from practice.models import (
    Artefact,
    CalendarFeed,
    HelpRequest,
    PracticeSession,
    SessionAgendaItem,
    SessionAttendance,
    SessionReminder,
    SessionRSVP,
)

FEED_SALT = "practice.calendar-feed"
SCHEDULE_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "capacity",
    "description",
    "repeat",
    "occurrences",
)
# Changes a calendar must apply (a new SEQUENCE and an update email); the others are portal-only.
CALENDAR_FIELDS = frozenset(
    {"title", "starts_at", "ends_at", "place", "online_url", "description", "repeat", "occurrences"}
)


def may_schedule(access: CommunityAccess) -> bool:
    """Schedule, change and cancel sessions: the core group, facilitators and sponsors."""
    return access.has_role(Role.CORE)


def _require_scheduler(community: Community, actor: User) -> None:
    access_rules.check(
        may_schedule(CommunityAccess.of(community, actor)), "Only the core group and facilitators schedule sessions."
    )


def _local(value: datetime, community: Community) -> str:
    return timezone.localtime(value, community.tzinfo).strftime("%a %d %b %Y, %H:%M")


def local_when(session: PracticeSession, start: datetime | None = None) -> str:
    start = start or session.starts_at
    end = start + session.duration
    tz = session.community.tzinfo
    return f"{_local(start, session.community)}–{timezone.localtime(end, tz):%H:%M} ({session.community.time_zone})"


def _validate(session: PracticeSession) -> None:
    if session.ends_at <= session.starts_at:
        raise ValidationError("The session must end after it starts.")
    if session.ends_at - session.starts_at > timedelta(hours=12):
        raise ValidationError("A session lasts at most 12 hours.")
    if not session.repeat:
        session.occurrences = 1
    elif session.occurrences < 2:
        raise ValidationError("A repeating session needs at least 2 occurrences.")


def _recompute(session: PracticeSession) -> None:
    # Exceptions that no longer fall on an occurrence (the time or the rule changed) are dropped.
    starts = {s.isoformat() for s in session.all_starts()}
    session.exceptions = [e for e in session.exceptions if e in starts]
    session.until = session.last_end


def _members(community: Community) -> list[User]:
    return list(User.objects.filter(memberships__community=community, is_active=True))


def _answers(session: PracticeSession) -> dict[int, str]:
    return dict(session.rsvps.values_list("user_id", "answer"))


def _message_id(session: PracticeSession, user: User) -> str:
    domain = ics.event_uid(session).rsplit("@", 1)[-1]
    return f"<session.{session.uid}.{session.sequence}.{user.pk}@{domain}>"


def _send_calendar(
    session: PracticeSession, *, recipients: list[User], actor: User | None, change: str, now: datetime, note: str = ""
) -> None:
    """Notify ``recipients`` of the session (invited / updated / cancelled) with its iTIP part."""
    answers = _answers(session)
    titles = {
        "invited": f"New session: {session.title}",
        "updated": f"Session changed: {session.title}",
        "cancelled": f"Session cancelled: {session.title}",
    }

    def alternatives(user: User) -> list[tuple[str, str]]:
        body = ics.invitation(session, user=user, answer=answers.get(user.pk), now=now).decode()
        return [(body, ics.mime_type(session))]

    notify(
        recipients=recipients,
        category=Category.SESSIONS,
        title=titles[change],
        body=f"{local_when(session)}{' · ' + note if note else ''}",
        url=session.get_absolute_url(),
        community=session.community,
        actor=actor,
        email_template="practice_session",
        email_context={"session": session, "change": change, "when": local_when(session), "note": note},
        message_id_for=lambda user: _message_id(session, user),
        alternatives_for=alternatives,
        now=now,
    )


@transaction.atomic
def session_create(*, community: Community, actor: User, now: datetime | None = None, **fields) -> PracticeSession:
    """Schedule a session (``SCHEDULE_FIELDS``) and invite every member, with a calendar invitation."""
    now = now or timezone.now()
    _require_scheduler(community, actor)
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    session = PracticeSession(community=community, created_by=actor, created_at=now, updated_at=now, **fields)
    _validate(session)
    _recompute(session)
    session.save()
    activity_record(
        community=community, actor=actor, action="session", summary=f"Session scheduled: {session.title}", now=now
    )
    _send_calendar(session, recipients=_members(community), actor=None, change="invited", now=now)
    return session


@transaction.atomic
def session_update(*, session: PracticeSession, actor: User, now: datetime | None = None, **fields) -> bool:
    """Change a session; a change calendars must apply raises SEQUENCE and sends an update. True if it changed."""
    now = now or timezone.now()
    _require_scheduler(session.community, actor)
    if session.is_cancelled:
        raise ValidationError("This session was cancelled; schedule a new one.")
    changed = [name for name, value in fields.items() if name in SCHEDULE_FIELDS and getattr(session, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(session, name, fields[name])
    _validate(session)
    _recompute(session)
    session.updated_at = now
    calendar_change = bool(CALENDAR_FIELDS & set(changed))
    if calendar_change:
        session.sequence += 1
    session.save(update_fields=[*changed, "exceptions", "until", "updated_at", "sequence", "occurrences"])
    activity_record(
        community=session.community, actor=actor, action="session", summary=f"Session changed: {session.title}", now=now
    )
    if calendar_change:
        _send_calendar(session, recipients=_members(session.community), actor=None, change="updated", now=now)
    return True


@transaction.atomic
def session_cancel(*, session: PracticeSession, actor: User, now: datetime | None = None) -> bool:
    """Cancel the whole session (or series): METHOD:CANCEL to every member; no reminder goes out after this."""
    now = now or timezone.now()
    _require_scheduler(session.community, actor)
    taken = PracticeSession.objects.filter(pk=session.pk, status=PracticeSession.Status.SCHEDULED).update(
        status=PracticeSession.Status.CANCELLED, cancelled_at=now, updated_at=now, sequence=session.sequence + 1
    )
    if not taken:
        return False
    figures.changed(session.community_id)  # a conditional UPDATE sends no signal
    session.refresh_from_db()
    activity_record(
        community=session.community,
        actor=actor,
        action="session",
        summary=f"Session cancelled: {session.title}",
        now=now,
    )
    _send_calendar(session, recipients=_members(session.community), actor=None, change="cancelled", now=now)
    return True


@transaction.atomic
def occurrence_cancel(*, session: PracticeSession, actor: User, start: datetime, now: datetime | None = None) -> bool:
    """Take one occurrence out of a series (an EXDATE): SEQUENCE rises and members get the updated series."""
    now = now or timezone.now()
    _require_scheduler(session.community, actor)
    if session.is_cancelled or not session.is_recurring:
        raise ValidationError("Only an occurrence of a scheduled series can be cancelled on its own.")
    if start not in session.all_starts():
        raise ValidationError("That is not an occurrence of this series.")
    key = start.isoformat()
    if key in session.exceptions:
        return False
    if len(session.occurrence_starts()) <= 1:
        raise ValidationError("This is the last occurrence left: cancel the session instead.")
    session.exceptions = sorted([*session.exceptions, key])
    session.sequence += 1
    session.updated_at = now
    _recompute(session)
    session.save(update_fields=["exceptions", "sequence", "updated_at", "until"])
    note = f"The session of {_local(start, session.community)} does not take place."
    activity_record(
        community=session.community, actor=actor, action="session", summary=f"{session.title}: {note}", now=now
    )
    _send_calendar(session, recipients=_members(session.community), actor=None, change="updated", now=now, note=note)
    return True


@transaction.atomic
def rsvp_set(*, session: PracticeSession, user: User, answer: str, now: datetime | None = None) -> SessionRSVP:
    """A member's answer: going, maybe or not going. A full session takes no further "going"."""
    now = now or timezone.now()
    access_rules.check(CommunityAccess.of(session.community, user).is_member, "Only members answer.")
    if answer not in SessionRSVP.Answer.values:
        raise ValidationError("Choose going, maybe or not going.")
    if session.is_cancelled:
        raise ValidationError("This session was cancelled.")
    if session.last_end <= now:
        raise ValidationError("This session is over.")
    if answer == SessionRSVP.Answer.GOING and session.capacity:
        # Lock the session row so two last-seat answers cannot both get it.
        PracticeSession.objects.select_for_update().filter(pk=session.pk).first()
        going = session.rsvps.filter(answer=SessionRSVP.Answer.GOING).exclude(user=user).count()
        if going >= session.capacity:
            raise ValidationError(
                f"The session is full ({session.capacity} places); answer “maybe” to be told of changes."
            )
    rsvp, _ = SessionRSVP.objects.update_or_create(
        session=session, user=user, defaults={"answer": answer, "answered_at": now}
    )
    return rsvp


# --- the personal calendar feed ---------------------------------------------------------------


def feed_token(user: User) -> str:
    """The user's feed token: signed with its nonce (none before the first revocation): a GET writes nothing."""
    nonce = CalendarFeed.objects.filter(user=user).values_list("nonce", flat=True).first() or ""
    return signing.dumps({"u": user.pk, "n": nonce}, salt=FEED_SALT)


def feed_user(token: str) -> User | None:
    """The active user whose current token this is, or None (tampered, revoked, or for a deactivated account)."""
    try:
        data = signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("n"), str):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None:
        return None
    current = CalendarFeed.objects.filter(user=user).values_list("nonce", flat=True).first() or ""
    return user if constant_time_compare(current, data["n"]) else None


@transaction.atomic
def feed_revoke(*, user: User) -> str:
    """Revoke the user's feed URL (a new nonce) and return the new token."""
    CalendarFeed.objects.update_or_create(user=user, defaults={"nonce": uuid.uuid4().hex})
    return feed_token(user)


# --- reminders ------------------------------------------------------------------------------


def reminder_offsets() -> dict[str, timedelta]:
    return {
        SessionReminder.Kind.DAY: timedelta(hours=settings.SESSION_REMINDER_DAY_HOURS),
        SessionReminder.Kind.HOUR: timedelta(minutes=settings.SESSION_REMINDER_HOUR_MINUTES),
    }


def reminder_message_id(reminder: SessionReminder) -> str:
    domain = ics.event_uid(reminder.session).rsplit("@", 1)[-1]
    return f"<session-reminder.{reminder.pk}@{domain}>"


def _due_kind(start: datetime, now: datetime, offsets: dict[str, timedelta]) -> str | None:
    """The reminder due now for an occurrence at ``start``: the latest one whose time has come."""
    if start <= now:
        return None
    due = [kind for kind, offset in offsets.items() if start - offset <= now]
    return min(due, key=lambda kind: offsets[kind]) if due else None


def session_reminders_send_due(*, now: datetime | None = None) -> int:
    """Remind those going or maybe, the day before and an hour before each occurrence: exactly once.

    A reminder is a unique row (session, user, occurrence, kind); it is claimed by a conditional UPDATE in
    the transaction that writes its notification and email, so any number of workers send it once.
    """
    now = now or timezone.now()
    offsets = reminder_offsets()
    horizon = now + max(offsets.values())
    sessions = PracticeSession.objects.filter(
        status=PracticeSession.Status.SCHEDULED, starts_at__lte=horizon, until__gt=now
    ).select_related("community")
    sent = 0
    for session in sessions:
        rsvps = list(
            session.rsvps.filter(
                answer__in=[SessionRSVP.Answer.GOING, SessionRSVP.Answer.MAYBE], user__is_active=True
            ).select_related("user")
        )
        if not rsvps:
            continue
        for start in session.occurrence_starts():
            kind = _due_kind(start, now, offsets)
            if kind is None:
                continue
            SessionReminder.objects.bulk_create(
                [
                    SessionReminder(session=session, user=r.user, occurrence=start, kind=kind, created_at=now)
                    for r in rsvps
                ],
                ignore_conflicts=True,
            )
            users = {r.user_id: r.user for r in rsvps}
            pending = SessionReminder.objects.filter(session=session, occurrence=start, kind=kind, sent_at__isnull=True)
            for reminder in pending:
                sent += _send_reminder(
                    reminder, session=session, user=users.get(reminder.user_id), start=start, now=now
                )
    return sent


@transaction.atomic
def _send_reminder(
    reminder: SessionReminder, *, session: PracticeSession, user: User | None, start: datetime, now: datetime
) -> int:
    if user is None:
        return 0  # no longer going or maybe
    if not SessionReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=now):
        return 0  # another worker sent it
    reminder.session = session
    when = local_when(session, start)
    soon = "tomorrow" if reminder.kind == SessionReminder.Kind.DAY else "soon"
    notify(
        recipients=[user],
        category=Category.SESSIONS,
        title=f"Reminder: {session.title} starts {soon}",
        body=when,
        url=session.get_absolute_url(),
        community=session.community,
        email_template="practice_session_reminder",
        email_context={"session": session, "when": when},
        message_id_for=lambda _user: reminder_message_id(reminder),
        now=now,
    )
    return 1


# --- after the session -------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *, session: PracticeSession, actor: User, attendees: list[User], notes: str, now: datetime | None = None
) -> list[SessionAttendance]:
    """Who was there (the RSVPs plus walk-ins) and the notes; replaces what was recorded before."""
    now = now or timezone.now()
    _require_scheduler(session.community, actor)
    if session.is_cancelled:
        raise ValidationError("This session was cancelled: nobody attended.")
    if session.starts_at > now:
        raise ValidationError("Attendance is recorded once the session has started.")
    member_ids = set(session.community.memberships.values_list("user_id", flat=True))
    outsiders = [u for u in attendees if u.pk not in member_ids]
    if outsiders:
        raise ValidationError("Only members of the community can be recorded as attending.")
    answered = set(
        session.rsvps.filter(answer__in=[SessionRSVP.Answer.GOING, SessionRSVP.Answer.MAYBE]).values_list(
            "user_id", flat=True
        )
    )
    session.attendance.exclude(user__in=attendees).delete()
    existing = set(session.attendance.values_list("user_id", flat=True))
    SessionAttendance.objects.bulk_create(
        SessionAttendance(session=session, user=u, walk_in=u.pk not in answered, recorded_by=actor, recorded_at=now)
        for u in attendees
        if u.pk not in existing
    )
    figures.changed(session.community_id)  # bulk_create sends no signal
    session.notes = notes
    session.updated_at = now
    session.save(update_fields=["notes", "updated_at"])
    activity_record(
        community=session.community,
        actor=actor,
        action="session",
        summary=f"Attendance recorded: {len(attendees)} at {session.title}",
        now=now,
    )
    return list(session.attendance.all())


@transaction.atomic
def summary_write_up(*, session: PracticeSession, actor: User, now: datetime | None = None) -> Artefact:
    """ "Write up as summary": a draft Summary / highlights from the notes, linked to the session and to the
    requests on its agenda; it then flows through captured learning's review and publication."""
    from practice.services import learning

    now = now or timezone.now()
    _require_scheduler(session.community, actor)
    if session.summary_id:
        return session.summary
    if not session.notes.strip():
        raise ValidationError("Write the notes of the session first: they become the key points of the summary.")
    requests = [
        item.request
        for item in session.agenda.filter(
            status=SessionAgendaItem.Status.ACCEPTED, request__isnull=False
        ).select_related("request")
    ]
    local = timezone.localtime(session.starts_at, session.community.tzinfo)
    artefact = learning.artefact_create(
        community=session.community,
        author=actor,
        kind=Artefact.Kind.SUMMARY,
        title=f"{session.title}: highlights",
        fields={"period": f"{session.get_kind_display()} of {local:%d %b %Y}", "key_points": session.notes},
        source_requests=requests,
        note="Written up from the session's notes",
        now=now,
    )
    session.summary = artefact
    session.save(update_fields=["summary"])
    return artefact


def summary_published(*, artefact: Artefact, now: datetime) -> int:
    """Tell the members who missed the session that its summary is published (once per session)."""
    session = PracticeSession.objects.filter(summary=artefact).select_related("community").first()
    if session is None:
        return 0
    if not PracticeSession.objects.filter(pk=session.pk, missed_notified_at__isnull=True).update(
        missed_notified_at=now
    ):
        return 0
    missed = list(
        User.objects.filter(memberships__community=session.community, is_active=True).exclude(
            session_attendance__session=session
        )
    )
    notify(
        recipients=missed,
        category=Category.LEARNING,
        title=f"You missed “{session.title}”: its summary is published",
        body="The key points of the session, for those who could not be there.",
        url=artefact.get_absolute_url(),
        community=session.community,
        now=now,
    )
    return len(missed)


# --- the agenda ------------------------------------------------------------------------------


def _next_position(session: PracticeSession) -> int:
    last = session.agenda.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


@transaction.atomic
def agenda_pull(
    *, session: PracticeSession, actor: User, requests: list[HelpRequest], tags: list, now: datetime | None = None
) -> int:
    """The core group and above put requests and learning-agenda tags on the agenda; returns how many were added."""
    now = now or timezone.now()
    _require_scheduler(session.community, actor)
    if any(r.community_id != session.community_id for r in requests) or any(
        t.community_id != session.community_id for t in tags
    ):
        raise ValidationError("Only this community's requests and topics go on its agenda.")
    position = _next_position(session)
    added = 0
    for request in requests:
        item, created = SessionAgendaItem.objects.get_or_create(
            session=session,
            request=request,
            defaults={"added_by": actor, "added_at": now, "position": position + added},
        )
        if not created and item.status != SessionAgendaItem.Status.ACCEPTED:
            item.status = SessionAgendaItem.Status.ACCEPTED
            item.save(update_fields=["status"])
        added += created
    have = set(session.agenda.filter(tag__isnull=False).values_list("tag_id", flat=True))
    for tag in tags:
        if tag.pk not in have:
            SessionAgendaItem.objects.create(
                session=session, tag=tag, added_by=actor, added_at=now, position=position + added
            )
            added += 1
    return added


@transaction.atomic
def agenda_propose(
    *, session: PracticeSession, user: User, request: HelpRequest, reason: str, now: datetime | None = None
) -> SessionAgendaItem:
    """A member proposes their own request for the session, with a reason; facilitators accept or decline."""
    now = now or timezone.now()
    access_rules.check(CommunityAccess.of(session.community, user).is_member, "Only members propose.")
    if request.community_id != session.community_id or request.author_id != user.pk:
        raise ValidationError("You can propose your own requests of this community.")
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise ValidationError("Say in a few words why the group should work on it.")
    if session.is_cancelled or session.last_end <= now:
        raise ValidationError("This session takes no more proposals.")
    if session.agenda.filter(request=request).exists():
        raise ValidationError("That request is already proposed or on the agenda.")
    item = SessionAgendaItem.objects.create(
        session=session,
        request=request,
        reason=reason[:300],
        status=SessionAgendaItem.Status.PROPOSED,
        added_by=user,
        added_at=now,
        position=_next_position(session),
    )
    facilitators = User.objects.filter(
        memberships__community=session.community, memberships__role__in=[Role.FACILITATOR, Role.SPONSOR, Role.CORE]
    )
    notify(
        recipients=list(facilitators),
        category=Category.SESSIONS,
        title=f"Proposed for “{session.title}”: {request.title}",
        body=reason,
        url=session.get_absolute_url(),
        community=session.community,
        actor=user,
        now=now,
    )
    return item


@transaction.atomic
def agenda_decide(*, item: SessionAgendaItem, actor: User, accept: bool, now: datetime | None = None) -> bool:
    """Accept or decline a member's proposal; the proposer is told. False when it was already decided."""
    now = now or timezone.now()
    session = item.session
    _require_scheduler(session.community, actor)
    status = SessionAgendaItem.Status.ACCEPTED if accept else SessionAgendaItem.Status.DECLINED
    if not SessionAgendaItem.objects.filter(pk=item.pk, status=SessionAgendaItem.Status.PROPOSED).update(status=status):
        return False
    if item.added_by is not None:
        verdict = "is on the agenda of" if accept else "was not taken up for"
        notify(
            recipients=[item.added_by],
            category=Category.SESSIONS,
            title=f"Your request {verdict} “{session.title}”",
            url=session.get_absolute_url(),
            community=session.community,
            actor=actor,
            now=now,
        )
    return True
