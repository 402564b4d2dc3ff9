"""Single sign-on at sign-in time: just-in-time account details, group-to-community mapping, the security log.

The identity providers themselves are allauth's (``openid_connect``, ``saml``), configured from the
environment by ``communities/sso_config.py``; ``communities/adapters.py`` calls these services.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from communities.models import Community, Membership, SecurityEvent, User
from communities.services import members as members_services
from communities.sso_config import SAML_GROUP_ATTRIBUTES

# allauth's security notification emails (ACCOUNT_EMAIL_NOTIFICATIONS) -> the log's kind of event.
NOTIFICATION_KINDS = {
    "mfa/email/totp_activated": SecurityEvent.Kind.TOTP_ADDED,
    "mfa/email/totp_deactivated": SecurityEvent.Kind.TOTP_REMOVED,
    "mfa/email/webauthn_added": SecurityEvent.Kind.WEBAUTHN_ADDED,
    "mfa/email/webauthn_removed": SecurityEvent.Kind.WEBAUTHN_REMOVED,
    "mfa/email/recovery_codes_generated": SecurityEvent.Kind.RECOVERY_CODES_GENERATED,
    "account/email/password_changed": SecurityEvent.Kind.PASSWORD_CHANGED,
    "account/email/password_set": SecurityEvent.Kind.PASSWORD_SET,
    "account/email/password_reset": SecurityEvent.Kind.PASSWORD_RESET,
    "account/email/email_changed": SecurityEvent.Kind.EMAIL_CHANGED,
    "socialaccount/email/account_connected": SecurityEvent.Kind.SSO_CONNECTED,
}


@transaction.atomic
def security_event_record(
    *,
    user: User,
    kind: str,
    detail: str = "",
    ip: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> SecurityEvent:
    """Add a line to the account's security log."""
    return SecurityEvent.objects.create(
        user=user,
        kind=kind,
        detail=detail[:200],
        ip=ip or None,
        user_agent=user_agent[:200],
        created_at=now or timezone.now(),
    )


def notification_kind(template_prefix: str) -> str | None:
    """The security log's kind for one of allauth's notification emails (None: not a security change)."""
    if template_prefix in NOTIFICATION_KINDS:
        return NOTIFICATION_KINDS[template_prefix]
    if template_prefix.startswith(("mfa/email/", "account/email/password", "socialaccount/email/")):
        return SecurityEvent.Kind.OTHER
    return None


def display_name_from_claims(data: Mapping[str, Any]) -> str:
    """The name other members will see, from the IdP's claims (``name``, else given + family name)."""
    name = (data.get("name") or "").strip()
    if not name:
        name = " ".join(part for part in ((data.get("first_name") or ""), (data.get("last_name") or "")) if part)
    return " ".join(name.split())[:80]


def groups_from_claims(extra_data: Any) -> set[str]:
    """The IdP groups of a sign-in: OIDC ``groups`` (userinfo or ID token), or the SAML group attributes."""
    if not isinstance(extra_data, Mapping):
        return set()
    found: list = []
    for source in (extra_data.get("userinfo"), extra_data.get("id_token"), extra_data):
        if isinstance(source, Mapping):
            found.extend(_as_list(source.get("groups")))
            found.extend(_as_list(source.get("roles")))
    for attribute in SAML_GROUP_ATTRIBUTES:
        found.extend(_as_list(extra_data.get(attribute)))
    return {str(group).strip() for group in found if str(group).strip()}


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return list(value)
    return [value]


@transaction.atomic
def group_memberships_apply(
    *, user: User, groups: Iterable[str], mapping: Mapping[str, str] | None = None, now: datetime | None = None
) -> dict[str, list[str]]:
    """Make ``user`` a member of each community their IdP groups map to (``SSO_GROUP_COMMUNITIES``).

    A mapped community whose group the IdP no longer sends loses the member (members and core group only:
    a sponsor or facilitator keeps their role). The membership services do the joining and leaving
    (``communities/services/members.py``). Returns the slugs joined and left.
    """
    now = now or timezone.now()
    mapping = settings.SSO_GROUP_COMMUNITIES if mapping is None else mapping
    result: dict[str, list[str]] = {"joined": [], "left": []}
    if not mapping:
        return result
    held = set(groups)
    wanted = {slug for group, slug in mapping.items() if group in held}
    communities = {c.slug: c for c in Community.objects.filter(slug__in=set(mapping.values()))}
    memberships = {m.community_id: m for m in Membership.objects.filter(user=user, community__in=communities.values())}
    for slug, community in sorted(communities.items()):
        membership = memberships.get(community.pk)
        if slug in wanted:
            if membership is None and members_services.membership_join_by_directory(
                community=community, user=user, now=now
            ):
                result["joined"].append(slug)
        elif membership is not None and members_services.membership_leave_by_directory(membership=membership, now=now):
            result["left"].append(slug)
    return result


def signed_in_with_sso(records: Iterable[Mapping[str, Any]]) -> bool:
    """True when this session's sign-in went through an identity provider (allauth's records)."""
    return any(record.get("method") == "socialaccount" for record in records)
