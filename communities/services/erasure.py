"""Erasing an account's personal data, driven by the registry in communities/personal_data.py."""

from __future__ import annotations

import re

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import transaction

from communities.models import ActivityLog, Community, Membership, Notification, OutboundEmail, Role, User
from communities.personal_data import REGISTRY, Erase
from communities.services import copies

FORMER_MEMBER = "Former member"


@transaction.atomic
def account_erase(*, user: User) -> None:
    """Delete the person's own rows, keep contributions under "Former member", scrub the account row."""
    names = _identifiers(user)
    for holding in REGISTRY:
        if holding.erase is Erase.DELETE:
            apps.get_model(holding.model).objects.filter(**{holding.field: user}).delete()
    if names is not None:
        rewrite = _former_member(names)
        copies.rewrite_rows(ActivityLog.objects.filter(actor=user), ("summary",), words=names.words, rewrite=rewrite)
        copies.rewrite_copies(_COPIES, words=names.words, rewrite=rewrite)
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


# Rows written for other people that may carry a copy of the person's name or address: what the
# portal told others ("Zelda asked for help"), and emails to others that quote them.
_COPIES = {
    Notification: ("title", "body"),
    OutboundEmail: ("to", "subject", "body_text", "body_html", "headers", "alternatives", "context"),
}


def _identifiers(user: User) -> _Words | None:
    """The person's name and address as one pattern of whole words; the address's local part too when it is
    distinctive ("zelda.unique", "jsmith2"), not a plain word that other text uses ("member")."""
    local = user.email.split("@")[0]
    parts = [user.display_name, user.email] + ([local] if re.search(r"[^A-Za-z]", local) else [])
    parts = sorted({p for p in parts if p and p != FORMER_MEMBER}, key=len, reverse=True)
    return _Words(parts) if parts else None


class _Words:
    """Whole-word matches of a few strings: ``sub`` like a compiled pattern, ``words`` for a database pre-filter."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self._pattern = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words))

    def sub(self, replacement: str, text: str) -> str:
        return self._pattern.sub(replacement, text)


def _former_member(names: _Words):
    def rewrite(text: str) -> str:
        return names.sub(FORMER_MEMBER, text)

    return rewrite


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
