"""Practice health on the dashboard (docs/metrics.md), the learning agenda, and the home section."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.access import CommunityAccess
from communities.models import Community, Membership
from practice.models import HelpRequest
from practice.sections import requests as sections
from practice.selectors import requests as selectors
from tests.factories import UserFactory
from tests.practice.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
S = HelpRequest.Status


def make(community, *, ago, response_after=None, status=None, tags=(), hidden=False):
    created = NOW - ago
    hr = HelpRequestFactory(
        community=community,
        created_at=created,
        response_due_at=created + 48 * H,
        first_response_at=created + response_after if response_after is not None else None,
        status=status or (S.ANSWERED if response_after is not None else S.OPEN),
        hidden_at=NOW if hidden else None,
    )
    hr.tags.set(tags)
    return hr


@pytest.fixture
def figures(community, tags):
    med, handover, falls = tags["medication"], tags["handover"], tags["falls"]
    make(community, ago=10 * D, response_after=2 * H, tags=[med])  # within
    make(community, ago=9 * D, response_after=10 * H, tags=[med])  # within
    make(community, ago=8 * D, response_after=60 * H, tags=[handover])  # late: a miss
    make(community, ago=7 * D, tags=[falls, med])  # open past due: a miss, overdue
    make(community, ago=1 * H, tags=[falls])  # not due yet: not counted either way
    make(community, ago=200 * D, response_after=1 * H, status=S.RESOLVED, tags=[handover] * 1)  # before the period
    make(community, ago=5 * D, status=S.WITHDRAWN)  # withdrawn unanswered: not a miss
    make(community, ago=6 * D, tags=[handover], hidden=True)  # hidden: ignored
    return tags


def health(community):
    return selectors.practice_health(community=community, now=NOW)


def test_it_computes_the_median_time_to_first_response(community, figures):
    assert health(community).median_first_response == 10 * H  # of 2 h, 10 h, 60 h
    make(community, ago=3 * D, response_after=4 * H)
    assert health(community).median_first_response == 7 * H  # (4 h + 10 h) / 2


def test_it_has_no_median_without_responses(community):
    make(community, ago=D)
    result = health(community)
    assert result.median_first_response is None
    assert result.within_share is None  # nothing responded to and nothing due yet
    make(community, ago=3 * D)
    assert health(community).within_share == 0.0  # one open past its due time: a miss


def test_it_counts_open_requests_past_due_as_misses(community, figures):
    result = health(community)
    assert (result.within, result.missed, result.responded) == (2, 2, 3)
    assert result.within_share == 0.5


def test_it_counts_open_unanswered_and_overdue_requests(community, figures):
    result = health(community)
    assert (result.open, result.unanswered, result.overdue) == (5, 2, 1)


def test_it_ranks_the_learning_agenda_by_demand(community, figures):
    agenda = [(item.tag.slug, item.requests, item.unanswered) for item in health(community).agenda]
    assert agenda == [("medication-safety", 3, 1), ("falls-prevention", 2, 2), ("handover", 1, 0)]


def test_it_keeps_other_communities_out(community, figures, other_community):
    make(other_community, ago=D, response_after=100 * H)
    assert health(community).median_first_response == 10 * H


def test_it_computes_practice_health_in_four_queries(community, figures, tags, django_assert_num_queries):
    with django_assert_num_queries(4):
        health(community)
    for i in range(30):
        make(community, ago=i * H + D, response_after=(i % 5) * H, tags=list(tags.values())[: i % 3])
    with django_assert_num_queries(4):
        result = health(community)
    assert len(result.agenda) == 3


def _access(community: Community, user) -> CommunityAccess:
    return CommunityAccess(community=community, membership=Membership.objects.filter(user=user).first())


def test_it_registers_a_dashboard_section(community, facilitator, figures):
    request = RequestFactory().get("/")
    request.user = facilitator
    with time_machine.travel(NOW, tick=False):
        section = sections.dashboard_practice_health(request, _access(community, facilitator))
    assert section.template == "practice/sections/_practice_health.html"
    assert section["health"].overdue == 1


def test_it_shows_practice_health_on_the_dashboard(as_user, community, facilitator, figures):
    url = reverse("communities:dashboard", kwargs={"slug": community.slug})
    with time_machine.travel(NOW, tick=False):
        html = as_user(facilitator).get(url).content.decode()
    assert "Practice health" in html
    assert '<div class="stat">10 h</div><div class="small">median time to first response</div>' in html
    assert "50%" in html and "(2 of 4)" in html
    assert "Learning agenda" in html and "medication safety" in html


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("outsider", 404), ("sponsor", 200)])
def test_it_shows_the_dashboard_to_facilitators_and_sponsors_only(as_user, personas, community, persona, status):
    url = reverse("communities:dashboard", kwargs={"slug": community.slug})
    assert as_user(personas[persona]).get(url).status_code == status


def test_it_renders_the_dashboard_in_constant_queries_as_requests_grow(as_user, community, facilitator, tags):
    url = reverse("communities:dashboard", kwargs={"slug": community.slug})
    client = as_user(facilitator)
    for i in range(5):
        make(community, ago=i * H + D, response_after=H, tags=[tags["handover"]])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(25):
        make(community, ago=i * H + 2 * D, response_after=(i % 4) * H, tags=list(tags.values())[: 1 + i % 3])
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


# --- the home section ----------------------------------------------------------------------


def test_it_shows_recent_open_requests_on_the_home_page(as_user, community, member, post_request):
    post_request(title="Sepsis screening in the emergency department")
    resolved = post_request(title="A resolved question about handover")
    HelpRequest.objects.filter(pk=resolved.pk).update(status=S.RESOLVED)
    html = as_user(member).get(community.get_absolute_url()).content.decode()
    assert "Open requests" in html
    assert "Sepsis screening in the emergency department" in html
    assert "A resolved question about handover" not in html


def test_it_hides_the_requests_section_from_visitors_of_an_open_community(as_user, outsider):
    open_community = Community.objects.create(name="Open", slug="open-c", domain="x",
                                              visibility=Community.Visibility.OPEN)  # fmt: skip
    HelpRequestFactory(community=open_community, title="Members only question")
    html = as_user(outsider).get(open_community.get_absolute_url()).content.decode()
    assert "Members only question" not in html


def test_it_renders_the_home_section_in_one_query(community, member, django_assert_num_queries):
    for i in range(12):
        HelpRequestFactory(community=community, author=UserFactory(), title=f"Open question {i}")
    request = RequestFactory().get("/")
    request.user = member
    access = _access(community, member)
    with django_assert_num_queries(1):
        section = sections.home_open_requests(request, access)
    assert len(section["requests"]) == 5
