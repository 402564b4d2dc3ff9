"""Creating a community, its home page, joining it, and its settings."""

from __future__ import annotations

import pytest

from communities.models import ActivityLog, Community, Membership, Role
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_community_and_makes_the_creator_its_sponsor(as_user):
    ana = UserFactory()
    response = as_user(ana).post(
        "/c/new/",
        {"name": "Falls Prevention", "slug": "falls", "domain": "Fewer falls on our wards.", "visibility": "private",
         "time_zone": "Europe/Amsterdam"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/c/falls/"
    community = Community.objects.get(slug="falls")
    assert Membership.objects.get(community=community, user=ana).role == Role.SPONSOR
    assert ActivityLog.objects.filter(community=community, action="community.create").exists()
    # The defaults later issues rely on:
    assert (community.response_commitment_hours, community.follow_up_first_days) == (48, 14)
    assert (community.follow_up_every_days, community.follow_up_max_reminders) == (7, 2)


@pytest.mark.parametrize(
    ("slug", "message"),
    [("taken", b"That web address is taken"), ("new", b"is reserved"), ("Not a slug!", b"Enter a valid")],
)
def test_a_bad_slug_is_a_form_error_that_keeps_what_was_typed(as_user, slug, message):
    CommunityFactory(slug="taken")
    response = as_user(UserFactory()).post(
        "/c/new/", {"name": "Sepsis Circle", "slug": slug, "domain": "Spotting sepsis early.", "visibility": "open",
                    "time_zone": "UTC"},
    )  # fmt: skip
    assert response.status_code == 200
    assert message in response.content
    assert b'value="Sepsis Circle"' in response.content
    assert b"Spotting sepsis early." in response.content
    assert not Community.objects.filter(name="Sepsis Circle").exists()


def test_an_unknown_time_zone_is_a_form_error(as_user):
    response = as_user(UserFactory()).post(
        "/c/new/", {"name": "X", "slug": "x", "domain": "y", "visibility": "open", "time_zone": "Mars/Olympus"}
    )
    assert b"is not a known time zone" in response.content


def test_creating_needs_an_account(client):
    assert client.get("/c/new/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("persona", "status"),
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
def test_a_private_community_home_is_for_members_only(as_user, personas, community, persona, status):
    response = as_user(personas[persona]).get(f"/c/{community.slug}/")
    assert response.status_code == status
    if status == 200:
        assert community.name.encode() in response.content


def test_an_outsider_gets_the_same_404_as_for_a_slug_that_never_existed(as_user, community, outsider):
    client = as_user(outsider)
    private = client.get(f"/c/{community.slug}/")
    missing = client.get("/c/never-existed/")
    assert private.status_code == missing.status_code == 404
    assert private.content == missing.content


def test_anonymous_visitors_are_sent_to_log_in_whether_or_not_the_slug_exists(client, community):
    private = client.get(f"/c/{community.slug}/")
    missing = client.get("/c/never-existed/")
    assert private.status_code == missing.status_code == 302
    assert private["Location"] == f"/accounts/login/?next=/c/{community.slug}/"


def test_an_open_community_home_is_visible_to_anyone_and_can_be_joined(client, as_user):
    open_community = CommunityFactory(visibility=Community.Visibility.OPEN)
    assert client.get(f"/c/{open_community.slug}/").status_code == 200
    ana = UserFactory()
    page = as_user(ana).get(f"/c/{open_community.slug}/")
    assert b"Join this community" in page.content
    response = as_user(ana).post(f"/c/{open_community.slug}/join/")
    assert response.status_code == 302
    assert Membership.objects.get(community=open_community, user=ana).role == Role.MEMBER
    as_user(ana).post(f"/c/{open_community.slug}/join/")  # idempotent
    assert Membership.objects.filter(community=open_community, user=ana).count() == 1


def test_a_private_community_cannot_be_joined_by_posting(as_user, community, outsider):
    assert as_user(outsider).post(f"/c/{community.slug}/join/").status_code == 404
    assert not Membership.objects.filter(community=community, user=outsider).exists()


def test_the_start_page_lists_my_communities_and_those_open_to_join(as_user, community, member):
    open_community = CommunityFactory(name="Open Circle", visibility=Community.Visibility.OPEN)
    hidden = CommunityFactory(name="Hidden Circle", visibility=Community.Visibility.PRIVATE)
    response = as_user(member).get("/")
    assert community.name.encode() in response.content
    assert open_community.name.encode() in response.content
    assert hidden.name.encode() not in response.content


def test_the_start_page_query_count_does_not_grow_with_communities(as_user, member, django_assert_num_queries):
    client = as_user(member)
    client.get("/")
    for _ in range(2):
        MembershipFactory(user=member)
        CommunityFactory(visibility=Community.Visibility.OPEN)
    with django_assert_num_queries(6) as few:
        client.get("/")
    for _ in range(10):
        MembershipFactory(user=member)
        CommunityFactory(visibility=Community.Visibility.OPEN)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/")
    assert response.content.count(b"community-card") == 13


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("member", 403), ("core", 403),
     ("facilitator", 200), ("sponsor", 200)],
)  # fmt: skip
def test_settings_are_for_facilitators_and_the_sponsor(as_user, personas, community, persona, status):
    assert as_user(personas[persona]).get(f"/c/{community.slug}/settings/").status_code == status


def settings_data(community, **changes):
    data = {
        "name": community.name, "domain": community.domain, "visibility": community.visibility,
        "stage": "maturing", "time_zone": "Europe/Amsterdam", "response_commitment_hours": 24,
        "follow_up_first_days": 10, "follow_up_every_days": 5, "follow_up_max_reminders": 3,
    }  # fmt: skip
    data.update(changes)
    return data


def test_a_facilitator_changes_the_stage_and_cadence_and_it_is_logged(as_user, community, facilitator):
    response = as_user(facilitator).post(f"/c/{community.slug}/settings/", settings_data(community))
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.stage == "maturing"
    assert (community.response_commitment_hours, community.follow_up_first_days) == (24, 10)
    log = ActivityLog.objects.get(community=community, action="community.settings")
    assert log.actor == facilitator
    assert "lifecycle stage" in log.summary


@pytest.mark.parametrize(
    ("field", "value"),
    [("response_commitment_hours", 0), ("follow_up_first_days", 91), ("follow_up_every_days", 0),
     ("follow_up_max_reminders", 11)],
)  # fmt: skip
def test_a_cadence_out_of_bounds_is_a_form_error_that_keeps_the_input(as_user, community, facilitator, field, value):
    response = as_user(facilitator).post(f"/c/{community.slug}/settings/", settings_data(community, **{field: value}))
    assert response.status_code == 200
    assert b"invalid-feedback" in response.content
    assert f'value="{value}"'.encode() in response.content
    community.refresh_from_db()
    assert community.stage == "potential"  # nothing was saved


def test_a_member_cannot_change_settings(as_user, community, member):
    response = as_user(member).post(f"/c/{community.slug}/settings/", settings_data(community))
    assert response.status_code == 403
    community.refresh_from_db()
    assert community.stage == "potential"
