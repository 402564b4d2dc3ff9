"""Searching captured learning: full-text with ranking on PostgreSQL, word-by-word icontains on SQLite.

Run once with ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/childsys_learning`` for the
PostgreSQL half (CI runs both).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from practice.models import Artefact, HelpRequest
from practice.selectors import learning as selectors
from tests.practice.factories import HelpRequestFactory
from tests.practice.factories_learning import ArtefactFactory

pytestmark = pytest.mark.django_db

only_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search (run with a postgres DATABASE_URL)"
)
only_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")


@pytest.fixture
def corpus(community, other_community, tags):
    def make(**kw):
        kw.setdefault("community", community)
        kw.setdefault("published", True)
        return ArtefactFactory(**kw)

    return {
        "faq": make(kind="faq", title="Second checks at night", question="Who does the insulin double check?",
                    answer="A nurse from the buddy ward.", insight="", tags=[tags["medication"]]),
        "story": make(kind="case_story", title="Ward 6 and the buddy ward", insight="",
                      situation="Two nurses for 28 beds.", what_we_did="We paired with ward 7 for insulin checks.",
                      result="No missed checks in a month.", tags=[tags["medication"]]),
        "failure": make(kind="failure_reflection", title="The falls checklist nobody used", insight="",
                        what_happened="Patients kept falling near the bathroom.", what_we_learned="Ask nights first.",
                        what_wed_do_differently="Pilot it.", tags=[tags["falls"]]),
        "summary": make(kind="summary", title="Spring highlights", insight="", period="Handover at shift change",
                        key_points="- SBAR cards\n- Bedside handover"),
        "insight": make(kind="insight", title="Nights need their own processes",
                        insight="What works by day fails at night: staffing is half."),
        "draft": make(kind="insight", title="Insulin draft idea", insight="insulin", published=False),
        "elsewhere": make(community=other_community, title="Insulin elsewhere", insight="insulin"),
    }  # fmt: skip


def search(community, user, text: str, *, can_see_drafts: bool = False, **kwargs) -> list[str]:
    qs = selectors.artefact_list(community=community, user=user, can_see_drafts=can_see_drafts, search=text, **kwargs)
    return [a.title for a in qs]


def test_it_finds_words_in_every_part_of_every_kind(community, member, corpus):
    assert sorted(search(community, member, "insulin")) == ["Second checks at night", "Ward 6 and the buddy ward"]
    assert search(community, member, "bathroom") == ["The falls checklist nobody used"]
    assert search(community, member, "SBAR") == ["Spring highlights"]
    assert search(community, member, "shift change") == ["Spring highlights"]  # the period
    assert search(community, member, "staffing") == ["Nights need their own processes"]


def test_it_requires_every_word(community, member, corpus):
    assert search(community, member, "insulin buddy double") == ["Second checks at night"]
    assert search(community, member, "insulin bathroom") == []


def test_it_leaves_out_drafts_and_other_communities(community, member, facilitator, corpus):
    assert "Insulin draft idea" not in search(community, member, "insulin")
    assert "Insulin elsewhere" not in search(community, member, "insulin")
    assert "Insulin draft idea" in search(community, facilitator, "insulin", can_see_drafts=True)


def test_it_filters_by_kind_and_tag(community, member, corpus, tags):
    assert search(community, member, "insulin", kind="faq") == ["Second checks at night"]
    assert search(community, member, "", kind="failure_reflection") == ["The falls checklist nobody used"]
    assert sorted(search(community, member, "", tag=tags["medication"])) == [
        "Second checks at night",
        "Ward 6 and the buddy ward",
    ]
    assert search(community, member, "insulin", tag=tags["falls"]) == []


def test_it_survives_punctuation_and_operators(community, member, corpus):
    for text in ['"insulin', "insulin & | !", "insulin:*", "(night", "-", "' OR 1=1 --", "%", "_", "\\"]:
        search(community, member, text)  # no error


def test_it_searches_from_the_list_page_with_filters(as_user, member, community, corpus):
    url = reverse("practice:learning", kwargs={"slug": community.slug})
    response = as_user(member).get(url, {"q": "insulin", "kind": "case_story", "tag": "medication-safety"})
    assert [a.title for a in response.context["page"].object_list] == ["Ward 6 and the buddy ward"]
    html = response.content.decode()
    assert 'value="insulin"' in html
    assert '<option value="case_story" selected>' in html


@only_sqlite
def test_it_falls_back_to_substrings_on_sqlite(community, member, corpus):
    assert search(community, member, "fall") == ["The falls checklist nobody used"]
    assert search(community, member, "%") == []


@only_postgres
def test_it_uses_stemming_on_postgresql(community, member, corpus):
    assert search(community, member, "fall") == ["The falls checklist nobody used"]
    assert search(community, member, "checking insulin") == ["Second checks at night", "Ward 6 and the buddy ward"]


@only_postgres
def test_it_ranks_title_matches_first_on_postgresql(community, member, corpus):
    assert search(community, member, "buddy")[0] == "Ward 6 and the buddy ward"
    assert search(community, member, "night")[0] in {"Second checks at night", "Nights need their own processes"}


@only_postgres
def test_it_understands_web_search_syntax_on_postgresql(community, member, corpus):
    assert search(community, member, "insulin -buddy") == []
    assert search(community, member, '"buddy ward" -insulin') == []
    assert search(community, member, "checks -month") == ["Second checks at night"]


@only_postgres
def test_it_has_a_gin_index_the_search_uses(community, member, corpus):
    qs = selectors.artefact_search(Artefact.objects.only("id"), "insulin")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'artefact_search'")
        (indexdef,) = cursor.fetchone()
        assert "USING gin" in indexdef
        cursor.execute("SET enable_seqscan = off")
        try:
            sql, params = qs.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "artefact_search" in plan


# --- suggestions while writing a request (any word, best match first) ----------------------------


@pytest.fixture
def closed_requests(community, member):
    make = HelpRequestFactory
    return {
        "resolved": make(community=community, author=member, title="Insulin checks when pharmacy is closed",
                         situation="Night.", status=HelpRequest.Status.RESOLVED),
        "open": make(community=community, author=member, title="Insulin pens running out", situation="Open one.",
                     status=HelpRequest.Status.OPEN),
        "withdrawn": make(community=community, author=member, title="Insulin question withdrawn", situation="x",
                          status=HelpRequest.Status.WITHDRAWN),
    }  # fmt: skip


def test_it_suggests_published_learning_and_concluded_requests_matching_any_word(community, corpus, closed_requests):
    found = selectors.request_suggestions(community=community, text="How do we organise insulin double checks?")
    titles = [a.title for a in found.artefacts]
    assert titles[0] == "Second checks at night"  # matches most words
    assert set(titles) == {"Second checks at night", "Ward 6 and the buddy ward"}
    assert [r.title for r in found.requests] == ["Insulin checks when pharmacy is closed"]


def test_it_suggests_nothing_for_only_common_words(community, corpus, closed_requests):
    assert not selectors.request_suggestions(community=community, text="How do we do this?")
