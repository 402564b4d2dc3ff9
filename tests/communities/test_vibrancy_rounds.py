"""Vibrancy rounds: opening (members told), closing by hand or by date (idempotent), focus, the tally."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from communities import tasks
from communities.models import (
    ActivityLog,
    Category,
    EmailMode,
    FocusDimension,
    Notification,
    NotificationPreference,
    OutboundEmail,
    VibrancyRound,
    VibrancyTally,
)
from communities.selectors import vibrancy as selectors
from communities.services import vibrancy as services
from tests.communities.vibrancy_helpers import add_members, dimensions, make_round, rate
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db

OPEN_EXPECTED = {
    "anonymous": 302,
    "outsider": 404,
    "stranger": 404,
    "site_admin": 404,
    "newcomer": 403,
    "member": 403,
    "core": 403,
    "facilitator": 302,
    "sponsor": 302,
}


@pytest.mark.parametrize("persona", list(OPEN_EXPECTED))
def test_it_lets_only_facilitators_and_sponsors_open_a_round(as_user, personas, community, persona):
    response = as_user(personas[persona]).post(reverse("communities:vibrancy-round-open", args=[community.slug]), {})
    assert response.status_code == OPEN_EXPECTED[persona]
    opened = VibrancyRound.objects.filter(community=community).exists()
    assert opened is (OPEN_EXPECTED[persona] == 302 and persona != "anonymous")
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]


def test_it_opens_a_round_and_tells_every_member_per_their_preferences(
    as_user, community, sponsor, facilitator, member, newcomer, core
):
    NotificationPreference.objects.create(user=member, category=Category.VIBRANCY, email=EmailMode.OFF)
    NotificationPreference.objects.create(user=core, category=Category.VIBRANCY, email=EmailMode.DAILY)
    community.time_zone = "Europe/Amsterdam"
    community.save()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        response = as_user(facilitator).post(
            reverse("communities:vibrancy-round-open", args=[community.slug]),
            {"closes_on": "2026-03-13", "note": "Before the **spring** planning day."},
        )
    assert response.status_code == 302
    round_ = VibrancyRound.objects.get(community=community)
    assert round_.opened_by == facilitator and round_.closed_at is None
    # Open through 13 March in Amsterdam: closes at local midnight (23:00 UTC).
    assert round_.closes_at == datetime(2026, 3, 13, 23, 0, tzinfo=UTC)
    told = set(Notification.objects.filter(category=Category.VIBRANCY).values_list("user__email", flat=True))
    assert told == {sponsor.email, member.email, newcomer.email, core.email}  # not the facilitator who opened it
    emailed = set(OutboundEmail.objects.filter(category=Category.VIBRANCY).values_list("to", flat=True))
    assert emailed == {sponsor.email, newcomer.email}  # member: off; core: daily digest
    assert Notification.objects.get(user=core).in_daily_digest
    email = OutboundEmail.objects.get(to=sponsor.email)
    assert "vibrancy" in email.subject.lower() or "slider" in email.subject.lower()
    assert "Before the spring planning day." in email.body_text  # Markdown as plain text
    assert "Before the <strong>spring</strong> planning day." in email.body_html
    assert "Friday 13 March 2026" in email.body_text
    assert f"/c/{community.slug}/vibrancy/" in email.body_text
    assert ActivityLog.objects.filter(community=community, action="vibrancy.open").count() == 1


def test_it_refuses_a_second_open_round(as_user, community, facilitator):
    make_round(community)
    response = as_user(facilitator).post(reverse("communities:vibrancy-round-open", args=[community.slug]), {})
    assert response.status_code == 200
    assert "already open" in response.content.decode()
    assert VibrancyRound.objects.filter(community=community).count() == 1


def test_it_refuses_a_closing_date_in_the_past_and_keeps_the_note(as_user, community, facilitator):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        response = as_user(facilitator).post(
            reverse("communities:vibrancy-round-open", args=[community.slug]),
            {"closes_on": "2026-03-01", "note": "Please rate before the away day"},
        )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose today or a later day." in body
    assert "Please rate before the away day" in body
    assert not VibrancyRound.objects.exists()


CLOSE_EXPECTED = {
    "anonymous": 302,
    "outsider": 404,
    "stranger": 404,
    "newcomer": 403,
    "member": 403,
    "core": 403,
    "facilitator": 302,
    "sponsor": 302,
}


@pytest.mark.parametrize("persona", list(CLOSE_EXPECTED))
def test_it_lets_only_facilitators_and_sponsors_close_a_round(as_user, personas, community, persona):
    round_ = make_round(community)
    response = as_user(personas[persona]).post(
        reverse("communities:vibrancy-round-close", args=[community.slug, round_.pk])
    )
    assert response.status_code == CLOSE_EXPECTED[persona]
    round_.refresh_from_db()
    assert round_.is_closed is (persona in {"facilitator", "sponsor"})


def test_it_closes_a_round_by_hand_and_freezes_its_figures(as_user, community, facilitator, sponsor, member):
    round_ = make_round(community)
    others = add_members(community, 3)
    for user, now in zip([member, *others], [2, 4, 6, 8], strict=True):
        rate(round_, user, {"voice": (now, 9)})
    response = as_user(facilitator).post(reverse("communities:vibrancy-round-close", args=[community.slug, round_.pk]))
    assert response.status_code == 302 and response["Location"].endswith("/dashboard/")
    round_.refresh_from_db()
    assert round_.closed_at is not None and round_.closed_by == facilitator
    assert round_.raters_count == 4
    assert round_.members_count == 6  # sponsor, facilitator, member and three others
    frozen = sorted(
        VibrancyTally.objects.filter(round=round_).values_list("dimension_id", "measure", "group", "value", "raters")
    )
    assert frozen == sorted(selectors.live_histogram(round_))
    told = Notification.objects.filter(community=community, title__startswith="Vibrancy round closed")
    assert set(told.values_list("user", flat=True)) == {sponsor.pk}  # the facilitator closed it


def test_it_answers_404_for_a_round_of_another_community(as_user, community, facilitator):
    elsewhere = make_round(CommunityFactory())
    response = as_user(facilitator).post(
        reverse("communities:vibrancy-round-close", args=[community.slug, elsewhere.pk])
    )
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.closed_at is None


def test_it_closes_due_rounds_once_however_often_the_task_runs(community, facilitator, member):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        round_ = services.round_open(community=community, actor=facilitator, closes_at=start + timedelta(days=7))
        services.scores_save(round_=round_, user=member, entries={dimensions()["voice"].pk: services.ScoreEntry(3, 8)})
    undated = VibrancyRound.objects.create(community=CommunityFactory(), opened_at=start)
    with time_machine.travel(start + timedelta(days=6), tick=False):
        assert tasks.close_due_vibrancy_rounds() == 0  # not due yet
    round_.refresh_from_db()
    assert round_.closed_at is None
    with time_machine.travel(start + timedelta(days=7, minutes=3), tick=False):
        assert tasks.close_due_vibrancy_rounds() == 1
        assert tasks.close_due_vibrancy_rounds() == 0
    round_.refresh_from_db()
    undated.refresh_from_db()
    assert round_.closed_at == start + timedelta(days=7, minutes=3) and round_.closed_by is None
    assert round_.raters_count == 1
    assert undated.closed_at is None  # no closing date: only closed by hand
    assert ActivityLog.objects.filter(community=community, action="vibrancy.close").count() == 1
    assert services.round_close(round_=round_) is False


def test_it_refuses_scores_after_the_closing_date_even_before_the_task_runs(community, facilitator, member):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        round_ = services.round_open(community=community, actor=facilitator, closes_at=start + timedelta(days=1))
    with (
        time_machine.travel(start + timedelta(days=1, seconds=1), tick=False),
        pytest.raises(services.RoundClosedError),
    ):
        services.scores_save(round_=round_, user=member, entries={dimensions()["voice"].pk: services.ScoreEntry(3, 8)})


def test_it_keeps_the_tally_equal_to_a_recount_through_saves_revisions_and_clears(community, facilitator):
    """The histogram is maintained by each save; it must always equal a GROUP BY over the scores."""
    round_ = services.round_open(community=community, actor=facilitator)
    users = add_members(community, 4) + add_members(community, 3, joined=round_.opened_at - timedelta(days=3))
    dims = list(dimensions().values())
    rng = random.Random(7)
    for _ in range(60):
        user = rng.choice(users)
        entries = {}
        for d in rng.sample(dims, rng.randint(1, len(dims))):
            pick = rng.random()
            if pick < 0.2:
                entries[d.pk] = services.ScoreEntry()  # clear
            else:
                entries[d.pk] = services.ScoreEntry(
                    now=None if pick < 0.3 else rng.randint(0, 10),
                    should_be=None if 0.3 <= pick < 0.4 else rng.randint(0, 10),
                    comment="why" if pick > 0.9 else "",
                )
        services.scores_save(round_=round_, user=user, entries=entries)
    kept = sorted(
        VibrancyTally.objects.filter(round=round_, raters__gt=0).values_list(
            "dimension_id", "measure", "group", "value", "raters"
        )
    )
    assert kept == sorted(selectors.live_histogram(round_))
    round_.refresh_from_db()
    recount = selectors.live_participation(round_)
    assert (round_.raters_count, round_.newcomer_raters_count) == (recount["raters"], recount["newcomer_raters"])


def test_it_refuses_opening_with_a_past_closing_time(community, facilitator):
    with pytest.raises(ValidationError):
        services.round_open(community=community, actor=facilitator, closes_at=datetime(2020, 1, 1, tzinfo=UTC))


FOCUS_EXPECTED = {"anonymous": 302, "outsider": 404, "member": 403, "core": 403, "facilitator": 302, "sponsor": 302}


@pytest.mark.parametrize("persona", list(FOCUS_EXPECTED))
def test_it_lets_facilitators_set_the_focus_dimensions(as_user, personas, community, persona):
    dims = dimensions()
    response = as_user(personas[persona]).post(
        reverse("communities:vibrancy-focus", args=[community.slug]), {"dimensions": [dims["voice"].pk]}
    )
    assert response.status_code == FOCUS_EXPECTED[persona]
    current = set(
        FocusDimension.objects.filter(community=community, ended_at__isnull=True).values_list(
            "dimension__slug", flat=True
        )
    )
    assert current == ({"voice"} if persona in {"facilitator", "sponsor"} else set())


def test_it_ends_the_focus_on_dimensions_no_longer_chosen(as_user, community, facilitator, member):
    dims = dimensions()
    client = as_user(facilitator)
    url = reverse("communities:vibrancy-focus", args=[community.slug])
    client.post(url, {"dimensions": [dims["voice"].pk, dims["community"].pk]})
    client.post(url, {"dimensions": [dims["community"].pk, dims["practice"].pk]})
    rows = FocusDimension.objects.filter(community=community)
    assert set(rows.filter(ended_at__isnull=True).values_list("dimension__slug", flat=True)) == {
        "community",
        "practice",
    }
    assert rows.get(dimension__slug="voice").ended_at is not None
    assert ActivityLog.objects.filter(community=community, action="vibrancy.focus").count() == 2
    make_round(community)
    page = as_user(member).get(reverse("communities:vibrancy", args=[community.slug])).content.decode()
    assert "This period we are turning up:" in page and "Practice, Community" in page
