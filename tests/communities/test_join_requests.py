"""Requests to join a by-request community: ask, facilitators decide, the person is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import ActivityLog, Community, JoinRequest, Membership, Notification, OutboundEmail, Role
from communities.services import members as member_services
from tests.factories import UserFactory

HOME = "/c/med-safety/"
ASK = "/c/med-safety/join-request/"


@pytest.fixture
def by_request(community) -> Community:
    community.visibility = Community.Visibility.BY_REQUEST
    community.save(update_fields=["visibility"])
    return community


def decide_url(join_request: JoinRequest, decision: str) -> str:
    return f"/c/med-safety/members/requests/{join_request.pk}/{decision}/"


def ask(community, user, message: str = "") -> JoinRequest:
    return member_services.join_request_create(community=community, user=user, message=message)


def test_it_offers_ask_to_join_on_the_home_page(by_request, outsider, member, as_user):
    body = as_user(outsider).get(HOME).content.decode()
    assert "Ask to join" in body
    assert f'action="{ASK}"' in body
    assert 'name="message"' in body
    assert "Ask to join" not in as_user(member).get(HOME).content.decode()


def test_it_sends_anonymous_visitors_to_log_in(by_request, client):
    assert client.get(HOME)["Location"].startswith("/accounts/login/")
    response = client.post(ASK, {"message": "hi"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not JoinRequest.objects.exists()


def test_it_records_a_request_and_tells_facilitators_and_sponsors(
    by_request, outsider, sponsor, facilitator, core, member, as_user
):
    response = as_user(outsider).post(ASK, {"message": "ICU nurse, keen on sepsis pathways."})
    assert response.status_code == 302
    assert response["Location"] == HOME
    request = JoinRequest.objects.get()
    assert (request.user, request.state, request.message) == (
        outsider,
        JoinRequest.State.PENDING,
        "ICU nurse, keen on sepsis pathways.",
    )
    told = set(Notification.objects.filter(category="membership").values_list("user__email", flat=True))
    assert told == {sponsor.email, facilitator.email}
    assert OutboundEmail.objects.filter(to__in=[sponsor.email, facilitator.email]).count() == 2
    note = Notification.objects.get(user=facilitator)
    assert note.title == "Outsider asks to join Medication Safety Network"
    assert note.url == "/c/med-safety/members/#join-requests"
    assert ActivityLog.objects.get(action="membership.request").actor == outsider
    # The home page now says the request is waiting, with a way to withdraw it.
    body = as_user(outsider).get(HOME).content.decode()
    assert "Your request to join is waiting" in body
    assert 'name="message"' not in body


def test_it_does_not_duplicate_a_pending_request(by_request, outsider, facilitator, as_user):
    client = as_user(outsider)
    client.post(ASK, {"message": "first"})
    response = client.post(ASK, {"message": "second"}, follow=True)
    assert b"You have already asked to join" in response.content
    assert JoinRequest.objects.count() == 1
    assert Notification.objects.filter(user=facilitator).count() == 1


def test_it_keeps_what_was_typed_when_the_message_is_too_long(by_request, outsider, as_user):
    text = "x" * 1001
    response = as_user(outsider).post(ASK, {"message": text})
    assert response.status_code == 200
    assert b"Ensure this value has at most 1000 characters" in response.content
    assert text.encode() in response.content
    assert not JoinRequest.objects.exists()


def test_it_gives_404_on_a_private_community(community, outsider, stranger, as_user):
    assert as_user(outsider).post(ASK, {"message": "let me in"}).status_code == 404
    assert as_user(stranger).get(ASK).status_code == 404
    assert not JoinRequest.objects.exists()


def test_it_points_open_communities_to_joining_directly(community, outsider, as_user):
    community.visibility = Community.Visibility.OPEN
    community.save()
    response = as_user(outsider).post(ASK, follow=True)
    assert b"This community is open: join it directly." in response.content
    assert not JoinRequest.objects.exists()
    with pytest.raises(PermissionDenied):
        ask(community, outsider)


def test_it_lists_pending_requests_for_facilitators_only(by_request, outsider, facilitator, member, as_user):
    ask(by_request, outsider, "Hello from the ICU")
    page = as_user(facilitator).get("/c/med-safety/members/").content.decode()
    assert "Requests to join" in page
    assert "Hello from the ICU" in page
    assert "Requests to join" not in as_user(member).get("/c/med-safety/members/").content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("stranger", 403), ("newcomer", 403), ("member", 403), ("core", 403)],
)
def test_it_lets_only_facilitators_decide(by_request, personas, outsider, as_user, persona, status):
    request = ask(by_request, outsider)
    for decision in ("approve", "decline"):
        assert as_user(personas[persona]).post(decide_url(request, decision)).status_code == status
    request.refresh_from_db()
    assert request.state == JoinRequest.State.PENDING
    assert not Membership.objects.filter(community=by_request, user=outsider).exists()


@pytest.mark.parametrize("decider", ["facilitator", "sponsor"])
def test_it_approves_a_request_and_tells_the_person(by_request, personas, outsider, as_user, decider):
    request = ask(by_request, outsider)
    Notification.objects.all().delete()
    response = as_user(personas[decider]).post(decide_url(request, "approve"))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == JoinRequest.State.APPROVED
    assert request.decided_by == personas[decider]
    assert Membership.objects.get(community=by_request, user=outsider).role == Role.MEMBER
    note = Notification.objects.get(user=outsider)
    assert note.title == "Welcome to Medication Safety Network: your request to join was approved"
    assert OutboundEmail.objects.filter(user=outsider, category="membership").exists()
    assert ActivityLog.objects.filter(action="membership.approve").count() == 1


def test_it_declines_a_request_and_tells_the_person(by_request, facilitator, outsider, as_user):
    request = ask(by_request, outsider)
    as_user(facilitator).post(decide_url(request, "decline"))
    request.refresh_from_db()
    assert request.state == JoinRequest.State.DECLINED
    assert not Membership.objects.filter(community=by_request, user=outsider).exists()
    assert (
        Notification.objects.get(user=outsider).title
        == "Your request to join Medication Safety Network was not approved"
    )
    assert ActivityLog.objects.filter(action="membership.decline").count() == 1
    # They may ask again later.
    assert ask(by_request, outsider).state == JoinRequest.State.PENDING


def test_it_decides_a_request_only_once(by_request, facilitator, sponsor, outsider, as_user):
    request = ask(by_request, outsider)
    as_user(facilitator).post(decide_url(request, "approve"))
    response = as_user(sponsor).post(decide_url(request, "decline"), follow=True)
    assert b"This request was already decided." in response.content
    request.refresh_from_db()
    assert request.state == JoinRequest.State.APPROVED
    assert Membership.objects.filter(community=by_request, user=outsider).count() == 1


def test_it_gives_404_for_a_request_of_another_community(by_request, outsider, stranger, other_community, as_user):
    request = ask(by_request, outsider)
    response = as_user(stranger).post(f"/c/other-net/members/requests/{request.pk}/approve/")
    assert response.status_code == 404


def test_it_lets_the_person_withdraw(by_request, outsider, as_user):
    ask(by_request, outsider)
    response = as_user(outsider).post(f"{ASK}withdraw/")
    assert response.status_code == 302
    assert JoinRequest.objects.get().state == JoinRequest.State.WITHDRAWN
    assert "Ask to join" in as_user(outsider).get(HOME).content.decode()


def test_it_renders_the_pending_requests_in_constant_queries(
    by_request, facilitator, as_user, django_assert_num_queries
):
    client = as_user(facilitator)
    client.get("/c/med-safety/members/")
    for _ in range(3):
        ask(by_request, UserFactory())
    with CaptureQueriesContext(connection) as few:
        client.get("/c/med-safety/members/")
    for _ in range(6):
        ask(by_request, UserFactory())
    with django_assert_num_queries(len(few)):
        body = client.get("/c/med-safety/members/").content.decode()
    assert body.count('class="border-top pt-2 mt-2 join-request"') == 9
