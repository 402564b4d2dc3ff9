"""Invitations: facilitators invite by email; the link expires, can be revoked, works once, and
works for people who sign up after receiving it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from communities.models import ActivityLog, Invitation, Membership, Notification, OutboundEmail, Role
from communities.services import members as member_services
from tests.factories import UserFactory
from tests.support.mail import sent_mail

GOOD_PASSWORD = "correct horse battery staple"


def invite_url(slug: str = "med-safety") -> str:
    return f"/c/{slug}/members/invite/"


def link_from(email: OutboundEmail) -> str:
    match = re.search(r"http://testserver(/invitations/[\w-]+/)", email.body_text)
    assert match, email.body_text
    return match.group(1)


def membership(community, user) -> Membership:
    return Membership.objects.get(community=community, user=user)


def invite(community, inviter, email="ann@newhospital.example", role=Role.MEMBER, **kwargs) -> tuple[Invitation, str]:
    invitation, token = member_services.invitation_create(
        actor=membership(community, inviter), email=email, role=role, **kwargs
    )
    return invitation, f"/invitations/{token}/"


# --- sending ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("site_admin", 404),
        ("newcomer", 403),
        ("member", 403),
        ("core", 403),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_lets_only_facilitators_and_sponsors_open_the_invite_form(personas, as_user, persona, status):
    response = as_user(personas[persona]).get(invite_url())
    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("stranger", 404), ("member", 403), ("core", 403)])
def test_it_refuses_invitations_from_below_facilitator(personas, as_user, persona, status):
    response = as_user(personas[persona]).post(invite_url(), {"email": "x@example.org", "role": "member"})
    assert response.status_code == status
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_it_sends_an_invitation_email_to_an_address_without_an_account(community, facilitator, as_user):
    response = as_user(facilitator).post(
        invite_url(), {"email": " Ann@NewHospital.example ", "role": "core", "message": "Join our handover work!"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/c/med-safety/members/#invitations"
    invitation = Invitation.objects.get()
    assert invitation.email == "ann@newhospital.example"
    assert invitation.role == Role.CORE
    assert invitation.state == Invitation.State.PENDING
    assert invitation.invited_by == facilitator
    assert abs(invitation.expires_at - (invitation.created_at + timedelta(days=14))) < timedelta(seconds=1)
    email = OutboundEmail.objects.get()
    assert email.to == "ann@newhospital.example"
    assert email.user is None
    assert email.category == "membership"
    assert "Facilitator invites you to join Medication Safety Network" in email.subject
    assert "Join our handover work!" in email.body_text
    assert "Core group" in email.body_text
    # No unsubscribe link for a one-off email to someone who subscribed to nothing.
    assert "unsubscribe" not in email.body_text.lower()
    assert "unsubscribe" not in email.body_html.lower()
    assert email.headers == {}
    # The token is in the link, never in the database.
    path = link_from(email)
    token = path.split("/")[2]
    assert len(token) >= 40
    assert token not in invitation.token_hash
    assert ActivityLog.objects.filter(community=community, action="invitation.create").count() == 1


def test_it_keeps_what_was_typed_when_the_address_is_invalid(facilitator, as_user):
    response = as_user(facilitator).post(invite_url(), {"email": "not-an-address", "role": "core", "message": "Hi"})
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.content
    assert b'value="not-an-address"' in response.content
    assert b"Hi</textarea>" in response.content
    assert not Invitation.objects.exists()


def test_it_lets_only_a_sponsor_invite_a_facilitator(community, facilitator, sponsor, as_user):
    response = as_user(facilitator).post(invite_url(), {"email": "lead@example.org", "role": "facilitator"})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not Invitation.objects.exists()
    with pytest.raises(PermissionDenied):
        invite(community, facilitator, email="lead@example.org", role=Role.SPONSOR)

    response = as_user(sponsor).post(invite_url(), {"email": "lead@example.org", "role": "facilitator"})
    assert response.status_code == 302
    assert Invitation.objects.get().role == Role.FACILITATOR


def test_it_refuses_a_second_pending_invitation_and_a_current_member(community, facilitator, member, as_user):
    invite(community, facilitator)
    response = as_user(facilitator).post(invite_url(), {"email": "ANN@newhospital.example", "role": "member"})
    assert response.status_code == 200
    assert b"already has a pending invitation" in response.content
    response = as_user(facilitator).post(invite_url(), {"email": member.email, "role": "member"})
    assert b"is already a member" in response.content
    assert Invitation.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


def test_it_can_invite_an_address_again_once_the_old_invitation_expired(community, facilitator):
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        old, _ = invite(community, facilitator)
    new, _ = invite(community, facilitator)
    old.refresh_from_db()
    assert old.state == Invitation.State.EXPIRED
    assert new.state == Invitation.State.PENDING


# --- accepting -------------------------------------------------------------------------------


def test_it_shows_the_invitation_to_anonymous_visitors_with_login_and_signup_links(community, facilitator, client):
    _, path = invite(community, facilitator, role=Role.CORE)
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert "You are invited to join Medication Safety Network" in body
    assert f'href="/accounts/login/?next={path}"' in body
    assert f'href="/accounts/signup/?next={path}"' in body
    # Posting without an account sends to log in first.
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert Invitation.objects.get().state == Invitation.State.PENDING


def test_it_gives_404_for_a_token_that_was_never_issued(client, outsider, as_user):
    assert client.get("/invitations/not-a-real-token/").status_code == 404
    assert as_user(outsider).post("/invitations/not-a-real-token/").status_code == 404


def test_it_accepts_an_invitation_for_an_existing_account(community, facilitator, outsider, as_user):
    invitation, path = invite(community, facilitator, email=outsider.email, role=Role.CORE)
    client = as_user(outsider)
    page = client.get(path)
    assert b"Accept and join as Core group" in page.content
    assert b"not ann@" not in page.content  # same address: no warning
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == "/c/med-safety/"
    assert membership(community, outsider).role == Role.CORE
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED
    assert invitation.accepted_by == outsider
    assert client.get("/c/med-safety/").status_code == 200
    assert Notification.objects.filter(user=facilitator, category="membership", title__contains="accepted").exists()
    assert ActivityLog.objects.filter(community=community, action="invitation.accept").count() == 1


def test_it_lets_a_different_signed_in_account_accept_a_valid_link_and_logs_it(
    community, facilitator, outsider, as_user
):
    _, path = invite(community, facilitator, email="ann@newhospital.example")
    client = as_user(outsider)
    assert b"You are signed in as <strong>outsider@example.org</strong>" in client.get(path).content
    client.post(path)
    assert membership(community, outsider).role == Role.MEMBER
    entry = ActivityLog.objects.get(action="invitation.accept")
    assert "sent to ann@newhospital.example" in entry.summary


def test_it_works_only_once(community, facilitator, outsider, as_user):
    _, path = invite(community, facilitator, email=outsider.email)
    assert as_user(outsider).post(path).status_code == 302
    # The same person coming back is simply taken to the community.
    again = as_user(outsider).get(path)
    assert again.status_code == 302
    assert again["Location"] == "/c/med-safety/"
    # Anyone else holding the link is told it was used, and does not join.
    other = UserFactory(email="forwarded@example.org")
    response = as_user(other).post(path)
    assert response.status_code == 410
    assert b"already been used" in response.content
    assert not Membership.objects.filter(community=community, user=other).exists()
    assert Membership.objects.filter(community=community, user=outsider).count() == 1


def test_it_expires_after_fourteen_days(community, facilitator, outsider, as_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        invitation, path = invite(community, facilitator, email=outsider.email)
    with time_machine.travel(start + timedelta(days=13, hours=23), tick=False):
        assert as_user(outsider).get(path).status_code == 200
    with time_machine.travel(start + timedelta(days=14, minutes=1), tick=False):
        response = as_user(outsider).post(path)
        assert response.status_code == 410
        assert b"This invitation has expired" in response.content
        assert b"Ask Facilitator to send a new one" in response.content
        assert as_user(None).get(path).status_code == 410
    assert not Membership.objects.filter(community=community, user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.PENDING  # shown as expired; closed when re-invited


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("member", 403), ("core", 403)])
def test_it_lets_only_facilitators_revoke(community, facilitator, personas, as_user, persona, status):
    invitation, _ = invite(community, facilitator)
    response = as_user(personas[persona]).post(f"/c/med-safety/members/invitations/{invitation.pk}/revoke/")
    assert response.status_code == status
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.PENDING


def test_it_revokes_so_the_link_stops_working(community, facilitator, sponsor, outsider, as_user):
    invitation, path = invite(community, facilitator, email=outsider.email)
    response = as_user(sponsor).post(f"/c/med-safety/members/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED
    assert invitation.revoked_by == sponsor
    response = as_user(outsider).post(path)
    assert response.status_code == 410
    assert b"This invitation was withdrawn" in response.content
    assert not Membership.objects.filter(community=community, user=outsider).exists()
    assert ActivityLog.objects.filter(action="invitation.revoke").count() == 1
    # Revoking twice is a message, not an error.
    again = as_user(sponsor).post(f"/c/med-safety/members/invitations/{invitation.pk}/revoke/", follow=True)
    assert b"no longer pending" in again.content


def test_it_lets_only_a_sponsor_revoke_a_facilitator_invitation(community, facilitator, sponsor, as_user):
    invitation, _ = invite(community, sponsor, role=Role.FACILITATOR)
    response = as_user(facilitator).post(f"/c/med-safety/members/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.PENDING


def test_it_gives_404_for_an_invitation_of_another_community(
    community, facilitator, stranger, other_community, as_user
):
    invitation, _ = invite(community, facilitator)
    response = as_user(stranger).post(f"/c/other-net/members/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 404


def test_it_lists_pending_invitations_for_facilitators(community, facilitator, member, as_user):
    invite(community, facilitator, email="pending@example.org")
    revoked, _ = invite(community, facilitator, email="revoked@example.org")
    member_services.invitation_revoke(invitation=revoked, actor=membership(community, facilitator))
    page = as_user(facilitator).get("/c/med-safety/members/").content.decode()
    assert "pending@example.org" in page
    assert "revoked@example.org" not in page
    assert "pending@example.org" not in as_user(member).get("/c/med-safety/members/").content.decode()


# --- sign-up after the invitation ---------------------------------------------------------------


def test_it_brings_a_new_person_through_sign_up_and_verification_back_to_accept(community, facilitator, client):
    _, path = invite(community, facilitator, email="ann@newhospital.example", role=Role.CORE)
    # The invitation page sends them to sign up, carrying the way back.
    client.get(path)
    response = client.post(
        f"/accounts/signup/?next={path}",
        {
            "email": "ann@newhospital.example",
            "display_name": "Ann Dekker",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
            "next": path,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    confirm = re.search(r"https?://testserver(/accounts/confirm-email/\S+)", sent_mail()[-1].body).group(1)
    response = client.post(confirm)
    assert response.status_code == 302
    assert response["Location"] == path  # logged in and back at the invitation
    page = client.get(path)
    assert b"Accept and join as Core group" in page.content
    response = client.post(path)
    assert response.status_code == 302
    ann = Membership.objects.select_related("user").get(community=community, user__email="ann@newhospital.example")
    assert ann.role == Role.CORE
    assert ann.user.display_name == "Ann Dekker"


def test_it_brings_an_existing_person_back_after_logging_in(community, facilitator, outsider, client):
    from tests.factories import PASSWORD

    _, path = invite(community, facilitator, email=outsider.email)
    response = client.post(
        f"/accounts/login/?next={path}", {"login": outsider.email, "password": PASSWORD, "next": path}
    )
    assert response.status_code == 302
    assert response["Location"] == path
    client.post(path)
    assert Membership.objects.filter(community=community, user=outsider).exists()
