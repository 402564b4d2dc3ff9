"""The request list: filters, tags, pagination, order of recent activity, and constant query counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.models import HelpRequest
from practice.services import requests as services
from tests.factories import UserFactory
from tests.practice.factories import (
    AdviceFactory,
    AdviceResponseFactory,
    DiscussionCommentFactory,
    HelpRequestFactory,
    KudosFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def list_url(community, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("practice:request-list", kwargs={"slug": community.slug}) + (f"?{query}" if query else "")


def titles(response) -> list[str]:
    return [hr.title for hr in response.context["page"].object_list]


@pytest.fixture
def board(community, member, core, newcomer, facilitator, tags):
    """One request in each state, created a day apart (oldest first)."""
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        overdue = services.help_request_create(
            community=community,
            author=newcomer,
            title="Overdue falls at night",
            situation="Bed alarms.",
            tags=[tags["falls"]],
        )
    with time_machine.travel(NOW - timedelta(days=9), tick=False):
        answered = services.help_request_create(
            community=community,
            author=member,
            title="Answered handover question",
            situation="SBAR?",
            tags=[tags["handover"]],
        )
        services.advice_create(help_request=answered, author=core, body="Use SBAR.")
    with time_machine.travel(NOW - timedelta(days=8), tick=False):
        trying = services.help_request_create(
            community=community,
            author=newcomer,
            title="Trying insulin advice",
            situation="Checks.",
            tags=[tags["medication"]],
        )
        advice = services.advice_create(help_request=trying, author=core, body="Pharmacy.")
        services.advice_respond(advice=advice, author=newcomer, kind="try")
    with time_machine.travel(NOW - timedelta(days=7), tick=False):
        resolved = services.help_request_create(
            community=community,
            author=member,
            title="Resolved sepsis screening",
            situation="qSOFA.",
        )
        services.help_request_resolve(help_request=resolved, actor=member)
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        fresh = services.help_request_create(
            community=community,
            author=core,
            title="Fresh open question",
            situation="Just posted.",
        )
    with time_machine.travel(NOW - timedelta(days=6), tick=False):
        hidden = services.help_request_create(
            community=community,
            author=newcomer,
            title="Hidden request with a patient name",
            situation="…",
        )
        services.content_hide(obj=hidden, actor=facilitator, reason="Identifies a patient")
    return {
        "overdue": overdue, "answered": answered, "trying": trying,
        "resolved": resolved, "fresh": fresh, "hidden": hidden,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("filter_name", "expected"),
    [
        ("all", ["Fresh open question", "Resolved sepsis screening", "Trying insulin advice",
                 "Answered handover question", "Overdue falls at night"]),
        ("open", ["Fresh open question", "Trying insulin advice", "Answered handover question",
                  "Overdue falls at night"]),
        ("unanswered", ["Fresh open question", "Overdue falls at night"]),
        ("overdue", ["Overdue falls at night"]),
        ("follow-up", ["Trying insulin advice"]),
        ("closed", ["Resolved sepsis screening"]),
        ("mine", ["Resolved sepsis screening", "Answered handover question"]),
        ("nonsense", ["Fresh open question", "Resolved sepsis screening", "Trying insulin advice",
                      "Answered handover question", "Overdue falls at night"]),
    ],
)  # fmt: skip
def test_it_filters_requests(as_user, member, community, board, filter_name, expected):
    with time_machine.travel(NOW, tick=False):
        response = as_user(member).get(list_url(community, filter=filter_name))
    assert response.status_code == 200
    assert titles(response) == expected


def test_it_filters_by_tag_and_combines_with_a_filter(as_user, member, community, board):
    response = as_user(member).get(list_url(community, tag="handover"))
    assert titles(response) == ["Answered handover question"]
    with time_machine.travel(NOW, tick=False):
        response = as_user(member).get(list_url(community, tag="falls-prevention", filter="overdue"))
    assert titles(response) == ["Overdue falls at night"]
    response = as_user(member).get(list_url(community, tag="falls-prevention", filter="closed"))
    assert titles(response) == []


def test_it_sorts_by_recent_activity(as_user, member, community, board, core):
    with time_machine.travel(NOW, tick=False):
        services.advice_create(help_request=board["overdue"], author=core, body="Low beds.")
    response = as_user(member).get(list_url(community))
    assert titles(response)[:2] == ["Overdue falls at night", "Fresh open question"]


def test_it_shows_hidden_requests_to_facilitators_only(as_user, member, facilitator, community, board):
    assert "Hidden request with a patient name" not in as_user(member).get(list_url(community)).content.decode()
    html = as_user(facilitator).get(list_url(community)).content.decode()
    assert "Hidden request with a patient name" in html


def test_it_paginates_and_keeps_the_filters_in_the_links(as_user, member, community):
    for i in range(45):
        HelpRequestFactory(community=community, author=member, title=f"Request {i:02d}",
                           created_at=NOW - timedelta(hours=i))  # fmt: skip
    response = as_user(member).get(list_url(community, filter="mine"))
    page = response.context["page"]
    assert (page.number, page.paginator.num_pages, len(page.object_list)) == (1, 3, 20)
    assert titles(response)[0] == "Request 00"
    html = response.content.decode()
    assert re.search(r'href="\?filter=mine&amp;page=2"', html)
    response = as_user(member).get(list_url(community, filter="mine", page=3))
    assert titles(response) == [f"Request {i}" for i in range(40, 45)]
    # Out of range falls back to the last page rather than failing.
    assert as_user(member).get(list_url(community, page=99)).context["page"].number == 3


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("newcomer", 200), ("member", 200),
     ("core", 200), ("facilitator", 200), ("sponsor", 200)],
)  # fmt: skip
def test_it_shows_the_list_to_members_only(as_user, personas, community, persona, status):
    response = as_user(personas[persona]).get(list_url(community))
    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_it_answers_404_for_an_unknown_community(as_user, member):
    assert as_user(member).get("/c/no-such-place/requests/").status_code == 404


def test_it_marks_the_requests_tab_active(as_user, member, community):
    html = as_user(member).get(list_url(community)).content.decode()
    tab = r'<a class="nav-link active" aria-current="page" href="/c/med-safety/requests/">Requests</a>'
    assert re.search(tab, html)


# --- query counts ------------------------------------------------------------------------------


def _grow(community, n: int, tags) -> HelpRequest:
    """Add ``n`` requests, each with tags, advice, a response, kudos and a discussion message."""
    last = None
    for i in range(n):
        author = UserFactory()
        hr = HelpRequestFactory(community=community, author=author, created_at=NOW - timedelta(minutes=i))
        hr.tags.set(list(tags.values())[: 1 + i % 3])
        advice = AdviceFactory(request=hr, author=UserFactory())
        AdviceResponseFactory(advice=advice, kind="discuss")
        DiscussionCommentFactory(advice=advice, author=author)
        KudosFactory(advice=advice, user=UserFactory())
        last = hr
    return last


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_it_renders_the_list_in_a_constant_number_of_queries(
    as_user, member, community, tags, django_assert_num_queries
):
    client = as_user(member)
    urls = [list_url(community)] + [
        list_url(community, filter=name, tag="handover", q="ward")
        for name in ["open", "unanswered", "overdue", "follow-up", "closed", "mine"]
    ]
    _grow(community, 8, tags)
    client.get(urls[0])  # the session's first write
    counts = {url: _queries(client, url) for url in urls}
    _grow(community, 24, tags)
    for url in urls:
        with django_assert_num_queries(counts[url]):
            client.get(url)
    assert len(client.get(urls[0]).context["page"].object_list) == 20


def test_it_renders_the_request_page_in_a_constant_number_of_queries(
    as_user, member, community, tags, django_assert_num_queries
):
    hr = HelpRequestFactory(community=community, author=member)
    hr.tags.set(tags.values())

    def add_advice(n):
        for _ in range(n):
            advice = AdviceFactory(request=hr, author=UserFactory())
            AdviceResponseFactory(advice=advice, kind="discuss", author=member)
            AdviceResponseFactory(advice=advice, kind="thanks", author=member)
            for _ in range(2):
                DiscussionCommentFactory(advice=advice, author=UserFactory())
            KudosFactory(advice=advice, user=UserFactory())

    client = as_user(member)
    add_advice(2)
    client.get(hr.get_absolute_url())
    with CaptureQueriesContext(connection) as small:
        client.get(hr.get_absolute_url())
    add_advice(6)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(hr.get_absolute_url())
    assert response.content.decode().count('<article id="advice-') == 8
