"""Reads of practice sessions: the list, one session's page, and a member's personal feed (fixed query counts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from communities.models import Community, Tag, User
from practice.models import Advice, HelpRequest, PracticeSession, SessionAgendaItem, SessionAttendance, SessionRSVP

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
    advice: list[Advice] = field(default_factory=list)  # advice recorded "from the session"

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
    """One session with its answers, agenda, attendance and the advice recorded from it (four queries)."""
    rsvps = list(session.rsvps.select_related("user").order_by("answered_at", "id"))
    agenda = list(
        session.agenda.exclude(status=SessionAgendaItem.Status.DECLINED).select_related("request", "tag", "added_by")
    )
    attendance = list(session.attendance.select_related("user").order_by("user__display_name", "id"))
    advice = list(
        session.advice.filter(hidden_at__isnull=True, request__hidden_at__isnull=True)
        .select_related("author", "request")
        .order_by("created_at", "id")
    )
    mine = next((r.answer for r in rsvps if r.user_id == user.pk), None)
    upcoming = [s for s in session.occurrence_starts() if s + session.duration > now]
    return SessionPage(
        session=session,
        rsvps=rsvps,
        my_answer=mine,
        agenda=agenda,
        attendance=attendance,
        upcoming_starts=upcoming,
        advice=advice,
    )


def session_held(session: PracticeSession, now: datetime) -> bool:
    """The session (its first occurrence) has taken place: advice given in it can be recorded."""
    return not session.is_cancelled and session.starts_at <= now


@dataclass(frozen=True)
class SessionAdviceChoices:
    requests: list[HelpRequest]  # the session's agenda requests still taking advice
    attendees: list[User]  # who attended: the possible authors


def session_advice_choices(*, session: PracticeSession) -> SessionAdviceChoices:
    """What advice "from the session" can be recorded on, and in whose name (two queries)."""
    requests = list(
        HelpRequest.objects.filter(
            session_agenda__session=session,
            session_agenda__status=SessionAgendaItem.Status.ACCEPTED,
            status__in=HelpRequest.ACTIVE,
            hidden_at__isnull=True,
        )
        .select_related("author")
        .order_by("session_agenda__position", "session_agenda__id")
    )
    attendees = list(
        User.objects.filter(session_attendance__session=session, is_active=True).order_by("display_name", "id")
    )
    return SessionAdviceChoices(requests=requests, attendees=attendees)


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


AGENDA_TAG_DAYS = 90


@dataclass(frozen=True)
class AgendaCandidates:
    requests: list[HelpRequest]  # open, unanswered first, then overdue, then the rest
    tags: list[Tag]  # the learning agenda: the most asked-about topics of the last 90 days


def agenda_candidates(*, session: PracticeSession, now: datetime, limit: int = 30) -> AgendaCandidates:
    """What facilitators can pull into a session's agenda (two queries)."""
    community = session.community
    on_agenda = session.agenda.filter(request=OuterRef("pk"), status=SessionAgendaItem.Status.ACCEPTED)
    requests = list(
        HelpRequest.objects.filter(community=community, status__in=HelpRequest.ACTIVE, hidden_at__isnull=True)
        .exclude(Exists(on_agenda))
        .annotate(
            answered=Exists(Advice.objects.filter(request=OuterRef("pk"), hidden_at__isnull=True)),
        )
        .select_related("author")
        .order_by("answered", "response_due_at", "id")[:limit]
    )
    tags = list(
        Tag.objects.filter(community=community)
        .annotate(
            asked=Count("help_requests", filter=Q(help_requests__created_at__gte=now - timedelta(days=AGENDA_TAG_DAYS)))
        )
        .filter(asked__gt=0)
        .order_by("-asked", "name")[:5]
    )
    return AgendaCandidates(requests=requests, tags=tags)


def my_proposable_requests(*, session: PracticeSession, user: User) -> list[HelpRequest]:
    """The member's own open requests not yet proposed for this session (one query)."""
    return list(
        HelpRequest.objects.filter(
            community=session.community, author=user, status__in=HelpRequest.ACTIVE, hidden_at__isnull=True
        )
        .exclude(session_agenda__session=session)
        .order_by("-created_at")[:20]
    )


DASHBOARD_MONTHS = 6


@dataclass(frozen=True)
class SessionFigures:
    planned: int  # sessions (not cancelled) that started in the window
    held: int  # of those, with attendance recorded
    cancelled: int
    attendance_per_session: float | None
    per_month: list[tuple[str, int, int]]  # (month, sessions held, attendees)
    newcomers: int  # members who joined in the last 30 days
    newcomers_attended: int  # of those, how many came to a session since joining


def session_figures(*, community: Community, now: datetime) -> SessionFigures:
    """The dashboard's practice sessions: held against planned, attendance per session and month, newcomers'
    first session (two queries)."""
    from django.db.models.functions import TruncMonth

    from communities.models import Membership

    since = now - timedelta(days=30 * DASHBOARD_MONTHS)
    window = PracticeSession.objects.filter(community=community, starts_at__gte=since, starts_at__lt=now)
    rows = list(
        window.annotate(attendees=Count("attendance"), month=TruncMonth("starts_at", tzinfo=community.tzinfo)).values(
            "status", "attendees", "month"
        )
    )
    live = [r for r in rows if r["status"] == PracticeSession.Status.SCHEDULED]
    held = [r for r in live if r["attendees"]]
    months: dict[str, list[int]] = {}
    for r in held:
        key = r["month"].strftime("%Y-%m")
        months.setdefault(key, [0, 0])
        months[key][0] += 1
        months[key][1] += r["attendees"]
    newcomers = Membership.objects.filter(community=community).newcomers(now=now)
    counts = newcomers.aggregate(
        total=Count("pk"),
        attended=Count(
            "pk",
            filter=Q(
                Exists(
                    SessionAttendance.objects.filter(
                        session__community=community,
                        user=OuterRef("user"),
                        session__starts_at__gte=OuterRef("joined_at"),
                    )
                )
            ),
        ),
    )
    total = sum(r["attendees"] for r in held)
    return SessionFigures(
        planned=len(live),
        held=len(held),
        cancelled=len(rows) - len(live),
        attendance_per_session=total / len(held) if held else None,
        per_month=[(m, n, a) for m, (n, a) in sorted(months.items())],
        newcomers=counts["total"],
        newcomers_attended=counts["attended"],
    )
