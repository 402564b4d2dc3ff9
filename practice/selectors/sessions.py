"""Reads of practice sessions: the list, one session's page, and a member's personal feed (fixed query counts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q

from communities.models import Community, User
from practice.models import PracticeSession, SessionAgendaItem, SessionAttendance, SessionRSVP

FEED_PAST_DAYS = 90


@dataclass(frozen=True)
class Row:
    session: PracticeSession
    next_start: datetime | None
    going: int
    maybe: int
    my_answer: str | None


@dataclass(frozen=True)
class SessionList:
    upcoming: list[Row]
    past: list[Row]


def _annotated(community: Community, user: User):
    return (
        PracticeSession.objects.filter(community=community)
        .select_related("community")
        .annotate(
            going=Count("rsvps", filter=Q(rsvps__answer=SessionRSVP.Answer.GOING)),
            maybe=Count("rsvps", filter=Q(rsvps__answer=SessionRSVP.Answer.MAYBE)),
        )
        .prefetch_related(Prefetch("rsvps", queryset=SessionRSVP.objects.filter(user=user), to_attr="mine"))
    )


def _row(session: PracticeSession, now: datetime) -> Row:
    mine = session.mine[0].answer if session.mine else None
    return Row(
        session=session, next_start=session.next_start(now), going=session.going, maybe=session.maybe, my_answer=mine
    )


def session_list(*, community: Community, user: User, now: datetime, past_limit: int = 30) -> SessionList:
    """Upcoming sessions (soonest first) and the latest past or cancelled ones (three queries)."""
    upcoming_qs = _annotated(community, user).filter(status=PracticeSession.Status.SCHEDULED, until__gt=now)
    past_qs = (
        _annotated(community, user)
        .filter(Q(until__lte=now) | Q(status=PracticeSession.Status.CANCELLED))
        .order_by("-starts_at", "-id")[:past_limit]
    )
    upcoming = sorted(
        (_row(s, now) for s in upcoming_qs), key=lambda r: (r.next_start or r.session.starts_at, r.session.pk)
    )
    return SessionList(upcoming=upcoming, past=[_row(s, now) for s in past_qs])


@dataclass(frozen=True)
class SessionPage:
    session: PracticeSession
    rsvps: list[SessionRSVP]
    my_answer: str | None
    agenda: list[SessionAgendaItem]
    attendance: list[SessionAttendance]
    upcoming_starts: list[datetime] = field(default_factory=list)

    @property
    def going(self) -> list[SessionRSVP]:
        return [r for r in self.rsvps if r.answer == SessionRSVP.Answer.GOING]

    @property
    def maybe(self) -> list[SessionRSVP]:
        return [r for r in self.rsvps if r.answer == SessionRSVP.Answer.MAYBE]

    @property
    def not_going(self) -> list[SessionRSVP]:
        return [r for r in self.rsvps if r.answer == SessionRSVP.Answer.NOT_GOING]


def session_page(*, session: PracticeSession, user: User, now: datetime) -> SessionPage:
    """One session with its answers, agenda and attendance (three queries)."""
    rsvps = list(session.rsvps.select_related("user").order_by("answered_at", "id"))
    agenda = list(
        session.agenda.exclude(status=SessionAgendaItem.Status.DECLINED).select_related("request", "tag", "added_by")
    )
    attendance = list(session.attendance.select_related("user").order_by("user__display_name", "id"))
    mine = next((r.answer for r in rsvps if r.user_id == user.pk), None)
    upcoming = [s for s in session.occurrence_starts() if s + session.duration > now]
    return SessionPage(
        session=session, rsvps=rsvps, my_answer=mine, agenda=agenda, attendance=attendance, upcoming_starts=upcoming
    )


def feed_sessions(*, user: User, now: datetime) -> tuple[list[PracticeSession], dict[int, str]]:
    """Sessions of every community ``user`` belongs to (recent past and future), with their answers (two queries)."""
    sessions = list(
        PracticeSession.objects.filter(
            community__memberships__user=user, until__gt=now - timedelta(days=FEED_PAST_DAYS)
        )
        .select_related("community")
        .order_by("starts_at", "id")
    )
    answers = dict(
        SessionRSVP.objects.filter(user=user, session__in=[s.pk for s in sessions]).values_list("session_id", "answer")
    )
    return sessions, answers
