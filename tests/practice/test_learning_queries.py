"""Captured learning costs a fixed number of queries per page, whatever the amount of learning."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Role
from practice.models import NewcomerPathRead, Outcome
from tests.conftest import _member
from tests.factories import TagFactory, UserFactory
from tests.practice.factories import AdviceFactory, HelpRequestFactory
from tests.practice.factories_learning import ArtefactFactory, NewcomerPathItemFactory

pytestmark = pytest.mark.django_db

KINDS = ["faq", "summary", "case_story", "failure_reflection", "insight"]


def _grow(community, n: int, newcomer, author=None) -> None:
    """n artefacts of every kind, with tags, two authors, sources, versions, path items and reads.

    Every fourth is a draft, with ``author`` among its authors (so "my drafts" grows too).
    """
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        tag = TagFactory(community=community)
        hr = HelpRequestFactory(community=community, title=f"Insulin at night {i}", status="resolved")
        advice = AdviceFactory(request=hr)
        outcome = Outcome.objects.create(request=hr, community=community, author=hr.author, result="resolved")
        artefact = ArtefactFactory(
            community=community, kind=kind, title=f"Insulin learning {i}", question="insulin?", answer="yes",
            key_points="insulin", situation="insulin", what_we_did="x", what_happened="insulin",
            what_we_learned="y", published=i % 4 != 0, tags=[tag],
            authors=[UserFactory(), author if author and i % 4 == 0 else UserFactory()],
        )  # fmt: skip
        artefact.source_requests.add(hr)
        artefact.source_advice.add(advice)
        artefact.source_outcomes.add(outcome)
        artefact.versions.create(number=1, kind=kind, title=artefact.title, fields={})
        if artefact.is_published:
            item = NewcomerPathItemFactory(artefact=artefact)
            NewcomerPathRead.objects.create(item=item, user=newcomer)
            NewcomerPathRead.objects.create(item=item, user=_member(community, Role.MEMBER, f"new{item.pk}", days=2))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["member", "facilitator"])
def test_it_renders_list_search_handbook_path_home_and_dashboard_in_constant_queries(
    persona, personas, as_user, community, newcomer, django_assert_num_queries
):
    slug = community.slug
    pages = [
        reverse("practice:learning", kwargs={"slug": slug}),
        reverse("practice:learning", kwargs={"slug": slug}) + "?q=insulin",
        reverse("practice:learning", kwargs={"slug": slug}) + "?q=insulin&kind=faq&tag=x",
        reverse("practice:learning", kwargs={"slug": slug}) + "?status=draft",
        reverse("practice:learning-handbook", kwargs={"slug": slug}),
        reverse("practice:request-suggestions", kwargs={"slug": slug}) + "?q=insulin+night",
    ]
    if persona == "facilitator":
        pages += [
            reverse("practice:learning-path", kwargs={"slug": slug}),
            reverse("communities:dashboard", kwargs={"slug": slug}),
        ]
    client = as_user(personas[persona])
    _grow(community, 5, newcomer, personas[persona])
    client.get(pages[0])  # the session's first write
    counts = {url: _count(client, url) for url in pages}
    _grow(community, 15, newcomer, personas[persona])
    for url in pages:
        with django_assert_num_queries(counts[url]):
            client.get(url)


def test_it_renders_the_newcomers_home_in_constant_queries(as_user, community, newcomer, django_assert_num_queries):
    home = reverse("communities:home", kwargs={"slug": community.slug})
    client = as_user(newcomer)
    _grow(community, 5, newcomer)
    client.get(home)
    count = _count(client, home)
    _grow(community, 15, newcomer)
    with django_assert_num_queries(count):
        response = client.get(home)
    assert "You have read" in response.content.decode()


def test_it_renders_an_artefact_in_constant_queries(as_user, community, facilitator, django_assert_num_queries):
    artefact = ArtefactFactory(community=community, published=True)

    def add(n):
        for _ in range(n):
            hr = HelpRequestFactory(community=community)
            artefact.source_requests.add(hr)
            artefact.source_advice.add(AdviceFactory(request=hr))
            artefact.source_outcomes.add(
                Outcome.objects.create(request=hr, community=community, author=hr.author, result="resolved")
            )
            artefact.authors.add(UserFactory())
            artefact.tags.add(TagFactory(community=community))
            artefact.versions.create(
                number=artefact.versions.count() + 1, kind="insight", title="t", author=UserFactory()
            )

    client = as_user(facilitator)
    url = reverse("practice:learning-detail", kwargs={"slug": community.slug, "pk": artefact.pk})
    add(2)
    client.get(url)
    count = _count(client, url)
    add(6)
    with django_assert_num_queries(count):
        client.get(url)


def test_it_computes_the_handbook_in_three_queries(community, django_assert_num_queries):
    from practice.selectors import learning as selectors_learning

    for kind in KINDS * 3:
        ArtefactFactory(community=community, kind=kind, published=True, authors=[UserFactory()])
    with django_assert_num_queries(3):
        chapters = selectors_learning.handbook(community=community)
    assert [c.kind for c in chapters] == KINDS
