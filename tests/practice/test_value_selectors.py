"""The practice parts of the value report: the funnel, value-creation stories and practice health over a
period — every figure against hand-computed data, at the period's boundaries and in time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from communities.access import CommunityAccess
from communities.models import Membership
from communities.selectors.report_periods import report_period
from practice.models import FollowUp, HelpRequest, Outcome
from practice.selectors.value import (
    CURRENT,
    PREVIOUS,
    funnel,
    health_figures,
    period_health,
    stories_figures,
    value_stories,
)
from practice.services import learning, loops
from practice.services import requests as services
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.practice.factories import AdviceFactory, AdviceResponseFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
Q3_START = datetime(2026, 7, 1, tzinfo=UTC)
Q3_END = datetime(2026, 10, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
H = timedelta(hours=1)
S = HelpRequest.Status


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def place():
    community = CommunityFactory(time_zone="UTC", response_commitment_hours=48)
    asker, adviser = UserFactory(verified=False), UserFactory(verified=False)
    for user in (asker, adviser):
        MembershipFactory(community=community, user=user, joined_at=utc(2026, 1, 1))
    return community, asker, adviser


def ask(community, asker, created, *, response_after=None, status=None, hidden=False) -> HelpRequest:
    return HelpRequestFactory(
        community=community,
        author=asker,
        created_at=created,
        response_due_at=created + 48 * H,
        first_response_at=created + response_after if response_after is not None else None,
        status=status or (S.ANSWERED if response_after is not None else S.OPEN),
        hidden_at=NOW if hidden else None,
    )


def take(help_request, adviser) -> None:
    advice = AdviceFactory(request=help_request, author=adviser, created_at=help_request.created_at + H)
    AdviceResponseFactory(advice=advice, created_at=help_request.created_at + 2 * H)


def report(help_request, *, result="resolved", consent=True, at=None, helpful=(), what_worked="") -> Outcome:
    outcome = Outcome.objects.create(
        request=help_request,
        community=help_request.community,
        author=help_request.author,
        result=result,
        story_consent=consent,
        what_worked=what_worked,
        recorded_at=at or help_request.created_at + 10 * 24 * H,
    )
    outcome.helpful_advice.set(helpful)
    return outcome


def access_for(community) -> CommunityAccess:
    return CommunityAccess(community=community, membership=Membership(community=community, role="sponsor"))


def period_of(community):
    return report_period(community, now=NOW)


# --- The funnel ------------------------------------------------------------------------------


def test_it_follows_the_periods_requests_through_the_funnel(place):
    community, asker, adviser = place
    first = ask(community, asker, Q3_START, response_after=H)  # the first instant of Q3
    take(first, adviser)
    outcome = report(first)
    curator = UserFactory(verified=False)
    MembershipFactory(community=community, user=curator, role="facilitator", joined_at=utc(2026, 1, 1))
    captured = learning.artefact_draft_from_outcome(outcome=outcome, author=asker, now=utc(2026, 8, 1))
    learning.artefact_publish(artefact=captured, actor=curator, now=utc(2026, 8, 2))
    drafted = ask(community, asker, utc(2026, 8, 5), response_after=H)  # written up, but only a draft
    take(drafted, adviser)
    learning.artefact_draft_from_outcome(outcome=report(drafted), author=asker, now=utc(2026, 8, 20))
    ask(community, asker, Q3_END - SECOND, response_after=H)  # the last second of Q3: answered only
    ask(community, asker, utc(2026, 8, 10))  # unanswered
    ask(community, asker, utc(2026, 8, 11), response_after=H, hidden=True)  # hidden: left out
    ask(community, asker, Q3_END, response_after=H)  # the next quarter
    before = ask(community, asker, Q3_START - SECOND, response_after=H)  # Q2
    take(before, adviser)
    steps = {s.key: s for s in funnel(community, period_of(community))}
    counts = {k: (s.count.value, s.count.previous) for k, s in steps.items()}
    assert counts["asked"] == (4, 1)
    assert counts["answered"] == (3, 1)
    assert counts["advice_taken"] == (2, 1)
    assert counts["outcome_reported"] == (2, 0)
    assert counts["captured"] == (1, 0)
    assert steps["asked"].rate is None
    assert steps["answered"].rate.value == pytest.approx(3 / 4)
    assert steps["advice_taken"].rate.value == pytest.approx(2 / 3)
    assert (steps["outcome_reported"].rate.value, steps["outcome_reported"].rate.previous) == (1.0, 0.0)
    assert (steps["captured"].rate.value, steps["captured"].rate.previous) == (0.5, None)
    assert steps["asked"].count.change == "up 3 from 1"


def test_it_cuts_the_funnel_at_local_midnight(place):
    community, asker, _ = place
    community.time_zone = "America/New_York"
    community.save()
    ask(community, asker, utc(2026, 7, 1, 3, 59, 59))  # 30 June 23:59:59 in New York: Q2
    ask(community, asker, utc(2026, 7, 1, 4))  # 1 July 00:00 in New York: Q3
    ask(community, asker, utc(2026, 10, 1, 3, 59, 59))  # 30 September 23:59:59: Q3
    ask(community, asker, utc(2026, 10, 1, 4))  # 1 October: Q4
    asked = funnel(community, period_of(community))[0].count
    assert (asked.value, asked.previous) == (2, 1)


# --- Value-creation stories ---------------------------------------------------------------------


def test_it_tells_only_consented_resolved_or_partly_stories_of_the_period(place):
    community, asker, _adviser = place
    shown = report(ask(community, asker, utc(2026, 7, 2)), at=Q3_START)
    partly = report(ask(community, asker, utc(2026, 7, 3)), result="partly", at=Q3_END - SECOND)
    report(ask(community, asker, utc(2026, 7, 4)), consent=False, at=utc(2026, 8, 1))  # no consent: never
    report(ask(community, asker, utc(2026, 7, 5)), result="not_resolved", at=utc(2026, 8, 1))  # not a story
    report(ask(community, asker, utc(2026, 7, 6), hidden=True), at=utc(2026, 8, 1))  # hidden request
    report(ask(community, asker, utc(2026, 7, 7)), at=Q3_END)  # reported in Q4
    report(ask(community, asker, utc(2026, 6, 1)), at=Q3_START - SECOND)  # reported in Q2
    stories = value_stories(community, period_of(community))
    assert [o.pk for o in stories.stories] == [partly.pk, shown.pk]
    assert (stories.total, stories.previous_total) == (2, 1)


def test_it_shows_the_problem_the_advice_that_helped_and_what_changed(place):
    community, asker, adviser = place
    help_request = ask(community, asker, utc(2026, 8, 1), response_after=H)
    help_request.situation = "Night shifts: the **double check** for insulin is hard."
    help_request.save()
    helped = AdviceFactory(request=help_request, author=adviser, body="Try a *buddy ward*.")
    hidden = AdviceFactory(request=help_request, author=adviser, body="Hidden advice", hidden_at=NOW)
    report(help_request, at=utc(2026, 8, 20), helpful=[helped, hidden], what_worked="Checks now take **2 minutes**.")
    group = stories_figures(community, period_of(community))
    (story,) = group.data.stories
    assert [a.pk for a in story.helped] == [helped.pk]
    assert group.figures[0].value == 1


def test_it_never_shows_a_story_without_consent_and_drops_a_withdrawn_one(place):
    """Through the services: the asker opts in on the outcome form, then withdraws."""
    community, asker, adviser = place
    at = utc(2026, 8, 3, 9)
    help_request = services.help_request_create(
        community=community, author=asker, title="Falls at night", situation="Three falls in two weeks.", now=at
    )
    advice = services.advice_create(help_request=help_request, author=adviser, body="Sensor mats.", now=at + H)
    services.advice_respond(advice=advice, author=asker, kind="try", now=at + 2 * H)
    kept_private = services.help_request_create(
        community=community, author=asker, title="Private story", situation="Not for the report.", now=at
    )
    other = services.advice_create(help_request=kept_private, author=adviser, body="Bed alarms.", now=at + H)
    services.advice_respond(advice=other, author=asker, kind="try", now=at + 2 * H)
    loops.outcome_record(help_request=kept_private, author=asker, result="resolved", now=at + 5 * 24 * H)
    outcome = loops.outcome_record(
        help_request=help_request,
        author=asker,
        result="resolved",
        what_worked="No falls since.",
        helpful_advice=[advice],
        story_consent=True,
        now=at + 5 * 24 * H,
    )
    period = period_of(community)
    assert [o.pk for o in value_stories(community, period).stories] == [outcome.pk]
    loops.outcome_story_consent_set(outcome=outcome, actor=asker, consent=False, now=at + 6 * 24 * H)
    stories = value_stories(community, period)
    assert stories.stories == [] and stories.total == 0


# --- Practice health -----------------------------------------------------------------------------


def test_it_takes_the_median_time_to_first_response_per_period(place):
    community, asker, _ = place
    ask(community, asker, Q3_START, response_after=2 * H)
    ask(community, asker, utc(2026, 8, 1), response_after=10 * H)
    ask(community, asker, Q3_END - SECOND, response_after=60 * H)  # answered after the period ends: counts
    ask(community, asker, utc(2026, 8, 2), response_after=H, hidden=True)  # hidden: left out
    ask(community, asker, Q3_START - SECOND, response_after=3 * H)  # Q2
    ask(community, asker, utc(2026, 5, 1), response_after=5 * H)  # Q2
    health = period_health(community, period_of(community))
    assert health[CURRENT].median_first_response == 10 * H  # of 2, 10, 60
    assert health[PREVIOUS].median_first_response == 4 * H  # (3 + 5) / 2
    ask(community, asker, utc(2026, 9, 1), response_after=4 * H)
    assert period_health(community, period_of(community))[CURRENT].median_first_response == 7 * H  # (4 + 10) / 2


def test_it_counts_responses_within_the_commitment_and_misses(place):
    community, asker, _ = place
    ask(community, asker, utc(2026, 8, 1), response_after=48 * H)  # exactly at the due time: within
    ask(community, asker, utc(2026, 8, 2), response_after=48 * H + SECOND)  # a second late: a miss
    ask(community, asker, utc(2026, 8, 3))  # still open past its due time: a miss
    ask(community, asker, utc(2026, 8, 4), status=S.WITHDRAWN)  # withdrawn unanswered: neither
    ask(community, asker, utc(2026, 5, 1), response_after=H)  # Q2: within
    health = period_health(community, period_of(community))
    current = health[CURRENT]
    assert (current.responded, current.within, current.missed) == (2, 1, 2)
    assert current.within_share == pytest.approx(1 / 3)
    assert health[PREVIOUS].within_share == 1.0


def test_it_counts_loops_that_lapsed_in_the_period(place):
    community, asker, _adviser = place

    def loop(lapsed_at, state=FollowUp.State.LAPSED):
        help_request = ask(community, asker, utc(2026, 5, 1), response_after=H)
        return FollowUp.objects.create(
            request=help_request, community=community, asker=asker, state=state, due_at=lapsed_at, lapsed_at=lapsed_at
        )

    loop(Q3_START)
    loop(Q3_END - SECOND)
    loop(Q3_END)  # Q4
    loop(Q3_START - SECOND)  # Q2
    loop(utc(2026, 8, 1), state=FollowUp.State.CLOSED)  # lapsed, then the outcome came: not lapsed any more
    health = period_health(community, period_of(community))
    assert (health[CURRENT].lapsed, health[PREVIOUS].lapsed) == (2, 1)


def test_it_reports_loop_closure_from_the_funnel(place):
    community, asker, adviser = place
    for day, reported in ((1, True), (2, False), (3, False), (4, True)):
        help_request = ask(community, asker, utc(2026, 8, day), response_after=H)
        take(help_request, adviser)
        if reported:
            report(help_request, consent=False)
    figures = {f.key: f for f in health_figures(community, period_of(community)).figures}
    assert figures["health.loop_closure"].value == 0.5
    assert figures["health.loop_closure"].previous is None  # nothing taken in Q2
    assert figures["health.first_response"].value == H
    assert figures["health.first_response"].better == "down"
