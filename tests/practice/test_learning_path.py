"""The newcomer path: facilitators curate an ordered "start here" list; newcomers read it on the home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from communities.models import Role
from practice.models import NewcomerPathItem, NewcomerPathRead
from practice.selectors import learning as selectors
from practice.services import learning
from tests.conftest import _member
from tests.practice.factories_learning import ArtefactFactory, NewcomerPathItemFactory

pytestmark = pytest.mark.django_db


def _url(name: str, community, **kwargs) -> str:
    return reverse(f"practice:{name}", kwargs={"slug": community.slug, **kwargs})


@pytest.fixture
def three(community):
    return [ArtefactFactory(community=community, title=f"Start here {n}", published=True) for n in (1, 2, 3)]


def _order(community) -> list[str]:
    return [i.artefact.title for i in NewcomerPathItem.objects.filter(community=community).order_by("position", "id")]


def test_it_lets_a_facilitator_add_reorder_and_remove(as_user, facilitator, community, three):
    client = as_user(facilitator)
    for artefact in three:
        assert client.post(_url("learning-path-add", community), {"artefact": artefact.pk}).status_code == 302
    assert _order(community) == ["Start here 1", "Start here 2", "Start here 3"]
    last = NewcomerPathItem.objects.get(artefact=three[2])
    client.post(_url("learning-path-move", community, item_pk=last.pk), {"direction": "up"})
    assert _order(community) == ["Start here 1", "Start here 3", "Start here 2"]
    client.post(_url("learning-path-move", community, item_pk=last.pk), {"direction": "up"})
    client.post(_url("learning-path-move", community, item_pk=last.pk), {"direction": "up"})  # already first
    assert _order(community) == ["Start here 3", "Start here 1", "Start here 2"]
    assert sorted(NewcomerPathItem.objects.values_list("position", flat=True)) == [0, 1, 2]
    first = NewcomerPathItem.objects.get(artefact=three[0])
    client.post(_url("learning-path-remove", community, item_pk=first.pk))
    assert _order(community) == ["Start here 3", "Start here 2"]


def test_it_adds_an_artefact_once_and_only_when_published(facilitator, community, three):
    learning.path_add(community=community, artefact=three[0], actor=facilitator)
    learning.path_add(community=community, artefact=three[0], actor=facilitator)
    assert NewcomerPathItem.objects.count() == 1
    draft = ArtefactFactory(community=community)
    with pytest.raises(ValidationError):
        learning.path_add(community=community, artefact=draft, actor=facilitator)


def test_it_refuses_members_curating(as_user, member, community, three):
    with pytest.raises(PermissionDenied):
        learning.path_add(community=community, artefact=three[0], actor=member)
    assert as_user(member).post(_url("learning-path-add", community), {"artefact": three[0].pk}).status_code == 403
    item = NewcomerPathItemFactory(artefact=three[1])
    assert as_user(member).post(_url("learning-path-remove", community, item_pk=item.pk)).status_code == 403
    assert (
        as_user(member).post(_url("learning-path-move", community, item_pk=item.pk), {"direction": "up"}).status_code
        == 403
    )
    assert NewcomerPathItem.objects.count() == 1


def test_it_gives_404_for_a_path_item_of_another_community(as_user, facilitator, community, other_community):
    theirs = NewcomerPathItemFactory(artefact=ArtefactFactory(community=other_community, published=True))
    assert as_user(facilitator).post(_url("learning-path-remove", community, item_pk=theirs.pk)).status_code == 404
    assert (
        as_user(facilitator).post(_url("learning-path-read", community, item_pk=theirs.pk), {"read": "on"}).status_code
        == 404
    )


def test_it_shows_newcomers_the_path_on_the_home_page_and_lets_them_mark_items_read(
    as_user, newcomer, community, three
):
    items = [NewcomerPathItemFactory(artefact=a) for a in three]
    home = reverse("communities:home", kwargs={"slug": community.slug})
    html = as_user(newcomer).get(home).content.decode()
    assert "Start here" in html and "You have read 0 of 3" in html
    assert html.index("Start here 1") < html.index("Start here 2") < html.index("Start here 3")
    response = as_user(newcomer).post(
        _url("learning-path-read", community, item_pk=items[1].pk), {"read": "on", "next": home}
    )
    assert response.status_code == 302 and response["Location"] == home
    assert NewcomerPathRead.objects.filter(user=newcomer, item=items[1]).exists()
    assert "You have read 1 of 3" in as_user(newcomer).get(home).content.decode()
    # Unticking, and ticking twice, keep one row at most.
    as_user(newcomer).post(_url("learning-path-read", community, item_pk=items[1].pk), {"read": "on"})
    assert NewcomerPathRead.objects.filter(user=newcomer).count() == 1
    as_user(newcomer).post(_url("learning-path-read", community, item_pk=items[1].pk), {})
    assert not NewcomerPathRead.objects.filter(user=newcomer).exists()


def test_it_ignores_an_offsite_next(as_user, newcomer, community, three):
    item = NewcomerPathItemFactory(artefact=three[0])
    response = as_user(newcomer).post(
        _url("learning-path-read", community, item_pk=item.pk), {"read": "on", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("communities:home", kwargs={"slug": community.slug})


@pytest.mark.parametrize("persona", ["member", "core", "facilitator", "sponsor"])
def test_it_shows_the_path_on_the_home_page_only_to_newcomers(persona, personas, as_user, community, three):
    NewcomerPathItemFactory(artefact=three[0])
    html = as_user(personas[persona]).get(reverse("communities:home", kwargs={"slug": community.slug})).content.decode()
    assert "You have read" not in html


def test_it_puts_start_here_first_for_newcomers_and_keeps_the_order_for_everyone_else(
    personas, as_user, community, three
):
    NewcomerPathItemFactory(artefact=three[0])
    home = reverse("communities:home", kwargs={"slug": community.slug})
    seen = {}
    for persona in ("newcomer", "member", "facilitator"):
        response = as_user(personas[persona]).get(home)
        seen[persona] = [s.name for s in response.context["sections"]]
        html = response.content.decode()
        if persona == "newcomer":
            # Above "What we are about" and both columns: the first thing under the community bar.
            assert html.index('id="home-path-heading"') < html.index('id="about-heading"')
            assert [s.column for s in response.context["sections"] if s.name == "newcomer-path"] == ["top"]
    assert seen["newcomer"][0] == "newcomer-path"
    assert seen["member"] == seen["facilitator"] == [n for n in seen["newcomer"] if n != "newcomer-path"]
    assert seen["member"] and "newcomer-path" not in seen["member"]


def test_it_hides_an_empty_path_from_newcomers(as_user, newcomer, community):
    html = as_user(newcomer).get(reverse("communities:home", kwargs={"slug": community.slug})).content.decode()
    assert "home-path-heading" not in html


def test_it_shows_facilitators_how_far_each_newcomer_got_and_nothing_else(
    as_user, facilitator, newcomer, member, community, three
):
    items = [NewcomerPathItemFactory(artefact=a) for a in three]
    late = _member(community, Role.MEMBER, "late", days=1)
    NewcomerPathRead.objects.create(item=items[0], user=newcomer)
    NewcomerPathRead.objects.create(item=items[2], user=newcomer)
    NewcomerPathRead.objects.create(item=items[0], user=member)  # not a newcomer: not listed
    # A read of an artefact taken back to draft no longer counts.
    three[2].status = "draft"
    three[2].save()
    total, progress = selectors.newcomer_progress(community=community)
    assert total == 2
    assert [(p.name, p.read) for p in progress] == [("Newcomer", 1), ("Late", 0)]
    html = as_user(facilitator).get(_url("learning-path", community)).content.decode()
    assert "1 of 2" in html and "0 of 2" in html
    assert "newcomer@example.org" not in html and "Member" not in html.split("How far newcomers got")[1]
    assert late.email not in html


def test_it_counts_newcomers_by_the_thirty_days(community):
    old = _member(community, Role.MEMBER, "settled", days=31)
    _, progress = selectors.newcomer_progress(community=community, now=timezone.now() + timedelta(days=0))
    assert old.name not in [p.name for p in progress]
