"""Searching requests: full-text search with ranking on PostgreSQL, word-by-word icontains on SQLite."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from practice.models import HelpRequest
from practice.selectors import requests as selectors
from tests.practice.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db

only_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search (run with a postgres DATABASE_URL)"
)
only_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")


@pytest.fixture
def corpus(community, member, other_community):
    make = HelpRequestFactory
    return {
        "title": make(community=community, author=member, title="Insulin double checks at night",
                      situation="Two nurses on the ward.", tried=""),
        "body": make(community=community, author=member, title="Night staffing question",
                     situation="How do you organise the insulin check when the pharmacy is closed?", tried=""),
        "tried": make(community=community, author=member, title="Handover at shift change",
                      situation="Information gets lost.", tried="We tried an insulin sticker on the chart."),
        "falls": make(community=community, author=member, title="Patients falling at night",
                      situation="Several falls near the bathroom.", tried=""),
        "elsewhere": make(community=other_community, title="Insulin in another community", situation="Insulin."),
    }  # fmt: skip


def search(community, member, text: str, **kwargs) -> list[str]:
    qs = selectors.request_list(community=community, user=member, show_hidden=False, search=text, **kwargs)
    return [hr.title for hr in qs]


def test_it_finds_words_in_titles_situations_and_what_was_tried(community, member, corpus):
    found = search(community, member, "insulin")
    assert sorted(found) == ["Handover at shift change", "Insulin double checks at night", "Night staffing question"]


def test_it_requires_every_word(community, member, corpus):
    assert search(community, member, "insulin pharmacy") == ["Night staffing question"]
    assert search(community, member, "insulin bathroom") == []


def test_it_stays_inside_the_community(community, member, corpus):
    assert "Insulin in another community" not in search(community, member, "insulin")


def test_it_combines_search_with_filters(community, member, corpus):
    HelpRequest.objects.filter(pk=corpus["body"].pk).update(status=HelpRequest.Status.RESOLVED)
    assert search(community, member, "insulin", filter_name="closed") == ["Night staffing question"]


def test_it_returns_everything_for_an_empty_search(community, member, corpus):
    assert len(search(community, member, "   ")) == 4


def test_it_survives_punctuation_and_operators(community, member, corpus):
    for text in ['"insulin', "insulin & | !", "insulin:*", "(night", "-", "' OR 1=1 --", "%", "_"]:
        search(community, member, text)  # no error


def test_it_searches_from_the_list_page(as_user, member, community, corpus):
    url = reverse("practice:request-list", kwargs={"slug": community.slug})
    response = as_user(member).get(url, {"q": "pharmacy"})
    assert [hr.title for hr in response.context["page"].object_list] == ["Night staffing question"]
    assert 'value="pharmacy"' in response.content.decode()


@only_sqlite
def test_it_falls_back_to_substrings_on_sqlite(community, member, corpus):
    # icontains matches inside words: "fall" finds "falling" and "falls".
    assert search(community, member, "fall") == ["Patients falling at night"]
    assert search(community, member, "%") == []  # a bare wildcard is not a search term


@only_postgres
def test_it_uses_stemming_on_postgresql(community, member, corpus):
    assert search(community, member, "fall") == ["Patients falling at night"]
    assert search(community, member, "checking") == ["Insulin double checks at night", "Night staffing question"]


@only_postgres
def test_it_ranks_title_matches_first_on_postgresql(community, member, corpus):
    found = search(community, member, "insulin")
    assert found[0] == "Insulin double checks at night"


@only_postgres
def test_it_understands_web_search_syntax_on_postgresql(community, member, corpus):
    assert search(community, member, "insulin -pharmacy -sticker") == ["Insulin double checks at night"]
    assert search(community, member, '"shift change"') == ["Handover at shift change"]


@only_postgres
def test_it_has_a_gin_index_the_search_uses(community, member, corpus):
    # The search alone: with the community filter as well, the planner may prefer that btree index.
    qs = selectors.request_search(HelpRequest.objects.only("id"), "insulin")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'helprequest_search'")
        (indexdef,) = cursor.fetchone()
        assert "USING gin" in indexdef
        cursor.execute("SET enable_seqscan = off")
        try:
            sql, params = qs.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "Index Scan on helprequest_search" in plan
