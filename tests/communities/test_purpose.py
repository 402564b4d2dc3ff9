"""The purpose: only the sponsor sets it, every version is kept, members read it and its history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from communities.models import ActivityLog, PurposeVersion
from tests.communities.direction_helpers import warm, without_csrf
from tests.factories import PurposeVersionFactory, UserFactory

pytestmark = pytest.mark.django_db

# session, user, community, membership, versions with authors, then the navbar's unread count
# and communities: the same whatever the number of versions.
HISTORY_QUERIES = 7


def _url(community, name="communities:direction-purpose"):
    return reverse(name, kwargs={"slug": community.slug})


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("site_admin", 404),
        ("newcomer", 200),
        ("member", 200),
        ("core", 200),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_shows_the_direction_page_to_members_only(community, personas, as_user, persona, expected):
    response = as_user(personas[persona]).get(reverse("communities:direction", kwargs={"slug": community.slug}))
    assert response.status_code == expected
    if persona == "anonymous":
        assert response.url.startswith(reverse("account_login"))


def test_it_answers_a_private_community_like_a_missing_slug(community, outsider, as_user):
    client = as_user(outsider)
    private = client.get(reverse("communities:direction", kwargs={"slug": community.slug}))
    missing = client.get(reverse("communities:direction", kwargs={"slug": "never-existed"}))
    assert private.status_code == missing.status_code == 404
    assert without_csrf(private) == without_csrf(missing)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("newcomer", 403),
        ("member", 403),
        ("core", 403),
        ("facilitator", 403),
        ("sponsor", 200),
    ],
)
def test_it_lets_only_the_sponsor_edit_the_purpose(community, personas, as_user, persona, expected):
    client = as_user(personas[persona])
    assert client.get(_url(community)).status_code == expected
    response = client.post(_url(community), {"text": "Why we exist."})
    assert response.status_code == (302 if persona in ("sponsor", "anonymous") else expected)
    assert PurposeVersion.objects.filter(community=community).count() == (1 if persona == "sponsor" else 0)


def test_it_keeps_every_version_with_author_and_time(community, sponsor, as_user):
    first = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    second = datetime(2026, 4, 6, 14, 30, tzinfo=UTC)
    # A new session each time: an idle session a month old has expired.
    with time_machine.travel(first, tick=False):
        response = as_user(sponsor).post(_url(community), {"text": "We make medication **safer**."})
    assert response.status_code == 302
    with time_machine.travel(second, tick=False):
        response = as_user(sponsor).post(_url(community), {"text": "We make medication safer, on every ward."})
    assert response.status_code == 302
    versions = list(PurposeVersion.objects.filter(community=community))
    assert [v.text for v in versions] == ["We make medication safer, on every ward.", "We make medication **safer**."]
    assert [v.created_at for v in versions] == [second, first]
    assert {v.author for v in versions} == {sponsor}
    log = ActivityLog.objects.filter(community=community, action="purpose.update")
    assert [entry.summary for entry in log] == [f"{sponsor} updated the purpose", f"{sponsor} set the purpose"]
    assert {entry.actor for entry in log} == {sponsor}


def test_it_adds_no_version_when_nothing_changed(community, sponsor, as_user):
    PurposeVersionFactory(community=community, author=sponsor, text="Why we exist.")
    as_user(sponsor).post(_url(community), {"text": "  Why we exist.  "})
    assert PurposeVersion.objects.filter(community=community).count() == 1
    assert not ActivityLog.objects.filter(action="purpose.update").exists()


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_it_refuses_an_empty_purpose_and_keeps_the_current_one(community, sponsor, as_user, text):
    PurposeVersionFactory(community=community, author=sponsor, text="Why we exist.")
    response = as_user(sponsor).post(_url(community), {"text": text})
    assert response.status_code == 200
    assert "It cannot be empty" in response.content.decode()
    assert list(PurposeVersion.objects.filter(community=community).values_list("text", flat=True)) == ["Why we exist."]


def test_it_prefills_the_form_with_the_current_purpose(community, sponsor, as_user):
    PurposeVersionFactory(community=community, author=sponsor, text="Old words.")
    PurposeVersionFactory(community=community, author=sponsor, text="Current words.")
    response = as_user(sponsor).get(_url(community))
    assert response.context["form"].initial == {"text": "Current words."}


def test_it_shows_the_current_purpose_rendered_as_markdown(community, sponsor, member, as_user):
    PurposeVersionFactory(community=community, author=sponsor, text="We make care **safer**.<script>x</script>")
    response = as_user(member).get(reverse("communities:direction", kwargs={"slug": community.slug}))
    html = response.content.decode()
    assert "<strong>safer</strong>" in html
    assert "<script>x</script>" not in html
    assert "Edit purpose" not in html  # the member sees no sponsor button


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("newcomer", 200), ("member", 200), ("sponsor", 200)],
)
def test_it_shows_the_purpose_history_to_members(community, personas, as_user, persona, expected):
    PurposeVersionFactory(community=community, author=personas["sponsor"], text="First why.")
    PurposeVersionFactory(community=community, author=personas["sponsor"], text="Second why.")
    response = as_user(personas[persona]).get(_url(community, "communities:direction-purpose-history"))
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert html.index("Second why.") < html.index("First why.")
        assert "Sponsor" in html


def test_it_keeps_the_history_query_count_constant(community, sponsor, member, as_user, django_assert_num_queries):
    client = as_user(member)
    url = _url(community, "communities:direction-purpose-history")
    PurposeVersionFactory.create_batch(3, community=community, author=UserFactory())
    warm(client, url)
    with django_assert_num_queries(HISTORY_QUERIES):
        assert client.get(url).status_code == 200
    PurposeVersionFactory.create_batch(6, community=community, author=UserFactory())
    with django_assert_num_queries(HISTORY_QUERIES):
        assert client.get(url).status_code == 200
