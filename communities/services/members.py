"""Membership and roles: join requests, invitations, role changes, leaving, expertise tags.

Rules (see the README section "Members, roles and invitations"):
- facilitators and sponsors change roles and remove members; only a sponsor makes someone a
  sponsor, or changes or removes a sponsor; the last sponsor can never go (ValidationError);
- facilitators invite as member or core; only a sponsor invites a facilitator or a sponsor;
- an invitation's token is the credential: a signed-in person holding a valid link may accept it
  even under another email address than the one invited (the accepting account is logged).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from communities.models import Category, Community, Invitation, JoinRequest, Membership, Role, Tag, User
from communities.models.members import hash_token
from communities.services.community import activity_record, ensure_not_last_sponsor
from communities.services.notify import absolute_url, notify, queue_email
from communities.services.tags import tags_from_text

TAGS_PER_MEMBER_MAX = 20
# Roles a facilitator may hand out by invitation; a sponsor may invite any role.
FACILITATOR_INVITES = (Role.MEMBER, Role.CORE)


def _members_url(community: Community) -> str:
    return reverse("communities:members", kwargs={"slug": community.slug})


def _lock_sponsors(community: Community) -> None:
    """Serialise sponsor changes on PostgreSQL (SQLite's IMMEDIATE transactions already do)."""
    list(Membership.objects.select_for_update().filter(community=community, role=Role.SPONSOR).values_list("pk"))


# --- expertise tags ------------------------------------------------------------------------


@transaction.atomic
def membership_expertise_set(*, membership: Membership, tags: Iterable[Tag] = (), new_tags_text: str = "") -> list[Tag]:
    """Replace a member's expertise with ``tags`` (existing tags of the community) plus new ones typed."""
    chosen = {t.pk: t for t in tags if t.community_id == membership.community_id}
    for tag in tags_from_text(membership.community, new_tags_text):
        chosen.setdefault(tag.pk, tag)
    if len(chosen) > TAGS_PER_MEMBER_MAX:
        raise ValidationError(f"Choose at most {TAGS_PER_MEMBER_MAX} areas of expertise.")
    membership.expertise.set(list(chosen.values()))
    return sorted(chosen.values(), key=lambda t: t.name)


# --- roles, removal, leaving -----------------------------------------------------------------


def _require_can_manage(actor: Membership, target: Membership, new_role: str | None = None) -> None:
    if actor.community_id != target.community_id or not actor.has_role(Role.FACILITATOR):
        raise PermissionDenied("Only facilitators and sponsors manage members.")
    if (target.role == Role.SPONSOR or new_role == Role.SPONSOR) and not actor.is_sponsor:
        raise PermissionDenied("Only a sponsor appoints, changes or removes a sponsor.")


@transaction.atomic
def membership_role_change(
    *, actor: Membership, target: Membership, role: str, now: datetime | None = None
) -> Membership:
    """Give ``target`` a new role; logged, and the member is told."""
    now = now or timezone.now()
    role = Role(role)
    _require_can_manage(actor, target, role)
    if target.role == role:
        return target
    _lock_sponsors(target.community)
    target.refresh_from_db(fields=["role"])
    if role != Role.SPONSOR:
        ensure_not_last_sponsor(membership=target)
    old = target.get_role_display()
    target.role = role
    target.save(update_fields=["role"])
    community = target.community
    activity_record(
        community=community,
        actor=actor.user,
        action="membership.role",
        summary=f"{actor.user} changed {target.user}'s role from {old} to {role.label}",
        now=now,
    )
    notify(
        recipients=[target.user],
        category=Category.MEMBERSHIP,
        title=f"Your role in {community.name} is now {role.label}",
        body=f"{actor.user} changed your role from {old} to {role.label}.",
        url=_members_url(community),
        community=community,
        actor=actor.user,
        now=now,
    )
    return target


@transaction.atomic
def membership_remove(*, actor: Membership, target: Membership, now: datetime | None = None) -> None:
    """Remove ``target`` from the community; logged, and the person is told."""
    now = now or timezone.now()
    _require_can_manage(actor, target)
    _lock_sponsors(target.community)
    ensure_not_last_sponsor(membership=target)
    community, user = target.community, target.user
    target.delete()
    activity_record(
        community=community,
        actor=actor.user,
        action="membership.remove",
        summary=f"{actor.user} removed {user}",
        now=now,
    )
    notify(
        recipients=[user],
        category=Category.MEMBERSHIP,
        title=f"You are no longer a member of {community.name}",
        body=f"{actor.user} removed you from the community.",
        url=reverse("communities:index"),
        community=community,
        actor=actor.user,
        now=now,
    )


@transaction.atomic
def membership_leave(*, membership: Membership, now: datetime | None = None) -> None:
    """Leave a community; the last sponsor must appoint another sponsor first."""
    _lock_sponsors(membership.community)
    ensure_not_last_sponsor(membership=membership)
    community, user = membership.community, membership.user
    membership.delete()
    activity_record(community=community, actor=user, action="membership.leave", summary=f"{user} left", now=now)


# --- the organisation's directory (single sign-on groups, SSO_GROUP_COMMUNITIES) -----------------

# Roles the directory never takes away: the people who steer a community keep their place.
DIRECTORY_KEPT_ROLES = (Role.FACILITATOR, Role.SPONSOR)


@transaction.atomic
def membership_join_by_directory(*, community: Community, user: User, now: datetime | None = None) -> bool:
    """Make ``user`` a member because the identity provider puts them in the community's group.

    Returns True when a membership was created (False: they were a member already). Logged.
    """
    now = now or timezone.now()
    _, created = Membership.objects.get_or_create(
        community=community, user=user, defaults={"role": Role.MEMBER, "joined_at": now}
    )
    if created:
        activity_record(
            community=community,
            actor=user,
            action="membership.sso_group",
            summary=f"{user} joined through the organisation's group",
            now=now,
        )
    return created


@transaction.atomic
def membership_leave_by_directory(*, membership: Membership, now: datetime | None = None) -> bool:
    """Remove a member or core member the identity provider no longer puts in the community's group.

    Facilitators and sponsors keep their place (returns False); so does the last sponsor, always. Logged.
    """
    if membership.role in DIRECTORY_KEPT_ROLES:
        return False
    community, user = membership.community, membership.user
    deleted, _ = Membership.objects.filter(pk=membership.pk, role__in=[Role.MEMBER, Role.CORE]).delete()
    if deleted:
        activity_record(
            community=community,
            actor=user,
            action="membership.sso_group_left",
            summary=f"{user} left: no longer in the organisation's group",
            now=now,
        )
    return bool(deleted)


# --- join requests (by-request communities) ----------------------------------------------------


@transaction.atomic
def join_request_create(
    *, community: Community, user: User, message: str = "", now: datetime | None = None
) -> JoinRequest:
    """Ask to join a by-request community; facilitators and sponsors are told."""
    now = now or timezone.now()
    if community.visibility != Community.Visibility.BY_REQUEST:
        raise PermissionDenied("This community does not take requests to join.")
    if Membership.objects.filter(community=community, user=user).exists():
        raise ValidationError("You are already a member of this community.")
    if JoinRequest.objects.filter(community=community, user=user, state=JoinRequest.State.PENDING).exists():
        raise ValidationError("You have already asked to join; the facilitators will decide soon.")
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(
                community=community, user=user, message=message.strip(), created_at=now
            )
    except IntegrityError:  # a double submit racing the check above
        raise ValidationError("You have already asked to join; the facilitators will decide soon.") from None
    activity_record(
        community=community, actor=user, action="membership.request", summary=f"{user} asked to join", now=now
    )
    deciders = [m.user for m in community.memberships.facilitators().select_related("user")]
    notify(
        recipients=deciders,
        category=Category.MEMBERSHIP,
        title=f"{user} asks to join {community.name}",
        body=message.strip(),
        url=_members_url(community) + "#join-requests",
        community=community,
        actor=user,
        now=now,
    )
    return request


def _decide(join_request: JoinRequest, actor: Membership, state: str, now: datetime) -> bool:
    if actor.community_id != join_request.community_id or not actor.has_role(Role.FACILITATOR):
        raise PermissionDenied("Only facilitators and sponsors decide on requests to join.")
    # The conditional update decides a race between two facilitators: the first decision wins.
    changed = JoinRequest.objects.filter(pk=join_request.pk, state=JoinRequest.State.PENDING).update(
        state=state, decided_at=now, decided_by=actor.user
    )
    if not changed:
        raise ValidationError("This request was already decided.")
    join_request.refresh_from_db()
    return True


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, actor: Membership, now: datetime | None = None) -> Membership:
    """Approve a request: the person becomes a member and is told."""
    now = now or timezone.now()
    _decide(join_request, actor, JoinRequest.State.APPROVED, now)
    community, user = join_request.community, join_request.user
    membership, _ = Membership.objects.get_or_create(
        community=community, user=user, defaults={"role": Role.MEMBER, "joined_at": now}
    )
    activity_record(
        community=community,
        actor=actor.user,
        action="membership.approve",
        summary=f"{actor.user} approved {user}'s request to join",
        now=now,
    )
    notify(
        recipients=[user],
        category=Category.MEMBERSHIP,
        title=f"Welcome to {community.name}: your request to join was approved",
        url=community.get_absolute_url(),
        community=community,
        actor=actor.user,
        now=now,
    )
    return membership


@transaction.atomic
def join_request_decline(*, join_request: JoinRequest, actor: Membership, now: datetime | None = None) -> JoinRequest:
    """Decline a request; the person is told (and may ask again later)."""
    now = now or timezone.now()
    _decide(join_request, actor, JoinRequest.State.DECLINED, now)
    community, user = join_request.community, join_request.user
    activity_record(
        community=community,
        actor=actor.user,
        action="membership.decline",
        summary=f"{actor.user} declined {user}'s request to join",
        now=now,
    )
    notify(
        recipients=[user],
        category=Category.MEMBERSHIP,
        title=f"Your request to join {community.name} was not approved",
        url=reverse("communities:index"),
        community=community,
        actor=actor.user,
        now=now,
    )
    return join_request


@transaction.atomic
def join_request_withdraw(*, community: Community, user: User, now: datetime | None = None) -> int:
    """Withdraw one's own pending request; returns how many were withdrawn (0 or 1)."""
    return JoinRequest.objects.filter(community=community, user=user, state=JoinRequest.State.PENDING).update(
        state=JoinRequest.State.WITHDRAWN, decided_at=now or timezone.now(), decided_by=user
    )


# --- invitations (any community; the way into a private one) -----------------------------------


def invitable_roles(actor: Membership) -> list[Role]:
    if actor.is_sponsor:
        return list(Role)
    if actor.has_role(Role.FACILITATOR):
        return list(FACILITATOR_INVITES)
    return []


def invitation_url(token: str) -> str:
    return absolute_url(reverse("communities:invitation", kwargs={"token": token}))


@transaction.atomic
def invitation_create(
    *, actor: Membership, email: str, role: str = Role.MEMBER, message: str = "", now: datetime | None = None
) -> tuple[Invitation, str]:
    """Invite an email address with a role; returns the invitation and its (never stored) token.

    The invitation email goes out through the outbox to the address, account or not.
    """
    now = now or timezone.now()
    community = actor.community
    role = Role(role)
    if role not in invitable_roles(actor):
        raise PermissionDenied("Only a sponsor invites facilitators or sponsors.")
    email = email.strip().lower()
    if Membership.objects.filter(community=community, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member.")
    # Pending invitations past their expiry are closed first, so the address can be invited again.
    Invitation.objects.filter(
        community=community, email=email, state=Invitation.State.PENDING, expires_at__lte=now
    ).update(state=Invitation.State.EXPIRED)
    if Invitation.objects.filter(community=community, email=email, state=Invitation.State.PENDING).exists():
        raise ValidationError(f"{email} already has a pending invitation; revoke it to send a new one.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        community=community,
        email=email,
        role=role,
        message=message.strip(),
        token_hash=hash_token(token),
        invited_by=actor.user,
        created_at=now,
        expires_at=Invitation.default_expiry(now),
    )
    activity_record(
        community=community,
        actor=actor.user,
        action="invitation.create",
        summary=f"{actor.user} invited {email} as {role.label}",
        now=now,
    )
    # A one-off email to an address that may have no account: no preferences, no unsubscribe link.
    queue_email(
        user=None,
        to=email,
        category=Category.MEMBERSHIP,
        template="invitation",
        context={
            "community": community,
            "invitation": invitation,
            "inviter": actor.user,
            "role_label": role.label,
            "url": invitation_url(token),
        },
    )
    return invitation, token


def invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("community", "invited_by").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Membership, now: datetime | None = None) -> Invitation:
    """Revoke a pending invitation: its link stops working."""
    now = now or timezone.now()
    if actor.community_id != invitation.community_id or Role(invitation.role) not in invitable_roles(actor):
        raise PermissionDenied("You cannot revoke this invitation.")
    changed = Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.PENDING).update(
        state=Invitation.State.REVOKED, revoked_at=now, revoked_by=actor.user
    )
    if not changed:
        raise ValidationError("This invitation is no longer pending.")
    invitation.refresh_from_db()
    activity_record(
        community=invitation.community,
        actor=actor.user,
        action="invitation.revoke",
        summary=f"{actor.user} revoked the invitation to {invitation.email}",
        now=now,
    )
    return invitation


class InvitationUnusable(ValidationError):
    """The invitation is expired, revoked or already used; ``status`` says which."""

    def __init__(self, status: str) -> None:
        super().__init__(f"This invitation is {status}.")
        self.status = status


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, now: datetime | None = None) -> Membership:
    """Accept a valid invitation as ``user`` (any signed-in account: the token is the credential)."""
    now = now or timezone.now()
    # Claim the invitation with a conditional update, so one link makes one membership even on
    # a double click or two browsers at once.
    claimed = Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.PENDING, expires_at__gt=now).update(
        state=Invitation.State.ACCEPTED, accepted_at=now, accepted_by=user
    )
    if not claimed:
        invitation.refresh_from_db()
        raise InvitationUnusable(invitation.status(now=now))
    invitation.refresh_from_db()
    community = invitation.community
    membership, created = Membership.objects.get_or_create(
        community=community, user=user, defaults={"role": invitation.role, "joined_at": now}
    )
    as_whom = "" if user.email.lower() == invitation.email else f" (sent to {invitation.email})"
    summary = (
        f"{user} accepted an invitation{as_whom} and joined as {membership.get_role_display()}"
        if created
        else f"{user} accepted an invitation{as_whom} but was already a member"
    )
    activity_record(community=community, actor=user, action="invitation.accept", summary=summary, now=now)
    if created and invitation.invited_by:
        notify(
            recipients=[invitation.invited_by],
            category=Category.MEMBERSHIP,
            title=f"{user} accepted your invitation to {community.name}",
            url=_members_url(community),
            community=community,
            actor=user,
            now=now,
        )
    return membership
