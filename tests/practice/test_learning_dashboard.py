"""The dashboard's captured learning: artefacts per month, share of closed loops captured, two warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from practice.models import Outcome
from practice.selectors import learning as selectors
from practice.services import learning
from tests.factories import TagFactory
from tests.practice.factories import HelpRequestFactory
from tests.practice.factories_learning import ArtefactFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def _outcome(community, *, days_ago: float = 1) -> Outcome:
    hr = HelpRequestFactory(community=community, created_at=NOW - timedelta(days=days_ago + 5))
    return Outcome.objects.create(
        request=hr, community=community, author=hr.author, result="resolved", recorded_at=NOW - timedelta(days=days_ago)
    )


def test_it_counts_artefacts_published_per_month(community):
    for day in (1, 2, 40, 100):
        ArtefactFactory(community=community, published=True, created_at=NOW - timedelta(days=day))
    ArtefactFactory(community=community, created_at=NOW - timedelta(days=3))  # a draft: not counted
    months = selectors.artefacts_per_month(community=community, now=NOW)
    assert [(m.strftime("%Y-%m"), n) for m, n in months] == [
        ("2025-01", 0), ("2025-02", 0), ("2025-03", 1), ("2025-04", 0), ("2025-05", 1), ("2025-06", 2),
    ]  # fmt: skip


def test_it_counts_closed_loops_captured_by_a_published_artefact(community, facilitator):
    by_outcome, by_thread, draft_only, uncaptured = (_outcome(community) for _ in range(4))
    old = _outcome(community, days_ago=200)
    learning.artefact_publish(
        artefact=learning.artefact_draft_from_outcome(outcome=by_outcome, author=facilitator), actor=facilitator
    )
    summary = ArtefactFactory(community=community, published=True)
    summary.source_requests.add(by_thread.request)
    learning.artefact_draft_from_outcome(outcome=draft_only, author=facilitator)  # never published
    figures = selectors.captured_learning(community=community)
    assert (figures.closed_loops, figures.captured) == (5, 2)
    assert figures.share == pytest.approx(0.4)
    recent = selectors.captured_learning(community=community, since=NOW - timedelta(days=30), until=NOW)
    assert (recent.closed_loops, recent.captured) == (4, 2)
    assert uncaptured and old  # the two that count against the share
    assert selectors.captured_learning(community=community, since=NOW).share is None


def test_it_warns_when_learning_is_mostly_reactive(community):
    for _ in range(selectors.REACTIVE_MIN_REQUESTS):
        HelpRequestFactory(community=community, created_at=NOW - timedelta(days=10))
    health = selectors.learning_health(community=community, now=NOW)
    assert health.window_requests == selectors.REACTIVE_MIN_REQUESTS
    assert health.mostly_reactive
    ArtefactFactory(community=community, published=True, created_at=NOW - timedelta(days=5))
    assert not selectors.learning_health(community=community, now=NOW).mostly_reactive  # 1 per 10 requests


def test_it_does_not_call_a_quiet_community_reactive(community):
    for _ in range(selectors.REACTIVE_MIN_REQUESTS - 1):
        HelpRequestFactory(community=community, created_at=NOW - timedelta(days=10))
    assert not selectors.learning_health(community=community, now=NOW).mostly_reactive


def test_it_warns_when_a_few_tags_dominate(community):
    a, b, c, d = (TagFactory(community=community) for _ in range(4))
    for tags in ([a], [a], [a, b], [b], [c]):
        ArtefactFactory(community=community, published=True, tags=tags)
    health = selectors.learning_health(community=community, now=NOW)
    assert health.tag_uses == 6
    assert health.top_share == pytest.approx(5 / 6)
    assert health.too_narrow
    for tags in ([c], [d], [d]):
        ArtefactFactory(community=community, published=True, tags=tags)
    health = selectors.learning_health(community=community, now=NOW)
    assert health.top_share == pytest.approx(5 / 9)  # a: 3, b: 2 of 9
    assert not health.too_narrow


def test_it_shows_the_section_and_its_warnings_on_the_dashboard(as_user, facilitator, community):
    for _ in range(12):
        HelpRequestFactory(community=community, created_at=NOW - timedelta(days=3))
    tag = TagFactory(community=community, name="insulin")
    for _ in range(6):
        ArtefactFactory(community=community, published=True, tags=[tag], created_at=NOW - timedelta(days=200))
    with time_machine.travel(NOW, tick=False):
        html = (
            as_user(facilitator).get(reverse("communities:dashboard", kwargs={"slug": community.slug})).content.decode()
        )
    assert "Captured learning" in html
    assert "Mostly reactive." in html
    assert "Too narrow." in html
    assert "Jun 2025" in html


def test_it_computes_the_dashboard_figures_in_five_queries(community, django_assert_num_queries):
    for _ in range(3):
        _outcome(community)
        ArtefactFactory(community=community, published=True, tags=[TagFactory(community=community)])
    with django_assert_num_queries(5):
        selectors.learning_health(community=community, now=NOW)


def test_it_fills_the_captured_step_of_the_value_funnel(community, facilitator):
    from practice.selectors.requests import value_funnel

    by_outcome, by_thread, draft_only, uncaptured = (_outcome(community) for _ in range(4))
    learning.artefact_publish(
        artefact=learning.artefact_draft_from_outcome(outcome=by_outcome, author=facilitator), actor=facilitator
    )
    summary = ArtefactFactory(community=community, published=True)
    summary.source_requests.add(by_thread.request)
    learning.artefact_draft_from_outcome(outcome=draft_only, author=facilitator)
    # A thread summarised without a closed loop is learning, but not a captured loop.
    no_loop = HelpRequestFactory(community=community, created_at=NOW - timedelta(days=3))
    ArtefactFactory(community=community, published=True).source_requests.add(no_loop)
    funnel = value_funnel(community)
    assert (funnel["asked"], funnel["outcome_reported"], funnel["captured"]) == (5, 4, 2)
    assert uncaptured
    assert value_funnel(community, since=NOW)["captured"] == 0
