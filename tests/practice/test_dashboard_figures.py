"""The dashboard's practice figures in the shared cache (communities/figures.py): hits, and what makes them stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.access import CommunityAccess
from communities.models import Membership
from practice.models import AdviceResponse, FollowUp
from practice.sections import learning as sections_learning
from practice.sections import loops as sections_loops
from practice.sections import requests as sections
from practice.sections import sessions as sections_sessions
from practice.services import learning as learning_services
from practice.services import loops as loop_services
from practice.services import requests as services
from tests.practice.factories_learning import ArtefactFactory

pytestmark = pytest.mark.django_db

SECTION_QUERIES = {"practice-health": 4, "learning-loops": 3, "captured-learning": 5, "practice-sessions": 2}


@pytest.fixture(autouse=True)
def _figures_cached(settings):
    settings.DASHBOARD_FIGURES_SECONDS = 60


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the block's on-commit callbacks, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


SECTIONS = {
    "practice-health": (sections.dashboard_practice_health, "health"),
    "learning-loops": (sections_loops.dashboard_learning_loops, "loops"),
    "captured-learning": (sections_learning.dashboard_learning, "health"),
    "practice-sessions": (sections_sessions.dashboard_sessions, "f"),
}


@pytest.fixture
def read(community, facilitator):
    """``read(name)``: a dashboard section's figures, as the facilitator's dashboard reads them."""
    request = RequestFactory().get("/")
    request.user = facilitator
    access = CommunityAccess(community=community, membership=Membership.objects.get(user=facilitator))

    def figures(name: str):
        fn, key = SECTIONS[name]
        return fn(request, access)[key]

    return figures


def test_a_second_dashboard_load_reads_the_practice_figures_from_the_cache(settings, as_user, community, facilitator):
    url = reverse("communities:dashboard", kwargs={"slug": community.slug})
    client = as_user(facilitator)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        second = client.get(url)
    settings.DASHBOARD_FIGURES_SECONDS = 0
    with CaptureQueriesContext(connection) as uncached:
        client.get(url)
    assert len(uncached.captured_queries) - len(warm.captured_queries) == sum(SECTION_QUERIES.values())
    assert not any("practice_" in q["sql"] for q in warm.captured_queries)
    html = second.content.decode()
    assert html.count("Figures as of ") == 4
    assert f"Figures as of {timezone.localtime().strftime('%H:')}" in html


def test_the_cache_off_computes_the_figures_on_every_load(settings, read, django_assert_num_queries):
    settings.DASHBOARD_FIGURES_SECONDS = 0
    for _ in range(2):
        with django_assert_num_queries(SECTION_QUERIES["practice-health"]):
            read("practice-health")


def test_a_new_request_is_counted_once_its_transaction_commits(
    read, post_request, django_capture_on_commit_callbacks, django_assert_num_queries
):
    assert read("practice-health").open == 0
    with django_assert_num_queries(0):
        assert read("practice-health").open == 0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_request()
    # Not committed yet: a dashboard loading meanwhile keeps the figures it has.
    assert read("practice-health").open == 0
    for callback in callbacks:
        callback()
    assert read("practice-health").open == 1


def test_the_first_response_is_counted_at_once(read, core, post_request, committed):
    with committed():
        help_request = post_request()
    assert read("practice-health").unanswered == 1
    with committed():
        services.advice_create(help_request=help_request, author=core, body="Use a second-checker from the next ward.")
    figures = read("practice-health")
    assert (figures.unanswered, figures.responded) == (0, 1)


def test_advice_taken_and_a_stopped_loop_move_the_loop_figures(read, member, core, post_request, committed):
    with committed():
        help_request = post_request()
        advice = services.advice_create(help_request=help_request, author=core, body="Ask pharmacy at 22:00.")
    assert read("learning-loops").funnel["advice_taken"] == 0
    with committed():
        services.advice_respond(advice=advice, author=member, kind=AdviceResponse.Kind.TRY)
    figures = read("learning-loops")
    assert figures.funnel["advice_taken"] == 1
    assert figures.open == 1

    with committed():
        loop_services.follow_up_stop(follow_up=FollowUp.objects.get(request=help_request), actor=member)
    figures = read("learning-loops")
    assert figures.open == 0
    assert figures.states[FollowUp.State.STOPPED] == 1


def test_publishing_and_unpublishing_move_the_learning_figures(read, community, facilitator, committed):
    draft = ArtefactFactory(community=community)
    assert read("captured-learning").total_published == 0
    with committed():
        learning_services.artefact_publish(artefact=draft, actor=facilitator)
    assert read("captured-learning").total_published == 1
    with committed():
        learning_services.artefact_unpublish(artefact=draft, actor=facilitator, reason="It names a patient.")
    assert read("captured-learning").total_published == 0


def test_a_change_in_another_community_leaves_these_figures_cached(
    read, other_community, stranger, committed, django_assert_num_queries
):
    read("practice-health")
    with committed():
        services.help_request_create(
            community=other_community, author=stranger, title="Falls at night", situation="Most falls are after 1 a.m."
        )
    with django_assert_num_queries(0):
        read("practice-health")


def test_cached_figures_expire(settings, read, post_request, django_assert_num_queries):
    # Writes that bypass the services (a bulk update, the clock making a request overdue) show after the expiry.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        read("practice-health")
        post_request()  # its commit never comes inside the test: only the expiry can show it
    with time_machine.travel(start + timedelta(seconds=59), tick=False), django_assert_num_queries(0):
        assert read("practice-health").open == 0
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert read("practice-health").open == 1


def test_a_lost_version_never_brings_older_figures_back(community, read, post_request):
    from django.core.cache import cache

    read("practice-health")  # cached under the first version
    post_request()  # no commit inside the test: the version stays
    cache.delete(f"figures:{community.pk}:version")  # evicted from the cache
    assert read("practice-health").open == 1


def test_a_lapsed_loop_leaves_the_waiting_loops_at_once(read, member, core, post_request, committed, community):
    with committed():
        help_request = post_request()
        advice = services.advice_create(help_request=help_request, author=core, body="Ask pharmacy at 22:00.")
        services.advice_respond(advice=advice, author=member, kind=AdviceResponse.Kind.TRY)
    assert read("learning-loops").open == 1
    # The asker never answers the reminders: the sweep lapses the loop after the last one.
    reminders = community.follow_up_max_reminders
    FollowUp.objects.filter(request=help_request).update(
        state=FollowUp.State.REMINDED,
        reminders_sent=reminders,
        cycle_reminders=reminders,
        due_at=timezone.now() - timedelta(minutes=1),
    )
    with committed():
        assert loop_services.follow_ups_send_due() >= 1
    figures = read("learning-loops")
    assert (figures.open, figures.lapsed) == (0, 1)
