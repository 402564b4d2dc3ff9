"""Erasing an account's personal data, driven by the registry in communities/personal_data.py."""

from __future__ import annotations

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import transaction

from communities.models import ActivityLog, User
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
