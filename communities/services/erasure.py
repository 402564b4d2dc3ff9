"""Erasing an account's personal data, driven by the registry in communities/personal_data.py."""

from __future__ import annotations

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import transaction

from communities.models import ActivityLog, Community, Membership, Role, User
from communities.personal_data import REGISTRY, Erase

FORMER_MEMBER = "Former member"


@transaction.atomic
def account_erase(*, user: User) -> None:
    """Delete the person's own rows, keep contributions under "Former member", scrub the account row."""
    names = {n for n in (user.display_name, user.email, user.email.split("@")[0]) if n}
    for holding in REGISTRY:
        if holding.erase is Erase.DELETE:
            apps.get_model(holding.model).objects.filter(**{holding.field: user}).delete()
    for log in ActivityLog.objects.filter(actor=user):
        summary = log.summary
        for name in sorted(names, key=len, reverse=True):
            summary = summary.replace(name, FORMER_MEMBER)
        if summary != log.summary:
            log.summary = summary
            log.save(update_fields=["summary"])
    for session in Session.objects.all().iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    user.email = f"former-member-{user.pk}@erased.invalid"
    user.display_name = FORMER_MEMBER
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()


class SoleSponsor(Exception):
    """The account is the only sponsor of these communities: someone must take the role over first."""

    def __init__(self, communities: list) -> None:
        super().__init__(", ".join(c.name for c in communities))
        self.communities = communities


def sole_sponsor_communities(*, user: User) -> list:
    """The communities in which ``user`` is the only active sponsor (their deletion would orphan them)."""
    mine = Membership.objects.filter(user=user, role=Role.SPONSOR).values("community_id")
    others = (
        Membership.objects.filter(role=Role.SPONSOR, user__is_active=True).exclude(user=user).values("community_id")
    )
    return list(Community.objects.filter(pk__in=mine).exclude(pk__in=others).order_by("name"))


@transaction.atomic
def account_delete(*, user: User) -> None:
    """The member's own deletion: refused while they are a community's only sponsor, else ``account_erase``."""
    blocked = sole_sponsor_communities(user=user)
    if blocked:
        raise SoleSponsor(blocked)
    account_erase(user=user)
