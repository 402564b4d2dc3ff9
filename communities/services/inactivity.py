"""Inactive accounts (``ACCOUNT_INACTIVE_DAYS``): warned by email once, then anonymised like a deletion.

A person's last activity is the latest of their last sign-in (their joining, if they never signed in) and
what the apps register as activity without a sign-in (``communities.contributions.register_activity``:
practice's email replies). Sign-ins alone would do for the web — a session lasts 14 days at most, so
anyone using the site signs in again within that — but a member who only answers by email never signs in,
and must not be anonymised while they keep contributing. Reading every kind of post for a date is not
needed for the same reason: a post on the web happens inside a session that began with a sign-in.

The daily sweep is safe with two workers at once: the warning is claimed with a conditional ``UPDATE``
(one email per warning), and each anonymisation locks the account row (``SKIP LOCKED`` where the database
has it) and checks it again inside the transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from communities import contributions
from communities.models import Category, SecurityEvent, User
from communities.services import erasure, notify

log = logging.getLogger(__name__)

KEPT_SOLE_SPONSOR = "Inactive account kept: only sponsor of"


def _with_last_active(users: QuerySet) -> QuerySet:
    joined = F("date_joined")
    latest = [Coalesce("last_login", joined)] + [
        Coalesce(Subquery(latest(), output_field=DateTimeField()), joined) for latest in contributions.activity()
    ]
    # Greatest() of one expression is not valid SQL on every database.
    return users.annotate(last_active=Greatest(*latest) if len(latest) > 1 else latest[0])


def _candidates() -> QuerySet:
    """Accounts the sweep may act on: active, not staff, not already erased."""
    return User.objects.filter(is_active=True, is_staff=False, is_superuser=False).exclude(
        email__endswith="@erased.invalid"
    )


def inactive_accounts_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Warn accounts nearing ``ACCOUNT_INACTIVE_DAYS`` without activity, anonymise those past it that were
    warned at least ``ACCOUNT_INACTIVE_WARNING_DAYS`` ago; nothing when the setting is unset."""
    done = {"warned": 0, "anonymised": 0, "kept": 0}
    days = settings.ACCOUNT_INACTIVE_DAYS
    if not days:
        return done
    now = now or timezone.now()
    warning = timedelta(days=settings.ACCOUNT_INACTIVE_WARNING_DAYS)
    users = _with_last_active(_candidates())
    # Active again since the warning (an email reply; a sign-in clears it at once): the warning lapses.
    stale = users.filter(inactivity_warned_at__isnull=False, last_active__gt=F("inactivity_warned_at"))
    User.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).update(inactivity_warned_at=None)

    warn_before = now - timedelta(days=days) + warning
    for user in users.filter(inactivity_warned_at__isnull=True, last_active__lt=warn_before):
        if _warn(user, days=days, now=now, warning=warning):
            done["warned"] += 1

    due = users.filter(last_active__lt=now - timedelta(days=days), inactivity_warned_at__lte=now - warning)
    for pk in list(due.values_list("pk", flat=True)):
        outcome = _anonymise(pk, days=days, now=now, warning=warning)
        if outcome:
            done[outcome] += 1
    return done


def _day(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}"


@transaction.atomic
def _warn(user: User, *, days: int, now: datetime, warning: timedelta) -> bool:
    # Conditional update: of two workers, one claims the warning and sends the email.
    if not User.objects.filter(pk=user.pk, inactivity_warned_at__isnull=True).update(inactivity_warned_at=now):
        return False
    on = max(user.last_active + timedelta(days=days), now + warning)
    notify.queue_email(
        user=user,
        category=Category.ACCOUNT,
        template="account",
        context={
            "subject": f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your account will be anonymised on {_day(on)}",
            "message": (
                f"You have not used the CHILD portal since {_day(user.last_active)}. Accounts unused for "
                f"{days} days are anonymised: your name and email address are erased and what you wrote stays "
                f"in its communities as “Former member”. This will happen to your account on {_day(on)} "
                "unless you sign in before then. To keep your account, just sign in."
            ),
            "action_url": f"{settings.SITE_URL}{reverse('account_login')}",
            "action_label": "Sign in",
        },
        message_id=notify.new_message_id("account"),
    )
    return True


@transaction.atomic
def _anonymise(pk: int, *, days: int, now: datetime, warning: timedelta) -> str | None:
    # Checked again under the lock: another worker may have done it, or the person signed in meanwhile.
    user = (
        _with_last_active(_candidates().select_for_update(**_skip_locked()).filter(pk=pk))
        .filter(last_active__lt=now - timedelta(days=days), inactivity_warned_at__lte=now - warning)
        .first()
    )
    if user is None:
        return None
    blocked = erasure.sole_sponsor_communities(user=user)
    if blocked:
        _kept_sole_sponsor(user, blocked, now=now)
        return "kept"
    erasure.account_erase(user=user)
    log.info("Anonymised account %s after %s days without activity", pk, days)
    return "anonymised"


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def _kept_sole_sponsor(user: User, blocked: list, *, now: datetime) -> None:
    """Left alone, and said once per warning: in the log, the account's security log, and to the site admins."""
    if SecurityEvent.objects.filter(
        user=user, detail__startswith=KEPT_SOLE_SPONSOR, created_at__gte=user.inactivity_warned_at
    ).exists():
        return
    names = ", ".join(c.name for c in blocked)
    log.warning("Inactive account %s not anonymised: the only sponsor of %s", user.pk, names)
    SecurityEvent.objects.create(
        user=user, kind=SecurityEvent.Kind.OTHER, detail=f"{KEPT_SOLE_SPONSOR} {names}"[:200], created_at=now
    )
    admins = User.objects.filter(Q(is_superuser=True) & Q(is_active=True))
    notify.notify(
        recipients=list(admins),
        category=Category.ACCOUNT,
        title=f"An inactive account was not anonymised: it is the only sponsor of {names}"[:200],
        body="Make another member sponsor of these communities, or erase the account from the admin.",
        url=reverse("admin:communities_user_change", args=[user.pk]),
        now=now,
    )


def inactivity_warning_clear(*, user: User) -> None:
    """Signing in again keeps the account: a pending warning is withdrawn."""
    if user.inactivity_warned_at is not None:
        User.objects.filter(pk=user.pk).update(inactivity_warned_at=None)
        user.inactivity_warned_at = None
