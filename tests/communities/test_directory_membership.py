"""Membership by the organisation's directory groups (SSO_GROUP_COMMUNITIES) goes through the membership services."""

from __future__ import annotations

import pytest

from communities.models import ActivityLog, Membership, Role
from communities.services import members as services
from communities.services.sso import group_memberships_apply
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_joining_by_directory_makes_a_member_once_and_logs_it():
    community, user = CommunityFactory(), UserFactory()
    assert services.membership_join_by_directory(community=community, user=user) is True
    assert services.membership_join_by_directory(community=community, user=user) is False
    membership = Membership.objects.get(community=community, user=user)
    assert membership.role == Role.MEMBER
    assert list(ActivityLog.objects.filter(community=community).values_list("action", flat=True)) == [
        "membership.sso_group"
    ]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.CORE])
def test_leaving_by_directory_removes_members_and_core(role):
    membership = MembershipFactory(role=role)
    assert services.membership_leave_by_directory(membership=membership) is True
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert ActivityLog.objects.get(community=membership.community).action == "membership.sso_group_left"


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.SPONSOR])
def test_the_directory_never_takes_a_steering_role_away(role):
    membership = MembershipFactory(role=role)
    assert services.membership_leave_by_directory(membership=membership) is False
    assert Membership.objects.filter(pk=membership.pk, role=role).exists()
    assert not ActivityLog.objects.filter(community=membership.community).exists()


def test_group_mapping_joins_and_leaves_through_the_services():
    CommunityFactory(slug="wards")
    pharmacy, steering = CommunityFactory(slug="pharmacy"), CommunityFactory()
    user = UserFactory()
    MembershipFactory(community=pharmacy, user=user, role=Role.MEMBER)
    MembershipFactory(community=steering, user=user, role=Role.FACILITATOR)
    mapping = {"ward-nurses": "wards", "pharmacists": "pharmacy", "steering": steering.slug}

    result = group_memberships_apply(user=user, groups=["ward-nurses"], mapping=mapping)

    assert result == {"joined": ["wards"], "left": ["pharmacy"]}
    assert set(Membership.objects.filter(user=user).values_list("community__slug", "role")) == {
        ("wards", Role.MEMBER),
        (steering.slug, Role.FACILITATOR),
    }
    assert set(ActivityLog.objects.values_list("community__slug", "action")) == {
        ("wards", "membership.sso_group"),
        ("pharmacy", "membership.sso_group_left"),
    }
