"""The ``notify`` service: in-app notifications plus email per each user's preferences.

Both apps call :func:`notify`. It only writes rows (notifications and outbound emails); the
beat task :func:`communities.tasks.send_outbound_email` delivers the emails, so a web request
never waits on SMTP or on the broker.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from communities.models import (
    ALWAYS_SENT,
    Category,
    Community,
    EmailMode,
    Notification,
    NotificationPreference,
    OutboundEmail,
    User,
)
from communities.services import reply_by_email

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
    if data.get("c") not in Category.values or data["c"] in ALWAYS_SENT:
        raise signing.BadSignature("unknown category")
    return int(data["u"]), data["c"]


def new_message_id(kind: str = "n") -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "child.example"
    return f"<{kind}.{uuid.uuid4().hex}@{domain}>"


def _recipient_context(*, user: User | None, category: str) -> tuple[dict, dict]:
    """The per-recipient part of every email's context, and its list headers."""
    base = {"user": user, "site_url": settings.SITE_URL, "category_label": Category(category).label}
    if user is None or category in ALWAYS_SENT:
        # A one-off to someone who may have no account (an invitation), or an account email
        # (verification, reset, security notice): nothing to unsubscribe from.
        return {**base, "unsubscribe_url": "", "preferences_url": ""}, {}
    token = unsubscribe_token(user=user, category=category)
    unsubscribe = absolute_url(reverse("communities:unsubscribe", kwargs={"token": token}))
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return {
        **base,
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute_url(reverse("communities:notifications")),
    }, headers


def _render(template: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())[:255]
    return (
        subject,
        render_to_string(f"emails/{template}.txt", context),
        render_to_string(f"emails/{template}.html", context),
    )


def queue_email(
    *,
    user: User | None,
    category: str,
    template: str,
    context: dict,
    message_id: str | None = None,
    to: str | None = None,
    reply_target: str | None = None,
    thread: str | None = None,
    alternatives: list[tuple[str, str]] | None = None,
) -> OutboundEmail:
    """Render ``emails/<template>_subject.txt``, ``.txt`` and ``.html`` and put the email in the outbox.

    ``user=None, to=address`` sends to someone who may have no account yet (an invitation): such an
    email is a one-off the person did not subscribe to, so it carries no unsubscribe link or header.
    ``reply_target`` (``"r<pk>"``, ``"a<pk>"``) lets the recipient answer by replying, when
    REPLY_DOMAIN is set (a signed Reply-To, see ``reply_by_email``); ``thread`` names the
    conversation for the threading headers.
    ``alternatives`` are further parts, ``(content, mimetype)``: a ``text/calendar; method=REQUEST`` invitation.
    """
    email = outbound_email_build(
        user=user,
        category=category,
        template=template,
        context=context,
        message_id=message_id,
        to=to,
        reply_target=reply_target,
        thread=thread,
        alternatives=alternatives,
    )
    email.save(force_insert=True)
    return email


def outbound_email_build(
    *,
    user: User | None,
    category: str,
    template: str,
    context: dict,
    message_id: str | None = None,
    to: str | None = None,
    now: datetime | None = None,
    reply_target: str | None = None,
    thread: str | None = None,
    alternatives: list[tuple[str, str]] | None = None,
) -> OutboundEmail:
    """The rendered, unsaved outbox row :func:`queue_email` writes (a sweep bulk-creates many of them)."""
    if user is None and not to:
        raise ValueError("queue_email needs a user or a to= address")
    recipient, headers = _recipient_context(user=user, category=category)
    replies = reply_by_email.reply_headers(user_id=user.pk if user else None, target=reply_target, thread=thread)
    headers.update(replies)
    subject, text, html = _render(template, {**context, **recipient, "reply_by_email": bool(replies)})
    return OutboundEmail(
        user=user,
        to=to or user.email,
        category=category,
        subject=subject,
        body_text=text,
        body_html=html,
        message_id=message_id or new_message_id(),
        headers=headers,
        created_at=now or timezone.now(),
        alternatives=[list(a) for a in alternatives or ()],
    )


# Past this many immediate emails, notify() stores each email's template and context and the
# outbox sweep renders it: a round opened for 5,000 members must not render 15,000 templates
# inside the web request.
RENDER_NOW_LIMIT = 20


def _encode(value):
    """Context values as JSON: model instances by reference, dates as ISO strings."""
    if isinstance(value, Model):
        return {"__model__": value._meta.label, "pk": value.pk}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _decode(value):
    if isinstance(value, dict):
        if "__model__" in value:
            return apps.get_model(value["__model__"])._default_manager.filter(pk=value["pk"]).first()
        if "__datetime__" in value:
            return datetime.fromisoformat(value["__datetime__"])
        if "__date__" in value:
            return date.fromisoformat(value["__date__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def render_deferred(email: OutboundEmail) -> OutboundEmail:
    """Render an email that notify() queued with its template and context (in the worker)."""
    if not email.template or email.body_text:
        return email
    recipient, headers = _recipient_context(user=email.user, category=email.category)
    context = {**_decode(email.context), **recipient, "reply_by_email": "Reply-To" in email.headers}
    email.subject, email.body_text, email.body_html = _render(email.template, context)
    email.headers = {**email.headers, **headers}  # the Reply-To and threading headers notify() set
    email.save(update_fields=["subject", "body_text", "body_html", "headers"])
    return email


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
    message_id_for: Callable[[User], str] | None = None,
    modes: dict[int, str] | None = None,
    reply_target: str | None = None,
    thread: str | None = None,
    now: datetime | None = None,
    alternatives_for: Callable[[User], list[tuple[str, str]]] | None = None,
) -> list[Notification]:
    """Tell ``recipients`` (minus ``actor`` and deactivated accounts) in the inbox, and by email per their preference.

    ``message_id_for(user)`` gives an email a stable Message-ID (a sweep's emails must be recognisable,
    the outbox keeps Message-IDs unique); ``modes`` passes email preferences the caller already read.
    """
    now = now or timezone.now()
    unique = {u.pk: u for u in recipients if u is not None and u.is_active and (actor is None or u.pk != actor.pk)}
    users = list(unique.values())
    if not users:
        return []
    if modes is None or any(u.pk not in modes for u in users):
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
    context = {
        "title": title,
        "body": body,
        "url": absolute_url(url) if url else settings.SITE_URL,
        "community": community,
        **(email_context or {}),
    }
    immediate = [u for u in users if modes[u.pk] == EmailMode.IMMEDIATE]
    if len(immediate) <= RENDER_NOW_LIMIT:
        OutboundEmail.objects.bulk_create(
            outbound_email_build(
                user=user,
                category=category,
                template=email_template,
                context=context,
                message_id=message_id_for(user) if message_id_for else None,
                now=now,
                reply_target=reply_target,
                thread=thread,
                alternatives=alternatives_for(user) if alternatives_for else None,
            )
            for user in immediate
        )
    else:
        encoded = _encode(context)
        OutboundEmail.objects.bulk_create(
            OutboundEmail(
                user=user,
                to=user.email,
                category=category,
                subject="",
                body_text="",
                template=email_template,
                context=encoded,
                message_id=message_id_for(user) if message_id_for else new_message_id(),
                headers=reply_by_email.reply_headers(user_id=user.pk, target=reply_target, thread=thread),
                alternatives=[list(a) for a in alternatives_for(user)] if alternatives_for else [],
                created_at=now,
            )
            for user in immediate
        )
    return notifications


@dataclass
class Notice:
    """One recipient's notification in :func:`notify_each`: its own title, link and email context."""

    user: User
    title: str
    url: str = ""
    body: str = ""
    community: Community | None = None
    email_context: dict = field(default_factory=dict)
    message_id: str | None = None


@transaction.atomic
def notify_each(
    *,
    notices: Iterable[Notice],
    category: str,
    email_template: str = "notification",
    modes: dict[int, str] | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Many notifications that differ per recipient (a sweep's reminders), written in bulk.

    The rules of :func:`notify` per notice (deactivated accounts left out, each user's email
    preference, a daily digest instead of an email when so chosen), but one INSERT for all the
    inbox rows and one for all the emails, rendered here (the caller is a worker's sweep).
    """
    now = now or timezone.now()
    notices = [n for n in notices if n.user is not None and n.user.is_active]
    if not notices:
        return []
    users = list({n.user.pk: n.user for n in notices}.values())
    if modes is None or any(u.pk not in modes for u in users):
        modes = email_modes(users, category)
    notifications = Notification.objects.bulk_create(
        Notification(
            user=n.user,
            community=n.community,
            category=category,
            title=n.title[:200],
            body=n.body,
            url=n.url,
            created_at=now,
            in_daily_digest=modes[n.user.pk] == EmailMode.DAILY,
        )
        for n in notices
    )
    OutboundEmail.objects.bulk_create(
        outbound_email_build(
            user=n.user,
            category=category,
            template=email_template,
            context={
                "title": n.title,
                "body": n.body,
                "url": absolute_url(n.url) if n.url else settings.SITE_URL,
                "community": n.community,
                **n.email_context,
            },
            message_id=n.message_id,
            now=now,
        )
        for n in notices
        if modes[n.user.pk] == EmailMode.IMMEDIATE
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
