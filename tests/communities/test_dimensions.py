"""The seven dimensions: seeded reference data, edited in the admin, never deleted once scored."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from communities.models import Dimension
from tests.communities.vibrancy_helpers import dimensions, make_round, rate

pytestmark = pytest.mark.django_db


def test_it_seeds_the_seven_dimensions_in_order():
    # The rows come from a data migration; a transactional test that ran before in this process
    # flushed them, and dimensions() puts them back with the migration's own function.
    dimensions()
    names = list(Dimension.objects.order_by("number").values_list("name", flat=True))
    assert names == ["Practice", "Domain", "Community", "Strategy", "Boundaries", "Transformation", "Voice"]
    for d in Dimension.objects.all():
        assert d.summary and d.what and d.why and d.how


def test_it_carries_the_full_text_of_the_three_practice_strands():
    dimensions()
    practice = Dimension.objects.get(slug="practice")
    for phrase in [
        "Helping each other",
        "commit to respond within a given timeframe",
        "Ensuring learning loops",
        "follow up later",
        "Capturing emergent learning",
        "newcomers coming up to speed",
    ]:
        assert phrase in practice.how


def test_it_protects_a_dimension_that_has_scores(community, member):
    round_ = make_round(community)
    rate(round_, member, {"voice": (3, 8)})
    with pytest.raises(ProtectedError):
        dimensions()["voice"].delete()
    assert Dimension.objects.filter(slug="voice").exists()


def test_it_offers_no_delete_in_the_admin_for_a_scored_dimension(as_user, site_admin, community, member):
    round_ = make_round(community)
    rate(round_, member, {"voice": (3, 8)})
    voice = dimensions()["voice"]
    client = as_user(site_admin)
    change = client.get(reverse("admin:communities_dimension_change", args=[voice.pk]))
    assert change.status_code == 200
    assert reverse("admin:communities_dimension_delete", args=[voice.pk]).encode() not in change.content
    assert client.get(reverse("admin:communities_dimension_delete", args=[voice.pk])).status_code == 403
    delete_url = reverse("admin:communities_dimension_delete", args=[voice.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:communities_dimension_changelist"))
    assert b"delete_selected" not in changelist.content
    assert Dimension.objects.filter(pk=voice.pk).exists()


def test_it_offers_delete_for_a_dimension_nobody_scored(as_user, site_admin):
    voice = dimensions()["voice"]
    change = as_user(site_admin).get(reverse("admin:communities_dimension_change", args=[voice.pk]))
    assert reverse("admin:communities_dimension_delete", args=[voice.pk]).encode() in change.content


def test_it_lets_site_admins_edit_the_guidance_members_see(as_user, site_admin, community, member):
    voice = dimensions()["voice"]
    url = reverse("admin:communities_dimension_change", args=[voice.pk])
    response = as_user(site_admin).post(
        url,
        {
            "number": voice.number,
            "name": "Voice",
            "slug": "voice",
            "summary": "We speak up for patients where policy is made.",
            "what": voice.what,
            "why": voice.why,
            "how": voice.how,
        },
    )
    assert response.status_code == 302
    voice.refresh_from_db()
    assert voice.summary == "We speak up for patients where policy is made."
    make_round(community)
    page = as_user(member).get(reverse("communities:vibrancy", args=[community.slug]))
    assert "We speak up for patients where policy is made." in page.content.decode()


def test_it_keeps_the_dimension_admin_for_staff(as_user, facilitator):
    response = as_user(facilitator).get(reverse("admin:communities_dimension_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
