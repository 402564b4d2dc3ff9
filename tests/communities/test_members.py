"""The members page: the list, roles, removal, leaving, expertise tags."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import ActivityLog, Membership, Notification, OutboundEmail, Role, Tag
from communities.services import members as member_services
from communities.services import tags as tag_services
from tests.factories import MembershipFactory, TagFactory, UserFactory

URL = "/c/med-safety/members/"


def strip_csrf(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def membership(community, user) -> Membership:
    return Membership.objects.get(community=community, user=user)


def row(response, m: Membership) -> str:
    """The table row of one member."""
    match = re.search(rf'(?s)<tr id="member-{m.pk}">.*?</tr>', response.content.decode())
    assert match, f"no row for {m}"
    return match.group(0)


def role_url(m: Membership) -> str:
    return f"{URL}{m.pk}/role/"


def remove_url(m: Membership) -> str:
    return f"{URL}{m.pk}/remove/"


# --- the list --------------------------------------------------------------------------------


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
def test_it_shows_members_only_to_members(personas, as_user, persona, status):
    response = as_user(personas[persona]).get(URL)
    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={URL}"


def test_it_gives_the_same_404_as_a_slug_that_never_existed(outsider, community, as_user):
    private = as_user(outsider).get(URL)
    missing = as_user(outsider).get("/c/never-was/members/")
    assert private.status_code == missing.status_code == 404
    assert strip_csrf(private.content) == strip_csrf(missing.content)


def test_it_lists_names_roles_newcomer_badges_and_expertise(community, personas, member, as_user):
    sepsis = TagFactory(community=community, name="sepsis", slug="sepsis")
    membership(community, member).expertise.add(sepsis)
    response = as_user(member).get(URL)
    expected = {
        "sponsor": "Sponsor",
        "facilitator": "Facilitator",
        "core": "Core group",
        "member": "Member",
        "newcomer": "Member",
    }
    for persona, role_label in expected.items():
        html = row(response, membership(community, personas[persona]))
        assert personas[persona].name in html
        assert f">{role_label}</span>" in html
        assert ("Newcomer</span>" in html) == (persona == "newcomer")
    assert 'href="?tag=sepsis">sepsis</a>' in row(response, membership(community, member))
    body = response.content.decode()
    # Sponsors first, members last.
    assert body.index("Sponsor</span>") < body.index("Facilitator</span>") < body.index("Core group</span>")


def test_it_stops_being_a_newcomer_after_thirty_days(community, member, as_user):
    joined = timezone.now()
    fresh = MembershipFactory(community=community, user=UserFactory(display_name="Fresh Face"), joined_at=joined)
    with time_machine.travel(joined + timedelta(days=29, hours=23), tick=False):
        assert "Newcomer" in row(as_user(member).get(URL), fresh)
    with time_machine.travel(joined + timedelta(days=30, minutes=1), tick=False):
        assert "Newcomer" not in row(as_user(member).get(URL), fresh)


def test_it_filters_by_expertise(community, member, core, as_user):
    tag = TagFactory(community=community, name="handover", slug="handover")
    membership(community, core).expertise.add(tag)
    body = as_user(member).get(URL + "?tag=handover").content.decode()
    assert "with expertise in handover" in body
    assert f'id="member-{membership(community, core).pk}"' in body
    assert f'id="member-{membership(community, member).pk}"' not in body
    assert "No members match" in as_user(member).get(URL + "?tag=unknown").content.decode()


def test_it_paginates(community, member, as_user):
    for _ in range(35):
        MembershipFactory(community=community)
    first = as_user(member).get(URL).content.decode()
    assert "Page 1 of 2" in first
    assert first.count('<tr id="member-') == 30
    second = as_user(member).get(URL + "?page=2").content.decode()
    assert second.count('<tr id="member-') == 6


def _add_members(community, n: int) -> None:
    for i in range(n):
        m = MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=i))
        m.expertise.add(TagFactory(community=community))


@pytest.mark.parametrize("persona", ["member", "facilitator"])
def test_it_renders_the_list_in_a_constant_number_of_queries(
    community, personas, as_user, django_assert_num_queries, persona
):
    client = as_user(personas[persona])
    client.get(URL)  # the first request of a session writes the idle-timeout stamp
    _add_members(community, 5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    _add_members(community, 15)  # 3× the members and tags, still one page
    # session, user, community, my membership, count, page, expertise (prefetch), my expertise,
    # the tag choices, the navbar's two figures; facilitators add join requests and invitations.
    expected = 11 if persona == "member" else 13
    with django_assert_num_queries(expected):
        assert client.get(URL).status_code == 200
    assert len(small) == expected


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("newcomer", 403), ("member", 403), ("core", 403)],
)
def test_it_refuses_role_changes_below_facilitator(community, personas, member, as_user, persona, status):
    target = membership(community, personas["newcomer"])
    response = as_user(personas[persona]).post(role_url(target), {"role": "core"})
    assert response.status_code == status
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_it_lets_a_facilitator_change_a_role_logs_it_and_tells_the_member(community, facilitator, member, as_user):
    target = membership(community, member)
    response = as_user(facilitator).post(role_url(target), {"role": "core"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.CORE
    entry = ActivityLog.objects.get(action="membership.role")
    assert entry.actor == facilitator
    assert entry.summary == "Facilitator changed Member's role from Member to Core group"
    note = Notification.objects.get(user=member)
    assert note.category == "membership"
    assert note.title == "Your role in Medication Safety Network is now Core group"
    assert OutboundEmail.objects.filter(user=member, category="membership").count() == 1


def test_it_lets_only_a_sponsor_appoint_or_change_a_sponsor(community, sponsor, facilitator, member, as_user):
    target = membership(community, member)
    assert as_user(facilitator).post(role_url(target), {"role": "sponsor"}).status_code == 403
    target.refresh_from_db()
    assert target.role == Role.MEMBER
    assert as_user(facilitator).post(role_url(membership(community, sponsor)), {"role": "member"}).status_code == 403
    assert as_user(facilitator).post(remove_url(membership(community, sponsor))).status_code == 403
    assert membership(community, sponsor).role == Role.SPONSOR

    assert as_user(sponsor).post(role_url(target), {"role": "sponsor"}).status_code == 302
    target.refresh_from_db()
    assert target.role == Role.SPONSOR


def test_it_never_demotes_or_removes_the_last_sponsor(community, sponsor, as_user):
    own = membership(community, sponsor)
    response = as_user(sponsor).post(role_url(own), {"role": "facilitator"}, follow=True)
    assert response.status_code == 200
    assert b"A community needs a sponsor: appoint another sponsor first." in response.content
    own.refresh_from_db()
    assert own.role == Role.SPONSOR
    response = as_user(sponsor).post(f"{URL}leave/", follow=True)
    assert b"A community needs a sponsor" in response.content
    assert Membership.objects.filter(pk=own.pk).exists()
    with pytest.raises(ValidationError):
        member_services.membership_remove(actor=own, target=own)
    assert not ActivityLog.objects.filter(action__in=["membership.role", "membership.remove", "membership.leave"])


def test_it_lets_a_sponsor_step_down_once_there_is_another(community, sponsor, member, as_user):
    client = as_user(sponsor)
    client.post(role_url(membership(community, member)), {"role": "sponsor"})
    client.post(role_url(membership(community, sponsor)), {"role": "facilitator"})
    assert membership(community, sponsor).role == Role.FACILITATOR
    assert membership(community, member).role == Role.SPONSOR


def test_it_rejects_an_unknown_role(community, facilitator, member, as_user):
    response = as_user(facilitator).post(role_url(membership(community, member)), {"role": "king"}, follow=True)
    assert b"Choose one of the roles" in response.content
    assert membership(community, member).role == Role.MEMBER


def test_it_gives_404_for_a_member_of_another_community(community, facilitator, stranger, other_community, as_user):
    theirs = membership(other_community, stranger)
    assert as_user(facilitator).post(role_url(theirs), {"role": "core"}).status_code == 404
    assert as_user(facilitator).post(remove_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.FACILITATOR


def test_it_checks_the_actor_in_the_service_too(community, member, core):
    with pytest.raises(PermissionDenied):
        member_services.membership_role_change(
            actor=membership(community, member), target=membership(community, core), role=Role.MEMBER
        )


# --- removing and leaving ----------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("member", 403), ("core", 403)])
def test_it_refuses_removal_below_facilitator(community, personas, as_user, persona, status):
    target = membership(community, personas["newcomer"])
    assert as_user(personas[persona]).post(remove_url(target)).status_code == status
    assert Membership.objects.filter(pk=target.pk).exists()


def test_it_removes_a_member_logs_it_and_tells_them(community, facilitator, member, as_user):
    target = membership(community, member)
    response = as_user(facilitator).post(remove_url(target))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert ActivityLog.objects.get(action="membership.remove").summary == "Facilitator removed Member"
    assert Notification.objects.get(user=member).title == "You are no longer a member of Medication Safety Network"
    assert as_user(member).get(URL).status_code == 404  # private: gone for them now


def test_it_lets_a_member_leave(community, member, as_user):
    response = as_user(member).post(f"{URL}leave/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Membership.objects.filter(community=community, user=member).exists()
    assert ActivityLog.objects.get(action="membership.leave").actor == member


def test_it_only_leaves_on_post(member, as_user):
    assert as_user(member).get(f"{URL}leave/").status_code == 405


def test_it_tells_the_last_sponsor_on_the_page_why_they_cannot_leave(sponsor, facilitator, as_user):
    assert b"You are the only sponsor" in as_user(sponsor).get(URL).content
    assert b"You are the only sponsor" not in as_user(facilitator).get(URL).content


# --- expertise -------------------------------------------------------------------------------


def test_it_normalises_and_creates_tags_from_text(community):
    existing = Tag.objects.create(community=community, name="hand over", slug="hand-over")
    tags = tag_services.tags_from_text(community, "  Sepsis ,HAND   over, , insulin  dosing., sepsis")
    assert [t.name for t in tags] == ["sepsis", "hand over", "insulin dosing"]
    assert tags[1] == existing
    assert set(Tag.objects.filter(community=community).values_list("slug", flat=True)) == {
        "sepsis",
        "hand-over",
        "insulin-dosing",
    }
    assert tag_services.tags_from_text(community, " , ") == []
    with pytest.raises(ValidationError):
        tag_services.tags_from_text(community, "x" * 41)


def test_it_keeps_tags_per_community(community, other_community):
    ours = tag_services.tags_from_text(community, "sepsis")
    theirs = tag_services.tags_from_text(other_community, "sepsis")
    assert ours[0].pk != theirs[0].pk


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("outsider", 404), ("stranger", 404)])
def test_it_lets_only_members_edit_expertise(personas, as_user, persona, status):
    response = as_user(personas[persona]).post(f"{URL}expertise/", {"new_tags": "sepsis"})
    assert response.status_code == status
    assert not Tag.objects.filter(slug="sepsis").exists()


def test_it_lets_a_member_choose_existing_and_add_new_expertise(community, member, as_user):
    handover = TagFactory(community=community, name="handover", slug="handover")
    TagFactory(community=community, name="falls", slug="falls")
    response = as_user(member).post(f"{URL}expertise/", {"tags": [handover.pk], "new_tags": "Sepsis, Insulin Dosing"})
    assert response.status_code == 302
    mine = membership(community, member)
    assert sorted(mine.expertise.values_list("name", flat=True)) == ["handover", "insulin dosing", "sepsis"]
    # Saving again with fewer replaces the set.
    as_user(member).post(f"{URL}expertise/", {"tags": [handover.pk], "new_tags": ""})
    assert list(mine.expertise.values_list("name", flat=True)) == ["handover"]


def test_it_keeps_what_was_typed_when_a_tag_is_too_long(community, member, as_user):
    long = "a" * 45
    response = as_user(member).post(f"{URL}expertise/", {"new_tags": f"sepsis, {long}"})
    assert response.status_code == 200
    assert b"too long for a tag" in response.content
    assert f'value="sepsis, {long}"'.encode() in response.content
    assert not membership(community, member).expertise.exists()


def test_it_ignores_tags_of_another_community(community, other_community, member, as_user):
    foreign = TagFactory(community=other_community, name="secret", slug="secret")
    TagFactory(community=community, name="handover", slug="handover")
    response = as_user(member).post(f"{URL}expertise/", {"tags": [foreign.pk]})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not membership(community, member).expertise.exists()


def test_it_shows_the_members_tab(member, as_user):
    body = as_user(member).get(URL).content.decode()
    assert 'aria-current="page" href="/c/med-safety/members/">Members</a>' in body


# --- demo data -------------------------------------------------------------------------------


def test_it_seeds_invitations_a_join_request_and_history_idempotently(db):
    from communities.demo import core as demo_core
    from communities.demo import members as demo_members
    from communities.models import Community, Invitation, JoinRequest

    for _ in range(2):
        demo = demo_core.seed()
        demo_members.seed(demo)
    private = demo.community
    states = sorted(Invitation.objects.filter(community=private).values_list("email", "state"))
    assert ("invitee@demo.example", "pending") in states
    assert ("r.dekker@old-hospital.example", "revoked") in states
    assert len(states) == 4
    assert not Membership.objects.filter(community=private, user__email="outsider@demo.example").exists()
    assert ActivityLog.objects.filter(community=private, action__startswith="membership.").count() >= 3
    by_request = Community.objects.get(slug="sepsis-champions")
    assert by_request.visibility == Community.Visibility.BY_REQUEST
    pending = JoinRequest.objects.get(community=by_request)
    assert pending.state == JoinRequest.State.PENDING
    assert pending.user.email == "priya@demo.example"
