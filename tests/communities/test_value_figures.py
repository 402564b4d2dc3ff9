"""The value report's period and the figures ``communities`` computes: objectives, vibrancy movement,
participation — each checked against hand-computed data, at the period's boundaries and in time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from communities.models import Community, FocusDimension, Objective, User, VibrancyRound
from communities.selectors.report_figures import Figure
from communities.selectors.report_periods import CUSTOM, MONTH, QUARTER, YEAR, report_period
from communities.selectors.value import (
    CARRIED_BY_FEW_SHARE,
    objectives_progress,
    participation,
    top_count,
    vibrancy_movement,
)
from communities.services.vibrancy import tally_rebuild
from practice.models import Kudos, Outcome
from tests.communities.vibrancy_helpers import dimensions, rate
from tests.factories import (
    CommunityFactory,
    InquiryFactory,
    MembershipFactory,
    ObjectiveFactory,
    UserFactory,
    VisionDraftFactory,
    VisionStanceFactory,
)
from tests.practice.factories import AdviceFactory, AdviceResponseFactory, DiscussionCommentFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
Q3_START = datetime(2026, 7, 1, tzinfo=UTC)
Q3_END = datetime(2026, 10, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- The period --------------------------------------------------------------------------------


def test_it_defaults_to_the_last_full_quarter_and_compares_with_the_one_before():
    community = Community(time_zone="UTC")
    period = report_period(community, now=NOW)
    assert period.preset == QUARTER and period.title == "Q3 2026"
    assert (period.current.first_day, period.current.last_day) == (date(2026, 7, 1), date(2026, 9, 30))
    assert (period.start, period.end) == (Q3_START, Q3_END)
    assert (period.previous.start, period.previous.end) == (utc(2026, 4, 1), Q3_START)
    assert period.current.label == "1 Jul – 30 Sep 2026"
    assert period.is_complete


def test_it_reads_the_quarter_in_the_communitys_time_zone():
    # Auckland: NZST (+12) on 1 July, NZDT (+13) from 27 September, so the two ends differ by an hour.
    auckland = report_period(Community(time_zone="Pacific/Auckland"), now=NOW)
    assert (auckland.start, auckland.end) == (utc(2026, 6, 30, 12), utc(2026, 9, 30, 11))
    assert auckland.previous.start == utc(2026, 3, 31, 11)  # NZDT until 5 April
    new_york = report_period(Community(time_zone="America/New_York"), now=NOW)
    assert (new_york.start, new_york.end) == (utc(2026, 7, 1, 4), utc(2026, 10, 1, 4))


def test_it_takes_today_from_the_communitys_time_zone():
    # 31 December 11:30 UTC is already 1 January in Auckland: Q4 is its last full quarter, not Q3.
    moment = utc(2026, 12, 31, 11, 30)
    assert report_period(Community(time_zone="Pacific/Auckland"), now=moment).title == "Q4 2026"
    assert report_period(Community(time_zone="UTC"), now=moment).title == "Q3 2026"


def test_it_offers_the_last_full_month_and_the_last_twelve_months():
    community = Community(time_zone="UTC")
    month = report_period(community, preset=MONTH, now=utc(2027, 1, 15))
    assert (month.title, month.current.first_day, month.current.last_day) == (
        "December 2026",
        date(2026, 12, 1),
        date(2026, 12, 31),
    )
    assert (month.previous.first_day, month.previous.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    year = report_period(community, preset=YEAR, now=NOW)
    assert (year.current.first_day, year.current.last_day) == (date(2025, 11, 1), date(2026, 10, 31))
    assert (year.previous.first_day, year.previous.last_day) == (date(2024, 11, 1), date(2025, 10, 31))


def test_it_compares_chosen_dates_with_as_many_days_before():
    period = report_period(
        Community(time_zone="UTC"), preset=CUSTOM, first_day=date(2026, 3, 1), last_day=date(2026, 3, 10), now=NOW
    )
    assert (period.start, period.end) == (utc(2026, 3, 1), utc(2026, 3, 11))
    assert (period.previous.first_day, period.previous.last_day) == (date(2026, 2, 19), date(2026, 2, 28))
    assert period.query_params() == {"period": "custom", "from": "2026-03-01", "to": "2026-03-10"}
    with pytest.raises(ValueError):
        report_period(Community(), preset=CUSTOM, first_day=date(2026, 3, 2), last_day=date(2026, 3, 1))


def test_it_knows_a_period_that_still_runs():
    period = report_period(
        Community(time_zone="UTC"), preset=CUSTOM, first_day=date(2026, 11, 1), last_day=date(2026, 11, 30), now=NOW
    )
    assert not period.is_complete


def test_it_describes_changes_in_words():
    assert Figure("k", "Requests", 8, 5).change == "up 3 from 5"
    assert Figure("k", "Wait", timedelta(hours=3), timedelta(hours=5), "duration", better="down").change == (
        "down 2 h from 5 h"
    )
    assert Figure("k", "Within", 0.5, 0.62, "share").change == "down 12 points from 62%"
    assert Figure("k", "Within", 0.5, 0.62, "share").is_better is False
    assert Figure("k", "Lapsed", 1, 4, better="down").is_better is True
    assert Figure("k", "Same", 2, 2).change == "no change from 2"
    assert Figure("k", "New", 2, None).change == "no earlier figure"
    assert Figure("k", "Today", 2, compare=False).change == "today's state (not compared)"


# --- Objectives ---------------------------------------------------------------------------------


def test_it_counts_objectives_today_and_those_due_in_the_period():
    community = CommunityFactory(time_zone="Pacific/Auckland")
    status = Objective.Status
    ObjectiveFactory(community=community, due_date=date(2026, 7, 1), status=status.ACHIEVED)  # due in Q3, achieved
    ObjectiveFactory(community=community, due_date=date(2026, 9, 30), status=status.ACTIVE)  # due in Q3, overdue
    ObjectiveFactory(community=community, due_date=date(2026, 10, 1), status=status.PLANNED)  # after Q3, overdue
    ObjectiveFactory(community=community, due_date=date(2026, 6, 30), status=status.ACHIEVED)  # due in Q2
    ObjectiveFactory(community=community, due_date=date(2026, 5, 1), status=status.DROPPED)  # due in Q2
    ObjectiveFactory(community=community, due_date=date(2026, 11, 29), status=status.ACTIVE)  # due tomorrow (NZ)
    ObjectiveFactory(due_date=date(2026, 8, 1))  # another community
    # 28 Nov 12:00 UTC is 29 Nov 01:00 in Auckland: the objective due on the 29th is not overdue.
    progress = objectives_progress(community, report_period(community, now=NOW))
    assert progress.counts == {
        "planned": 1,
        "active": 2,
        "achieved": 2,
        "dropped": 1,
        "overdue": 2,
        "due": 2,
        "due_achieved": 1,
        "due_before": 2,
        "due_before_achieved": 1,
    }
    assert [o.overdue for o in progress.objectives] == [False, True, True, False, False, False]
    assert [o.due_in_period for o in progress.objectives] == [True, True, False, False, False, False]
    figures = {f.key: f for f in progress.figures}
    assert (figures["objectives.due_achieved"].value, figures["objectives.due_achieved"].previous) == (1, 1)


# --- Vibrancy movement ------------------------------------------------------------------------


def _closed_round(community, opened: datetime, closed: datetime | None, raters, scores) -> VibrancyRound:
    round_ = VibrancyRound.objects.create(community=community, opened_at=opened, closed_at=closed)
    for user in raters:
        rate(round_, user, scores)
    tally_rebuild(round_=round_)
    return round_


def test_it_moves_the_dimensions_between_the_last_two_closed_rounds_of_the_period():
    community = CommunityFactory(time_zone="UTC")
    by_slug = dimensions()
    raters = [UserFactory(verified=False) for _ in range(3)]
    for user in raters:
        MembershipFactory(community=community, user=user, joined_at=utc(2026, 1, 1))
    _closed_round(community, utc(2026, 1, 5), utc(2026, 1, 20), raters, {"voice": (1, 9)})  # older: not shown
    _closed_round(community, utc(2026, 4, 5), utc(2026, 4, 20), raters, {"voice": (2, 8), "practice": (6, 9)})
    # Opened in the period, closed after it: it describes the period.
    _closed_round(community, utc(2026, 9, 30, 23, 59, 59), utc(2026, 10, 20), raters, {"voice": (5, 8)})
    _closed_round(community, Q3_END, utc(2026, 10, 25), raters, {"voice": (9, 9)})  # opened after the period
    FocusDimension.objects.create(
        community=community, dimension=by_slug["voice"], started_at=utc(2026, 5, 1), ended_at=utc(2026, 7, 2)
    )
    FocusDimension.objects.create(community=community, dimension=by_slug["domain"], started_at=Q3_END)  # later
    movement = vibrancy_movement(community, report_period(community, now=NOW))
    assert (movement.latest.opened_at, movement.earlier.opened_at) == (utc(2026, 9, 30, 23, 59, 59), utc(2026, 4, 5))
    by_dimension = {m.dimension.slug: m for m in movement.dimensions}
    voice = by_dimension["voice"]
    assert (voice.latest.now.mean, voice.earlier.now.mean, voice.now_change) == (5.0, 2.0, 3.0)
    assert voice.latest.gap == 3.0 and voice.earlier.gap == 6.0
    assert voice.gap_figure.change == "down 3.0 from 6.0" and voice.gap_figure.is_better
    assert voice.is_focus and [m.dimension.slug for m in movement.focus] == ["voice"]
    assert by_dimension["practice"].latest.hidden  # nobody rated it in the latest round
    assert by_dimension["practice"].now_change is None
    assert len(movement.figures) == 14


def test_it_leaves_out_open_rounds_and_withholds_figures_below_three_raters():
    community = CommunityFactory(time_zone="UTC")
    dimensions()
    two = [UserFactory(verified=False) for _ in range(2)]
    _closed_round(community, utc(2026, 8, 1), utc(2026, 8, 20), two, {"voice": (4, 8)})
    _closed_round(community, utc(2026, 9, 1), None, two * 1, {"voice": (6, 8)})  # still open
    movement = vibrancy_movement(community, report_period(community, now=NOW))
    assert movement.latest.opened_at == utc(2026, 8, 1) and movement.earlier is None
    voice = next(m for m in movement.dimensions if m.dimension.slug == "voice")
    assert voice.latest.hidden and voice.latest.now.mean is None


def test_it_has_no_movement_without_a_closed_round():
    community = CommunityFactory(time_zone="UTC")
    dimensions()
    movement = vibrancy_movement(community, report_period(community, now=NOW))
    assert movement.latest is None and movement.figures == []


# --- Participation ---------------------------------------------------------------------------------


def _person(community, joined: datetime) -> User:
    user = UserFactory(verified=False)
    MembershipFactory(community=community, user=user, joined_at=joined)
    return user


def test_it_counts_active_members_newcomers_and_concentration():
    community = CommunityFactory(time_zone="UTC")
    old = utc(2026, 1, 1)
    busy = _person(community, old)
    others = [_person(community, old) for _ in range(9)]
    newcomer = _person(community, utc(2026, 8, 1))  # joined in Q3 and contributes
    _person(community, utc(2026, 8, 2))  # joined in Q3, silent
    at = utc(2026, 8, 15)
    # The busy member: 3 requests, 3 pieces of advice, 2 discussion messages, 1 response, 1 outcome = 10.
    requests = [HelpRequestFactory(community=community, author=busy, created_at=at) for _ in range(3)]
    advice = [AdviceFactory(request=requests[0], author=busy, created_at=at) for _ in range(3)]
    DiscussionCommentFactory(advice=advice[0], author=busy, created_at=at)
    DiscussionCommentFactory(advice=advice[1], author=busy, created_at=Q3_START)  # the first instant counts
    AdviceResponseFactory(advice=advice[2], author=busy, created_at=at)
    Outcome.objects.create(request=requests[1], community=community, author=busy, result="resolved", recorded_at=at)
    # Ten people with one contribution each, of seven kinds.
    draft = VisionDraftFactory(community=community, author=others[0], created_at=at)
    VisionStanceFactory(draft=draft, user=others[1], created_at=at)
    draft.comments.create(author=others[2], text="Yes, and the night shifts too.", created_at=at)
    InquiryFactory(community=community).contributions.create(
        author=others[3], phase="discover", text="A story", created_at=at
    )
    round_ = VibrancyRound.objects.create(community=community, opened_at=at, closed_at=at + timedelta(days=5))
    rate(round_, others[4], {"voice": (3, 7), "practice": (5, 8)})  # two sliders, one contribution
    round_.scores.update(created_at=at)
    AdviceFactory(request=requests[2], author=others[5], created_at=at)
    HelpRequestFactory(community=community, author=others[6], created_at=Q3_END - SECOND)  # the last second counts
    AdviceFactory(request=requests[2], author=others[7], created_at=at)
    Kudos.objects.create(user=others[8], advice=advice[0], created_at=at)
    HelpRequestFactory(community=community, author=newcomer, created_at=at)
    # Outside the period or the community: not counted now.
    HelpRequestFactory(community=community, author=others[0], created_at=Q3_END)  # next period
    HelpRequestFactory(community=community, author=others[0], created_at=Q3_START - SECOND)  # the period before
    HelpRequestFactory(author=busy, created_at=at)  # another community

    report = participation(community, report_period(community, now=NOW))
    current = report.current
    assert current.contributors == 11
    assert current.contributions == 20
    assert current.top_contributors == 2 == top_count(11)  # 10% of 11, rounded up
    assert current.top_contributions == 11  # the busy member's 10 and one more
    assert current.top_share == pytest.approx(0.55)
    assert current.carried_by_few and CARRIED_BY_FEW_SHARE == 0.5
    assert (current.joined, current.newcomers_contributing) == (2, 1)
    assert (current.members, current.members_active) == (12, 11)
    assert current.active_share == pytest.approx(11 / 12)
    previous = report.previous
    assert (previous.contributors, previous.contributions, previous.top_contributors) == (1, 1, 1)
    assert previous.top_share == 1.0 and previous.members == 10 and previous.joined == 0


def test_it_does_not_warn_when_contributions_are_spread():
    community = CommunityFactory(time_zone="UTC")
    people = [_person(community, utc(2026, 1, 1)) for _ in range(4)]
    for user in people:
        HelpRequestFactory.create_batch(2, community=community, author=user, created_at=utc(2026, 8, 1))
    current = participation(community, report_period(community, now=NOW)).current
    assert (current.contributors, current.top_contributors, current.top_share) == (4, 1, 0.25)
    assert not current.carried_by_few


def test_it_reads_the_period_in_the_communitys_time_zone():
    community = CommunityFactory(time_zone="America/New_York")
    user = _person(community, utc(2026, 1, 1))
    HelpRequestFactory(community=community, author=user, created_at=utc(2026, 7, 1, 3, 59, 59))  # 30 June, 23:59:59
    HelpRequestFactory(community=community, author=user, created_at=utc(2026, 7, 1, 4))  # 1 July, midnight
    HelpRequestFactory(community=community, author=user, created_at=utc(2026, 10, 1, 3, 59, 59))  # 30 Sep, 23:59:59
    report = participation(community, report_period(community, now=NOW))
    assert (report.current.contributions, report.previous.contributions) == (2, 1)


def test_it_counts_people_who_have_no_role_any_more():
    community = CommunityFactory(time_zone="UTC")
    gone = UserFactory(verified=False)  # contributed, then left: still an active member of the period
    HelpRequestFactory(community=community, author=gone, created_at=utc(2026, 8, 1))
    current = participation(community, report_period(community, now=NOW)).current
    assert (current.contributors, current.newcomers_contributing, current.members) == (1, 0, 0)
    assert current.members_active == 0 and current.active_share is None  # a share of members, never above 100%
