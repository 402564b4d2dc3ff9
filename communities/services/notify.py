"""The ``notify`` service: in-app notifications plus email per each user's preferences.

Both apps call :func:`notify`. It only writes rows (notifications and outbound emails); the
beat task :func:`communities.tasks.send_outbound_email` delivers the emails, so a web request
never waits on SMTP or on the broker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from communities.models import (
    Category,
    Community,
    EmailMode,
    Notification,
    NotificationPreference,
    OutboundEmail,
    User,
)

UNSUBSCRIBE_SALT = "communities.unsubscribe"
DEFAULT_MODE = EmailMode.IMMEDIATE


def absolute_url(path: str) -> str:
    return path if path.startswith("http") else f"{settings.SITE_URL}{path}"


def email_modes(users: Iterable[User], category: str) -> dict[int, str]:
    """Each user's email mode for ``category`` (one query)."""
    ids = [u.pk for u in users]
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, category=category).values_list("user_id", "email")
    )
    return {pk: chosen.get(pk, DEFAULT_MODE) for pk in ids}


def unsubscribe_token(*, user: User, category: str) -> str:
    return signing.dumps({"u": user.pk, "c": category}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """Return (user id, category); raise ``signing.BadSignature`` when the token was tampered with."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if data.get("c") not in Category.values:
        raise signing.BadSignature("unknown category")
    return int(data["u"]), data["c"]


def new_message_id(kind: str = "n") -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "child.example"
    return f"<{kind}.{uuid.uuid4().hex}@{domain}>"


def queue_email(
    *,
    user: User | None,
    category: str,
    template: str,
    context: dict,
    message_id: str | None = None,
    to: str | None = None,
) -> OutboundEmail:
    """Render ``emails/<template>_subject.txt``, ``.txt`` and ``.html`` and put the email in the outbox.

    ``user=None, to=address`` sends to someone who may have no account yet (an invitation): such an
    email is a one-off the person did not subscribe to, so it carries no unsubscribe link or header.
    """
    if user is None:
        if not to:
            raise ValueError("queue_email needs a user or a to= address")
        full_context = {
            **context,
            "user": None,
            "site_url": settings.SITE_URL,
            "unsubscribe_url": "",
            "preferences_url": "",
            "category_label": Category(category).label,
        }
        return OutboundEmail.objects.create(
            user=None,
            to=to,
            category=category,
            subject=" ".join(render_to_string(f"emails/{template}_subject.txt", full_context).split())[:255],
            body_text=render_to_string(f"emails/{template}.txt", full_context),
            body_html=render_to_string(f"emails/{template}.html", full_context),
            message_id=message_id or new_message_id(),
        )
    token = unsubscribe_token(user=user, category=category)
    unsubscribe = absolute_url(reverse("communities:unsubscribe", kwargs={"token": token}))
    full_context = {
        **context,
        "user": user,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute_url(reverse("communities:notifications")),
        "category_label": Category(category).label,
    }
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", full_context).split())
    return OutboundEmail.objects.create(
        user=user,
        to=user.email,
        category=category,
        subject=subject[:255],
        body_text=render_to_string(f"emails/{template}.txt", full_context),
        body_html=render_to_string(f"emails/{template}.html", full_context),
        message_id=message_id or new_message_id(),
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    category: str,
    title: str,
    url: str = "",
    body: str = "",
    community: Community | None = None,
    actor: User | None = None,
    email_template: str = "notification",
    email_context: dict | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Tell ``recipients`` (minus ``actor``) in the inbox, and by email per their preference."""
    now = now or timezone.now()
    unique = {u.pk: u for u in recipients if u is not None and (actor is None or u.pk != actor.pk)}
    users = list(unique.values())
    if not users:
        return []
    modes = email_modes(users, category)
    notifications = Notification.objects.bulk_create(
        Notification(
            user=u,
            community=community,
            category=category,
            title=title[:200],
            body=body,
            url=url,
            created_at=now,
            in_daily_digest=modes[u.pk] == EmailMode.DAILY,
        )
        for u in users
    )
    for user in users:
        if modes[user.pk] == EmailMode.IMMEDIATE:
            queue_email(
                user=user,
                category=category,
                template=email_template,
                context={
                    "title": title,
                    "body": body,
                    "url": absolute_url(url) if url else settings.SITE_URL,
                    "community": community,
                    **(email_context or {}),
                },
            )
    return notifications


@transaction.atomic
def preference_set(*, user: User, category: str, email: str) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, category=category, defaults={"email": email}
    )
    return preference


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Mark some (or all) of a user's unread notifications read; return how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=now or timezone.now())
