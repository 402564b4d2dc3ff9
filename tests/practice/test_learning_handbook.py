"""The printable handbook: everything published, or one chapter (a kind) or one topic (a tag)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practice.models import Artefact
from tests.practice.factories_learning import ArtefactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(community, tags):
    make = ArtefactFactory
    return {
        "faq_med": make(
            community=community, kind=Artefact.Kind.FAQ, title="Who checks at night?", published=True,
            question="Who checks?", answer="The buddy ward.", tags=[tags["medication"]],
        ),
        "faq_falls": make(
            community=community, kind=Artefact.Kind.FAQ, title="Bed alarms after midnight", published=True,
            question="Alarms?", answer="Yes.", tags=[tags["falls"]],
        ),
        "insight_med": make(
            community=community, title="Pharmacy rounds help", published=True, tags=[tags["medication"]]
        ),
        "draft": make(community=community, title="Not yet agreed", tags=[tags["medication"]]),
    }  # fmt: skip


def _handbook(client, community, **params) -> str:
    return client.get(reverse("practice:learning-handbook", kwargs={"slug": community.slug}), params).content.decode()


def _titles(html: str, published: dict) -> set[str]:
    return {key for key, artefact in published.items() if artefact.title in html}


def test_the_whole_handbook_has_every_published_artefact(as_user, member, community, published):
    html = _handbook(as_user(member), community)
    assert _titles(html, published) == {"faq_med", "faq_falls", "insight_med"}
    assert "community handbook</h1>" in html


def test_it_prints_one_chapter(as_user, member, community, published):
    html = _handbook(as_user(member), community, kind="faq")
    assert _titles(html, published) == {"faq_med", "faq_falls"}
    assert "community handbook: FAQ</h1>" in html
    assert '<option value="faq" selected>' in html


def test_it_prints_one_topic_and_one_topic_of_a_chapter(as_user, member, community, published):
    client = as_user(member)
    html = _handbook(client, community, tag="medication-safety")
    assert _titles(html, published) == {"faq_med", "insight_med"}
    assert "community handbook on “medication safety”</h1>" in html
    both = _handbook(client, community, tag="medication-safety", kind="insight")
    assert _titles(both, published) == {"insight_med"}
    assert "community handbook: Insight on “medication safety”</h1>" in both


def test_unknown_choices_print_everything_and_an_empty_choice_says_so(as_user, member, community, published):
    client = as_user(member)
    assert _titles(_handbook(client, community, kind="essay", tag="nope"), published) == {
        "faq_med",
        "faq_falls",
        "insight_med",
    }
    html = _handbook(client, community, kind="case_story")
    assert "Nothing published matches." in html and "The whole handbook" in html


def test_the_list_links_to_the_handbook_of_what_it_shows(as_user, member, community, published):
    html = as_user(member).get(reverse("practice:learning", kwargs={"slug": community.slug}), {"kind": "faq"}).content
    assert b"/learning/handbook/?kind=faq" in html and b"Handbook (printable) of these" in html
