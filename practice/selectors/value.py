"""The practice parts of the sponsor's value report: value-creation stories, practice health over a
period, and the practice contributions counted in participation.

Periods are ``communities.selectors.report_periods.ReportPeriod`` objects: half-open ``[start, end)``
intervals of UTC instants built from the community's local calendar days, and the period of the
same length just before. Every figure is computed in SQL, both periods in the same query, so each
function costs a fixed number of queries whatever the number of requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from communities.models import Community, Membership
from communities.selectors.contributions import contribution_rows, contribution_source
from communities.selectors.report_figures import AVERAGE, COUNT, DOWN, DURATION, SHARE, Figure, FigureGroup, share
from communities.selectors.report_periods import ReportPeriod
from practice.models import (
    Advice,
    AdviceResponse,
    ArtefactVersion,
    DiscussionComment,
    FollowUp,
    HelpRequest,
    Kudos,
    Outcome,
    PracticeSession,
    SessionAttendance,
)
from practice.selectors.requests import value_funnel

MAX_STORIES = 12
STORY_RESULTS = (Outcome.Result.RESOLVED, Outcome.Result.PARTLY)

CURRENT, PREVIOUS = 1, 0


def _bucket(field: str, period: ReportPeriod) -> Case:
    """1 for rows of the current period, 0 for the period before (rows are limited to both)."""
    return Case(
        When(**{f"{field}__gte": period.current.start}, then=Value(CURRENT)),
        default=Value(PREVIOUS),
        output_field=IntegerField(),
    )


def _in(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


# --- Value-creation stories -------------------------------------------------------------------


@dataclass
class Stories:
    stories: list[Outcome]
    total: int
    previous_total: int


def story_outcomes(community: Community) -> QuerySet[Outcome]:
    """Outcomes that may appear as stories: resolved or partly, the asker opted in, neither the request nor
    the outcome hidden (by a facilitator, or pending a privacy review).
    A withdrawn consent (``story_consent=False``) removes the story."""
    return Outcome.objects.filter(
        community=community,
        story_consent=True,
        result__in=STORY_RESULTS,
        request__hidden_at__isnull=True,
        hidden_at__isnull=True,
    )


def value_stories(community: Community, period: ReportPeriod, *, limit: int = MAX_STORIES) -> Stories:
    """The period's value-creation stories, most recent first, with the helpful advice (three queries).

    A story belongs to the period in which its outcome was reported.
    """
    qs = story_outcomes(community)
    counts = qs.filter(_in("recorded_at", period.previous.start, period.current.end)).aggregate(
        total=Count("pk", filter=Q(recorded_at__gte=period.current.start)),
        previous_total=Count("pk", filter=Q(recorded_at__lt=period.current.start)),
    )
    helpful = Advice.objects.filter(hidden_at__isnull=True).select_related("author").order_by("created_at", "id")
    stories = list(
        qs.filter(_in("recorded_at", period.current.start, period.current.end))
        .select_related("request")
        .prefetch_related(Prefetch("helpful_advice", queryset=helpful, to_attr="helped"))
        .order_by("-recorded_at", "-id")[:limit]
    )
    return Stories(stories=stories, total=counts["total"], previous_total=counts["previous_total"])


# --- Practice health over a period -------------------------------------------------------------


@dataclass(frozen=True)
class PeriodHealth:
    """Practice health of the requests posted in one period (docs/metrics.md), as known at report time."""

    median_first_response: timedelta | None = None
    responded: int = 0
    within: int = 0
    missed: int = 0
    lapsed: int = 0

    @property
    def within_share(self) -> float | None:
        total = self.within + self.missed
        return self.within / total if total else None


def _medians(community: Community, period: ReportPeriod) -> dict[int, timedelta]:
    """Median time to first response per period, over requests posted in it that got one (one query).

    Row numbers over the waits, per period (a window function, on SQLite and PostgreSQL alike):
    the middle row, or the mean of the two middle rows of an even count.
    """
    rows = (
        HelpRequest.objects.filter(
            _in("created_at", period.previous.start, period.current.end),
            community=community,
            hidden_at__isnull=True,
            first_response_at__isnull=False,
        )
        .annotate(
            bucket=_bucket("created_at", period),
            wait=ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField()),
        )
        .annotate(
            position=Window(RowNumber(), partition_by=[F("bucket")], order_by=[F("wait").asc(), F("id").asc()]),
            total=Window(Count("id"), partition_by=[F("bucket")]),
        )
        .filter(Q(position=(F("total") + 1) / 2) | Q(position=(F("total") + 2) / 2))
        .values_list("bucket", "wait")
    )
    middles: dict[int, list[timedelta]] = {}
    for bucket, wait in rows:
        middles.setdefault(bucket, []).append(wait)
    return {bucket: sum(waits, timedelta()) / len(waits) for bucket, waits in middles.items()}


def period_health(community: Community, period: ReportPeriod) -> dict[int, PeriodHealth]:
    """Practice health for the period (``CURRENT``) and the one before (``PREVIOUS``), in three queries.

    * time to first response: the median over the period's requests that received one;
    * responded within the commitment: first responses by the due time, against late ones plus
      requests still open and unanswered past their due time (as at the report's moment);
    * lapsed loops: follow-ups that lapsed in the period (maximum reminders, no outcome yet).
    Requests a facilitator hid are left out.
    """
    now = period.now
    cur, prev = period.current, period.previous
    waiting = Q(status=HelpRequest.Status.OPEN, first_response_at__isnull=True, response_due_at__lte=now)
    within = Q(first_response_at__lte=F("response_due_at"))
    missed = Q(first_response_at__gt=F("response_due_at")) | waiting
    answered = Q(first_response_at__isnull=False)
    now_q, before_q = _in("created_at", cur.start, cur.end), _in("created_at", prev.start, prev.end)
    counts = HelpRequest.objects.filter(
        _in("created_at", prev.start, cur.end), community=community, hidden_at__isnull=True
    ).aggregate(
        responded=Count("pk", filter=now_q & answered),
        within=Count("pk", filter=now_q & within),
        missed=Count("pk", filter=now_q & missed),
        responded_before=Count("pk", filter=before_q & answered),
        within_before=Count("pk", filter=before_q & within),
        missed_before=Count("pk", filter=before_q & missed),
    )
    lapsed = FollowUp.objects.filter(
        _in("lapsed_at", prev.start, cur.end), community=community, state=FollowUp.State.LAPSED
    ).aggregate(
        now=Count("pk", filter=Q(lapsed_at__gte=cur.start)),
        before=Count("pk", filter=Q(lapsed_at__lt=cur.start)),
    )
    medians = _medians(community, period)
    return {
        CURRENT: PeriodHealth(
            median_first_response=medians.get(CURRENT),
            responded=counts["responded"],
            within=counts["within"],
            missed=counts["missed"],
            lapsed=lapsed["now"],
        ),
        PREVIOUS: PeriodHealth(
            median_first_response=medians.get(PREVIOUS),
            responded=counts["responded_before"],
            within=counts["within_before"],
            missed=counts["missed_before"],
            lapsed=lapsed["before"],
        ),
    }


# --- Contributions counted in participation (communities.selectors.contributions) ---------


# What the asker of an anonymous request wrote on it (the request, their responses, their messages in its
# discussions, its outcome) counts in the community's figures, never as anyone's contribution.
contribution_rows("help requests", HelpRequest, "community", exclude=Q(anonymous=True))
contribution_rows("advice", Advice, "request__community")
contribution_rows(
    "discussion messages",
    DiscussionComment,
    "advice__request__community",
    exclude=Q(advice__request__anonymous=True, author=F("advice__request__author")),
)
contribution_rows("responses to advice", AdviceResponse, "request__community", exclude=Q(request__anonymous=True))
contribution_rows(
    "outcomes", Outcome, "community", at="recorded_at", exclude=Q(request__anonymous=True, author=F("request__author"))
)
# Coming to a practice session counts, at the session's start ("active members" counts attendance).
contribution_rows("session attendance", SessionAttendance, "session__community", user="user", at="session__starts_at")
# Drafting an artefact and every later edit: each saved version is a contribution.
contribution_rows(
    "captured learning",
    ArtefactVersion,
    "artefact__community",
    exclude=Q(artefact__anonymous=True, author=F("artefact__created_by")),
)


@contribution_source("kudos")
def _kudos(community: Community, since: datetime, until: datetime) -> QuerySet:
    return Kudos.objects.filter(
        Q(advice__request__community=community) | Q(outcome__community=community), _in("created_at", since, until)
    ).values_list("user_id", "created_at")


# --- The report's parts (``communities.selectors.report_figures.register`` in apps.py) -----------

FUNNEL_STEPS = (
    ("asked", "Requests asked", "problems of practice members brought"),
    ("answered", "Answered", "immediate value: asked and answered"),
    ("advice_taken", "Advice taken", "potential value: advice the asker will try"),
    ("outcome_reported", "Outcome reported", "realised value: the asker reported how it turned out"),
    ("captured", "Captured as learning", "the community's memory: learning drawn from it"),
)


@dataclass
class FunnelStep:
    key: str
    label: str
    meaning: str
    count: Figure
    rate: Figure | None  # conversion from the step before; None for the first step


def funnel(community: Community, period: ReportPeriod) -> list[FunnelStep]:
    """The value funnel of the requests posted in the period and in the one before (two queries)."""
    now = value_funnel(community, since=period.current.start, until=period.current.end)
    before = value_funnel(community, since=period.previous.start, until=period.previous.end)
    steps: list[FunnelStep] = []
    prior = None
    for key, label, meaning in FUNNEL_STEPS:
        count = Figure(f"funnel.{key}", label, now.get(key), before.get(key), COUNT)
        rate = None
        if prior is not None:
            rate = Figure(
                f"funnel.{key}_rate",
                f"{label}: share of “{prior[1]}”",
                share(now.get(key), now.get(prior[0])) if now.get(key) is not None else None,
                share(before.get(key), before.get(prior[0])) if before.get(key) is not None else None,
                SHARE,
            )
        steps.append(FunnelStep(key, label, meaning, count, rate))
        prior = (key, label)
    return steps


def funnel_figures(community: Community, period: ReportPeriod) -> FigureGroup:
    """The funnel's counts and step-to-step rates (two queries); ``data`` is the steps."""
    steps = funnel(community, period)
    figures: list[Figure] = []
    for s in steps:
        figures += [s.count] + ([s.rate] if s.rate else [])
    return FigureGroup("Value funnel", figures, steps)


def stories_figures(community: Community, period: ReportPeriod) -> FigureGroup:
    """The consented value-creation stories of the period (``data``) and how many there were."""
    stories = value_stories(community, period)
    figures = [Figure("stories.count", "Value-creation stories (consented)", stories.total, stories.previous_total)]
    return FigureGroup("Value-creation stories", figures, stories)


def health_figures(community: Community, period: ReportPeriod) -> FigureGroup:
    """Practice health against the period before; loop closure from the funnel (five queries).

    ``data`` is ``{"health": this period's PeriodHealth, "previous": the period before's}``.
    """
    health = period_health(community, period)
    now = value_funnel(community, since=period.current.start, until=period.current.end)
    before = value_funnel(community, since=period.previous.start, until=period.previous.end)
    cur, prev = health[CURRENT], health[PREVIOUS]
    closure = share(now["outcome_reported"], now["advice_taken"])
    closure_before = share(before["outcome_reported"], before["advice_taken"])
    figures = [
        Figure(
            "health.first_response",
            "Median time to first response",
            cur.median_first_response,
            prev.median_first_response,
            DURATION,
            better=DOWN,
        ),
        Figure(
            "health.within_commitment",
            f"Responded within the commitment ({community.response_commitment_hours} h)",
            cur.within_share,
            prev.within_share,
            SHARE,
        ),
        Figure(
            "health.loop_closure", "Loop closure (outcome reported after advice taken)", closure, closure_before, SHARE
        ),
        Figure("health.lapsed", "Lapsed loops (no outcome after every reminder)", cur.lapsed, prev.lapsed, better=DOWN),
    ]
    return FigureGroup("Practice health", figures, {"health": cur, "previous": prev})


# --- Practice sessions in participation ------------------------------------------------------


@dataclass(frozen=True)
class PeriodSessions:
    planned: int  # sessions (not cancelled) whose start falls in the period
    held: int  # of those, with attendance recorded
    attendance: int  # people recorded at the held sessions, counted once per session
    newcomers_first: int  # members who joined in the period and came to their first session in it

    @property
    def held_share(self) -> float | None:
        return share(self.held, self.planned)

    @property
    def attendance_per_session(self) -> float | None:
        return self.attendance / self.held if self.held else None


def period_sessions(community: Community, period: ReportPeriod) -> dict[int, PeriodSessions]:
    """Sessions held against planned, attendance and newcomers' first session, per period (two queries).

    A series counts once, at its first start (as on the dashboard).
    """
    prev, cur = period.previous, period.current
    rows = (
        PracticeSession.objects.filter(
            _in("starts_at", prev.start, cur.end), community=community, status=PracticeSession.Status.SCHEDULED
        )
        .annotate(attendees=Count("attendance"), bucket=_bucket("starts_at", period))
        .values_list("bucket", "attendees")
    )
    counts = {CURRENT: [0, 0, 0], PREVIOUS: [0, 0, 0]}
    for bucket, attendees in rows:
        counts[bucket][0] += 1
        counts[bucket][1] += 1 if attendees else 0
        counts[bucket][2] += attendees
    first_session = (
        SessionAttendance.objects.filter(
            session__community=community,
            session__status=PracticeSession.Status.SCHEDULED,
            user=OuterRef("user"),
            session__starts_at__gte=OuterRef("joined_at"),
        )
        .order_by("session__starts_at")
        .values("session__starts_at")[:1]
    )
    newcomers = (
        Membership.objects.filter(_in("joined_at", prev.start, cur.end), community=community)
        .annotate(first=Subquery(first_session))
        .aggregate(
            now=Count("pk", filter=_in("joined_at", cur.start, cur.end) & _in("first", cur.start, cur.end)),
            before=Count("pk", filter=_in("joined_at", prev.start, prev.end) & _in("first", prev.start, prev.end)),
        )
    )
    return {
        bucket: PeriodSessions(planned=c[0], held=c[1], attendance=c[2], newcomers_first=newcomers[key])
        for bucket, key, c in ((CURRENT, "now", counts[CURRENT]), (PREVIOUS, "before", counts[PREVIOUS]))
    }


def session_participation_figures(community: Community, period: ReportPeriod) -> FigureGroup:
    """Practice sessions next to participation (two queries); ``data`` is ``{"current": …, "previous": …}``."""
    sessions = period_sessions(community, period)
    cur, prev = sessions[CURRENT], sessions[PREVIOUS]
    figures = [
        Figure("sessions.planned", "Practice sessions planned", cur.planned, prev.planned, better=None),
        Figure("sessions.held", "Practice sessions held (attendance recorded)", cur.held, prev.held),
        Figure("sessions.held_share", "Sessions held: share of those planned", cur.held_share, prev.held_share, SHARE),
        Figure("sessions.attendance", "Attendance at sessions held", cur.attendance, prev.attendance),
        Figure(
            "sessions.attendance_per_session",
            "Attendance per session held (average)",
            cur.attendance_per_session,
            prev.attendance_per_session,
            AVERAGE,
        ),
        Figure(
            "sessions.newcomers_first",
            "Newcomers who came to their first session",
            cur.newcomers_first,
            prev.newcomers_first,
        ),
    ]
    return FigureGroup("Practice sessions", figures, {"current": cur, "previous": prev})
