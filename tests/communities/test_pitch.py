"""The value proposition: facilitators write and publish it; the pitch page is public once published."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from communities.models import ActivityLog, ValueProposition
from tests.communities.direction_helpers import without_csrf
from tests.factories import PurposeVersionFactory, ValuePropositionFactory

pytestmark = pytest.mark.django_db

FORM = {
    "for_whom": "Ward teams and the patients in their care.",
    "problem": "Lessons from incidents stay on the ward where they happened.",
    "value": "Answers within 48 hours; fewer repeated errors.",
    "proof": "Two pilot wards halved repeat medication errors.",
}


def _u(name: str, community) -> str:
    return reverse(f"communities:direction-{name}", kwargs={"slug": community.slug})


def _pitch(slug: str) -> str:
    return reverse("communities:pitch", kwargs={"slug": slug})


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("member", 403),
        ("core", 403),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_lets_facilitators_and_the_sponsor_write_the_value_proposition(
    community, personas, as_user, persona, expected
):
    client = as_user(personas[persona])
    assert client.get(_u("value", community)).status_code == expected
    response = client.post(_u("value", community), FORM)
    writes = persona in ("facilitator", "sponsor")
    assert response.status_code == (302 if writes or persona == "anonymous" else expected)
    assert ValueProposition.objects.filter(community=community).count() == (1 if writes else 0)
    if writes:
        vp = ValueProposition.objects.get(community=community)
        assert (vp.for_whom, vp.proof, vp.updated_by, vp.is_published) == (
            FORM["for_whom"],
            FORM["proof"],
            personas[persona],
            False,
        )


def test_it_refuses_a_missing_part_and_keeps_the_rest(community, facilitator, as_user):
    response = as_user(facilitator).post(_u("value", community), {**FORM, "proof": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give some proof, even early evidence." in html
    assert FORM["problem"] in html
    assert not ValueProposition.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("member", 403),
        ("core", 403),
        ("facilitator", 302),
        ("sponsor", 302),
    ],
)
def test_it_lets_facilitators_and_the_sponsor_publish(community, personas, as_user, persona, expected):
    vp = ValuePropositionFactory(community=community)
    response = as_user(personas[persona]).post(_u("value-publish", community), {"publish": "1"})
    assert response.status_code == expected
    vp.refresh_from_db()
    assert vp.is_published is (persona in ("facilitator", "sponsor"))


def test_it_publishes_and_unpublishes_with_a_log(community, facilitator, as_user):
    vp = ValuePropositionFactory(community=community)
    client = as_user(facilitator)
    when = datetime(2026, 5, 4, 8, tzinfo=UTC)
    with time_machine.travel(when, tick=False):
        as_user(facilitator).post(_u("value-publish", community), {"publish": "1"})
    vp.refresh_from_db()
    assert vp.published_at == when
    client.post(_u("value-publish", community), {"publish": "0"})
    vp.refresh_from_db()
    assert vp.published_at is None
    assert list(ActivityLog.objects.order_by("created_at").values_list("action", flat=True)) == [
        "pitch.publish",
        "pitch.unpublish",
    ]


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "stranger", "member", "sponsor"])
def test_it_shows_a_published_pitch_of_a_private_community_to_anyone(community, personas, as_user, persona):
    assert community.is_private
    ValuePropositionFactory(community=community, published_at=timezone.now(), proof="Falls fell by a third.")
    PurposeVersionFactory(community=community, text="Our secret internal purpose.")
    response = as_user(personas[persona]).get(_pitch(community.slug))
    assert response.status_code == 200
    html = response.content.decode()
    assert community.name in html
    assert "Falls fell by a third." in html
    # Nothing else: no purpose, no member names, no community bar, no links into the community
    # (a member's own navbar still lists their communities).
    assert "Our secret internal purpose." not in html
    viewer = personas[persona]
    for name in ("sponsor", "facilitator", "core", "member", "newcomer"):
        if personas[name] != viewer:
            assert personas[name].name not in html
    assert "community-bar" not in html
    if persona not in ("member", "sponsor"):
        assert f'href="/c/{community.slug}/' not in html


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "member", "facilitator"])
def test_it_answers_an_unpublished_pitch_like_a_missing_slug(community, personas, as_user, persona):
    ValuePropositionFactory(community=community, published_at=None)
    client = as_user(personas[persona])
    unpublished = client.get(_pitch(community.slug))
    missing = client.get(_pitch("never-existed"))
    never_written = client.get(_pitch(personas["stranger"].memberships.get().community.slug))
    assert unpublished.status_code == missing.status_code == never_written.status_code == 404
    assert without_csrf(unpublished) == without_csrf(missing) == without_csrf(never_written)


def test_it_renders_the_pitch_in_constant_queries(community, django_assert_num_queries, client):
    ValuePropositionFactory(community=community, published_at=timezone.now())
    with django_assert_num_queries(1):
        assert client.get(_pitch(community.slug)).status_code == 200
