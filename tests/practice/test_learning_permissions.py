"""Who sees and does what with captured learning: drafts never reach ordinary members or outsiders."""

from __future__ import annotations

import pytest
from django.urls import reverse

from communities.models import Role
from practice.models import Artefact
from tests.conftest import _member
from tests.practice.factories_learning import ArtefactFactory, NewcomerPathItemFactory

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Unreviewed idea about potassium chloride"
PUBLISHED_TITLE = "Bedside handover catches wristband errors"


@pytest.fixture
def author(community):
    """An ordinary member who wrote the draft."""
    return _member(community, Role.MEMBER, "author")


@pytest.fixture
def draft(community, author):
    return ArtefactFactory(community=community, title=DRAFT_TITLE, insight="potassium in a draft", authors=[author])


@pytest.fixture
def published(community, core):
    return ArtefactFactory(
        community=community, title=PUBLISHED_TITLE, insight="potassium and handover", authors=[core], published=True
    )


# Status of GET on a draft: the author and the core group read it; other members get the 404 a
# missing id gives (they cannot tell it exists); outsiders get the private community's 404.
DRAFT_DETAIL = {
    "anonymous": 302,
    "outsider": 404,
    "stranger": 404,
    "site_admin": 404,
    "newcomer": 404,
    "member": 404,
    "core": 200,
    "facilitator": 200,
    "sponsor": 200,
}


@pytest.mark.parametrize("persona", list(DRAFT_DETAIL))
def test_it_shows_a_draft_only_to_its_author_and_the_core_group(persona, personas, as_user, draft, published):
    user = personas[persona]
    url = reverse("practice:learning-detail", kwargs={"slug": draft.community.slug, "pk": draft.pk})
    response = as_user(user).get(url)
    assert response.status_code == DRAFT_DETAIL[persona]
    if response.status_code == 200:
        assert DRAFT_TITLE in response.content.decode()


def test_it_shows_a_draft_to_its_author(as_user, author, draft):
    url = reverse("practice:learning-detail", kwargs={"slug": draft.community.slug, "pk": draft.pk})
    response = as_user(author).get(url)
    assert response.status_code == 200
    assert "Draft: only its authors" in response.content.decode()


MEMBER_PAGES = ["practice:learning", "practice:learning-handbook", "practice:learning-new"]


@pytest.mark.parametrize("name", MEMBER_PAGES)
@pytest.mark.parametrize("persona", list(DRAFT_DETAIL))
def test_it_keeps_drafts_out_of_every_page_ordinary_members_reach(
    name, persona, personas, as_user, community, draft, published
):
    user = personas[persona]
    response = as_user(user).get(reverse(name, kwargs={"slug": community.slug}))
    expected = {"anonymous": 302, "outsider": 404, "stranger": 404, "site_admin": 404}.get(persona, 200)
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        if name == "practice:learning":
            assert PUBLISHED_TITLE in html
            assert (DRAFT_TITLE in html) == (persona in ("core", "facilitator", "sponsor"))
        elif name == "practice:learning-handbook":
            # The handbook is what the community publishes: no drafts, not even for the core group.
            assert PUBLISHED_TITLE in html
            assert DRAFT_TITLE not in html


@pytest.mark.parametrize("persona", ["newcomer", "member", "core", "facilitator", "sponsor"])
def test_it_searches_drafts_only_for_those_who_may_see_them(persona, personas, as_user, community, draft, published):
    response = as_user(personas[persona]).get(
        reverse("practice:learning", kwargs={"slug": community.slug}), {"q": "potassium"}
    )
    html = response.content.decode()
    assert PUBLISHED_TITLE in html
    assert (DRAFT_TITLE in html) == (persona in ("core", "facilitator", "sponsor"))


def test_it_lists_an_authors_own_draft_for_them(as_user, author, community, draft, published):
    response = as_user(author).get(reverse("practice:learning", kwargs={"slug": community.slug}), {"status": "draft"})
    html = response.content.decode()
    assert DRAFT_TITLE in html
    assert PUBLISHED_TITLE not in html


def test_it_never_suggests_drafts(as_user, member, community, draft, published):
    url = reverse("practice:request-suggestions", kwargs={"slug": community.slug})
    data = as_user(member).get(url, {"q": "potassium chloride"}).json()
    titles = [a["title"] for a in data["artefacts"]]
    assert titles == [PUBLISHED_TITLE]


def test_it_never_puts_drafts_on_the_newcomer_path(as_user, newcomer, community, draft, published):
    NewcomerPathItemFactory(artefact=published)
    # A row pointing at a draft (it was taken back to draft by hand) is not shown.
    NewcomerPathItemFactory(artefact=draft)
    html = as_user(newcomer).get(reverse("communities:home", kwargs={"slug": community.slug})).content.decode()
    assert PUBLISHED_TITLE in html
    assert DRAFT_TITLE not in html


# --- actions above a member's role --------------------------------------------------------------

CURATOR_ONLY = {
    "anonymous": 302,
    "outsider": 404,
    "stranger": 404,
    "site_admin": 404,
    "newcomer": 403,
    "member": 403,
    "core": 302,
    "facilitator": 302,
    "sponsor": 302,
}


@pytest.mark.parametrize("persona", list(CURATOR_ONLY))
def test_it_lets_only_core_members_and_facilitators_publish(persona, personas, as_user, draft):
    url = reverse("practice:learning-publish", kwargs={"slug": draft.community.slug, "pk": draft.pk})
    response = as_user(personas[persona]).post(url)
    assert response.status_code == CURATOR_ONLY[persona]
    draft.refresh_from_db()
    assert draft.is_published == (CURATOR_ONLY[persona] == 302 and persona != "anonymous")


def test_it_refuses_the_author_publishing_their_own_draft(as_user, author, draft):
    url = reverse("practice:learning-publish", kwargs={"slug": draft.community.slug, "pk": draft.pk})
    assert as_user(author).post(url).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Artefact.Status.DRAFT


@pytest.mark.parametrize("persona", list(CURATOR_ONLY))
def test_it_lets_only_the_core_group_curate_the_newcomer_path(persona, personas, as_user, community, published):
    response = as_user(personas[persona]).get(reverse("practice:learning-path", kwargs={"slug": community.slug}))
    expected = CURATOR_ONLY[persona]
    assert response.status_code == (200 if expected == 302 and persona != "anonymous" else expected)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 404), ("newcomer", 404), ("author", 200), ("core", 200), ("facilitator", 200)],
)
def test_it_lets_the_author_and_the_core_group_edit_a_draft(persona, status, personas, author, as_user, draft):
    user = author if persona == "author" else personas[persona]
    url = reverse("practice:learning-edit", kwargs={"slug": draft.community.slug, "pk": draft.pk})
    assert as_user(user).get(url).status_code == status


def test_it_stops_the_author_editing_once_published(as_user, author, community, core):
    artefact = ArtefactFactory(community=community, authors=[author], published=True)
    url = reverse("practice:learning-edit", kwargs={"slug": community.slug, "pk": artefact.pk})
    assert as_user(author).get(url).status_code == 403
    assert as_user(core).get(url).status_code == 200


def test_it_gives_404_for_an_artefact_of_another_community(as_user, facilitator, other_community):
    theirs = ArtefactFactory(community=other_community, published=True)
    url = reverse("practice:learning-detail", kwargs={"slug": "med-safety", "pk": theirs.pk})
    assert as_user(facilitator).get(url).status_code == 404
