"""Practice sessions as RFC 5545 calendars, built with the icalendar library.

One VEVENT per session (a series is one VEVENT with an RRULE and its EXDATEs); the UID never changes
and SEQUENCE rises with every change, so calendars update the event they already hold. Times are in
the community's zone, whose VTIMEZONE is included.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.utils import timezone

from communities.models import User
from communities.services.notify import absolute_url

PRODID = "-//CHILD portal//Practice sessions//EN"
REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"
PARTSTAT = {"going": "ACCEPTED", "maybe": "TENTATIVE", "not_going": "DECLINED"}


def _domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rsplit("@", 1)[-1] or "child.example"


def event_uid(session) -> str:
    return f"session-{session.uid}@{_domain()}"


def _organizer(session) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    address.params["cn"] = icalendar.vText(session.community.name)
    return address


HIDDEN_TITLE = "Hidden pending a privacy review"


def _event(session, *, now: datetime, attendee: User | None = None, answer: str | None = None) -> icalendar.Event:
    tz = session.community.tzinfo
    event = icalendar.Event()
    event.add("uid", event_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(tz))
    event.add("dtend", session.ends_at.astimezone(tz))
    # Hidden pending a privacy review: the meeting stays in calendars, its words do not (feeds are read by
    # calendar servers, with no facilitator to show them to).
    title = HIDDEN_TITLE if session.is_hidden else session.title
    event.add("summary", f"{title} ({session.community.name})")
    url = absolute_url(session.get_absolute_url())
    event.add("url", url)
    text = "" if session.is_hidden else session.description.strip()
    description = "\n\n".join(p for p in (session.get_kind_display(), text, url) if p)
    event.add("description", description)
    location = ", ".join(p for p in (session.place, session.online_url) if p)
    if location:
        event.add("location", location)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("organizer", _organizer(session))
    if session.is_recurring:
        event.add("rrule", {"freq": session.repeat, "count": session.occurrences})
        skipped = sorted(session.excepted())
        if skipped:
            event.add("exdate", [s.astimezone(tz) for s in skipped])
    if attendee is not None:
        address = icalendar.vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = icalendar.vText(attendee.name)
        address.params["partstat"] = icalendar.vText(PARTSTAT.get(answer or "", "NEEDS-ACTION"))
        address.params["rsvp"] = icalendar.vText("TRUE")
        address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        event.add("attendee", address)
    return event


def calendar(
    sessions: Iterable,
    *,
    method: str | None = None,
    name: str = "",
    attendee: User | None = None,
    answers: dict[int, str] | None = None,
    now: datetime | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT per session and the VTIMEZONE of every zone they use."""
    now = now or timezone.now()
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    first, last = None, None
    for session in sessions:
        answer = (answers or {}).get(session.pk)
        cal.add_component(_event(session, now=now, attendee=attendee, answer=answer))
        start, end = session.starts_at.date(), session.last_end.date()
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
    # The zones' rules from a year before the first session to a year after the last (not since 1970).
    today = now.date()
    cal.add_missing_timezones(
        first_date=(first or today) - timedelta(days=366), last_date=(last or today) + timedelta(days=366)
    )
    return cal.to_ical()


def invitation(session, *, user: User, answer: str | None = None, now: datetime | None = None) -> bytes:
    """The iTIP part of an invitation or update email (METHOD:REQUEST), or of a cancellation (METHOD:CANCEL)."""
    method = CANCEL if session.is_cancelled else REQUEST
    return calendar([session], method=method, attendee=user, answers={session.pk: answer or ""}, now=now)


def mime_type(session) -> str:
    return f"text/calendar; method={CANCEL if session.is_cancelled else REQUEST}"
