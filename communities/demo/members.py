"""Demo data for membership: invitations (pending, revoked, accepted), a by-request community with a
pending request to join, and a few months of role changes in the activity log."""

from __future__ import annotations

import secrets
from datetime import timedelta

from communities.demo.core import Demo, _account
from communities.models import Community, Invitation, Membership, Role
from communities.models.members import hash_token
from communities.services import members as member_services
from communities.services.community import activity_record

BY_REQUEST_SLUG = "sepsis-champions"


def seed(demo: Demo) -> None:
    community = demo.community
    if Invitation.objects.filter(community=community).exists():
        return  # already seeded
    now = demo.now
    sponsor, facilitator = demo.users["sponsor"], demo.users["facilitator"]
    sponsor_m = Membership.objects.get(community=community, user=sponsor)
    facilitator_m = Membership.objects.get(community=community, user=facilitator)

    # How the core group formed: logged as it happened, months ago.
    history = [
        (118, sponsor, "membership.role", f"{sponsor} changed {facilitator}'s role from Member to Facilitator"),
        (114, facilitator, "membership.role", f"{facilitator} changed Ayla Demir's role from Member to Core group"),
        (109, sponsor, "membership.role", f"{sponsor} changed Bram Smit's role from Member to Core group"),
    ]
    for days, actor, action, summary in history:
        activity_record(
            community=community, actor=actor, action=action, summary=summary, now=now - timedelta(days=days)
        )

    # Two recent colleagues came in by invitation.
    for prefix, days in [("kim", 20), ("lotte", 12)]:
        user = demo.users[prefix]
        Invitation.objects.create(
            community=community,
            email=user.email,
            role=Role.MEMBER,
            token_hash=hash_token(secrets.token_urlsafe(32)),
            state=Invitation.State.ACCEPTED,
            invited_by=facilitator,
            created_at=now - timedelta(days=days + 2),
            expires_at=now - timedelta(days=days + 2) + timedelta(days=14),
            accepted_at=now - timedelta(days=days),
            accepted_by=user,
        )
        activity_record(
            community=community,
            actor=facilitator,
            action="invitation.create",
            summary=f"{facilitator} invited {user.email} as Member",
            now=now - timedelta(days=days + 2),
        )
        activity_record(
            community=community,
            actor=user,
            action="invitation.accept",
            summary=f"{user} accepted an invitation and joined as Member",
            now=now - timedelta(days=days),
        )

    # One sent to a wrong address and revoked, one waiting for the hospital pharmacist to sign up.
    wrong, _ = member_services.invitation_create(
        actor=sponsor_m,
        email="r.dekker@old-hospital.example",
        role=Role.MEMBER,
        message="Join us to share the pharmacy view on high-risk medication.",
        now=now - timedelta(days=9),
    )
    member_services.invitation_revoke(invitation=wrong, actor=sponsor_m, now=now - timedelta(days=8))
    member_services.invitation_create(
        actor=facilitator_m,
        email="invitee@demo.example",
        role=Role.MEMBER,
        message=(
            "We are working on insulin and anticoagulant safety across the wards and would value a "
            "hospital pharmacist's view. The link lets you sign up first."
        ),
        now=now - timedelta(days=3),
    )
    _seed_by_request_community(demo)


def _seed_by_request_community(demo: Demo) -> None:
    """A small by-request community where one person is waiting for a decision."""
    now = demo.now
    community, created = Community.objects.get_or_create(
        slug=BY_REQUEST_SLUG,
        defaults={
            "name": "Sepsis Champions Network",
            "domain": (
                "Ward champions who spread early recognition of sepsis: screening tools, the first hour "
                "of treatment, and learning from cases we caught late."
            ),
            "visibility": Community.Visibility.BY_REQUEST,
            "stage": Community.Stage.COALESCING,
            "time_zone": "Europe/Amsterdam",
            "created_at": now - timedelta(days=60),
        },
    )
    if not created:
        return
    members = [("sponsor", Role.SPONSOR, 60), ("facilitator", Role.FACILITATOR, 59), ("chen", Role.CORE, 50)]
    members += [("jai", Role.MEMBER, 30), ("hugo", Role.MEMBER, 25)]
    for prefix, role, days in members:
        Membership.objects.create(
            community=community, user=demo.users[prefix], role=role, joined_at=now - timedelta(days=days)
        )
    activity_record(
        community=community,
        actor=demo.users["sponsor"],
        action="community.create",
        summary=f"{demo.users['sponsor']} created the community",
        now=now - timedelta(days=60),
    )
    requester = _account("priya@demo.example", "Priya Sharma")
    demo.users["priya"] = requester
    member_services.join_request_create(
        community=community,
        user=requester,
        message=(
            "ICU nurse on the night shift. We caught two septic patients late this winter and I want to "
            "learn how your wards run the screening huddle."
        ),
        now=now - timedelta(days=1),
    )
