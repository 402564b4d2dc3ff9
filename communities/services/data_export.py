"""Downloading everything the portal holds about a person (`/me/data/`), driven by communities/personal_data.py.

The page asks for a download (:func:`data_export_request`, a pending row); the beat task
``communities.tasks.build_data_exports`` builds the zip (:func:`data_exports_build_pending`), stores it in
the row and emails the person a link; ``communities.tasks.delete_expired_data_exports`` deletes downloads
``DATA_EXPORT_DAYS`` after they were ready. The web request never builds a zip and never talks to the broker.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from communities.models import Category, DataExport, User
from communities.personal_data import REGISTRY
from communities.services import notify

log = logging.getLogger(__name__)

# Secrets and machinery left out of the download, per model: what would let someone who gets hold of the
# file sign in, take over a link or read another person's mail, or is the portal's bookkeeping, not data.
EXCLUDED_FIELDS: dict[str, frozenset[str]] = {
    "communities.User": frozenset({"password"}),  # the password hash
    "mfa.Authenticator": frozenset({"data"}),  # TOTP secret, recovery-code seed, passkey credential
    "communities.Invitation": frozenset({"token_hash"}),  # the invitation link's digest
    "communities.Submission": frozenset({"token"}),  # a form's one-time token
    "practice.CalendarFeed": frozenset({"nonce"}),  # signs the private calendar feed's token
    # Headers carry the signed reply-by-email and unsubscribe addresses; claim_token, template and context
    # are the outbox's bookkeeping; body_html says what body_text says, in markup.
    "communities.OutboundEmail": frozenset({"headers", "claim_token", "template", "context", "body_html"}),
    "communities.DataExport": frozenset({"token", "content"}),  # the download link's id and an earlier zip
}
# What a relation to another person reads as (their id could unmask an anonymous post).
SOMEONE_ELSE = "someone else"
# The user row: these fields only (no password hash, no permissions).
ACCOUNT_FIELDS = (
    "id",
    "email",
    "display_name",
    "date_joined",
    "last_login",
    "inactivity_warned_at",
    "is_active",
    "is_staff",
)

# Foreign keys to these models also get a readable label (one query per model for the whole export).
LABELS: dict[str, str] = {
    "communities.Community": "name",
    "communities.Dimension": "name",
    "communities.Tag": "name",
    "contenttypes.ContentType": "model",
}


def _days() -> timedelta:
    return timedelta(days=settings.DATA_EXPORT_DAYS)


@transaction.atomic
def data_export_request(*, user: User, now: datetime | None = None) -> DataExport:
    """Ask for a download: a pending export for the worker, or the one already pending (one at a time)."""
    now = now or timezone.now()
    pending = DataExport.objects.defer("content").filter(user=user, status=DataExport.Status.PENDING).first()
    if pending is not None:
        return pending
    try:
        with transaction.atomic():
            return DataExport.objects.create(user=user, created_at=now, expires_at=now + _days())
    except IntegrityError:  # another request created it meanwhile (one_pending_data_export_per_user)
        return DataExport.objects.defer("content").get(user=user, status=DataExport.Status.PENDING)


def data_exports_build_pending(*, now: datetime | None = None, limit: int = 20) -> int:
    """Build up to ``limit`` pending downloads, oldest first; return how many became ready."""
    pending = DataExport.objects.filter(status=DataExport.Status.PENDING).order_by("created_at")
    ids = list(pending.values_list("pk", flat=True)[:limit])
    return sum(data_export_build(export_id=pk, now=now) is not None for pk in ids)


def data_export_build(*, export_id: int, now: datetime | None = None) -> DataExport | None:
    """Build one pending download, store it and email its link; None when it is not pending (idempotent).

    Two workers building the same export store and email it once: the row is marked ready by a
    conditional UPDATE, and only the worker whose UPDATE changed it queues the email.
    """
    now = now or timezone.now()
    export = (
        DataExport.objects.defer("content")
        .select_related("user")
        .filter(pk=export_id, status=DataExport.Status.PENDING)
        .first()
    )
    if export is None:
        return None
    try:
        content = export_zip(user=export.user, now=now)
    except Exception:  # one person's failed export must not stop the sweep; they can ask again
        log.exception("data export %s of user %s failed", export.pk, export.user_id)
        DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING).update(
            status=DataExport.Status.FAILED
        )
        return None
    with transaction.atomic():
        ready = {"status": DataExport.Status.READY, "size": len(content), "ready_at": now, "expires_at": now + _days()}
        changed = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING).update(
            content=content, **ready
        )
        if not changed:
            return None
        for field, value in ready.items():
            setattr(export, field, value)
        _queue_ready_email(export)
    return export


def _queue_ready_email(export: DataExport) -> None:
    url = notify.absolute_url(reverse("communities:data-export-download", kwargs={"token": export.token}))
    notify.queue_email(
        user=export.user,
        category=Category.ACCOUNT,  # always sent: the person asked for it, and the link expires
        template="data_export_ready",
        context={
            "download_url": url,
            "page_url": notify.absolute_url(reverse("communities:data-export")),
            "expires_at": export.expires_at,
            "size": export.size,
        },
        message_id=notify.new_message_id("export"),
    )


@transaction.atomic
def data_exports_delete_expired(*, now: datetime | None = None) -> int:
    """Delete downloads past their ``expires_at`` (ready, failed or never built); return how many."""
    deleted, _ = DataExport.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


# --- Building the download -------------------------------------------------------------------


def export_zip(*, user: User, now: datetime) -> bytes:
    """The zip of one person's data: ``data.json`` and ``index.html``, a page to read it in a browser."""
    data = json.loads(json.dumps(personal_data(user=user, now=now), cls=DjangoJSONEncoder, ensure_ascii=False))
    page = render_to_string("communities/data_export/index.html", _page_context(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("index.html", page)
    return buffer.getvalue()


def personal_data(*, user: User, now: datetime) -> dict[str, Any]:
    """Everything the registry lists for ``user``, by what it is; a fixed number of queries per holding.

    Rows are plain values: every concrete field but the excluded ones, foreign keys as ids (plus a
    ``<field>_label`` for communities, dimensions, tags and content types), many-to-many fields as lists of ids.
    """
    holdings: dict[str, dict[str, Any]] = {}
    wanted: list[_Label] = []
    for holding in REGISTRY:
        model = apps.get_model(holding.model)
        # The base manager: every row, also those a default manager leaves out.
        rows = _rows(model, model._base_manager.filter(**{holding.field: user}).order_by("pk"), user, wanted)
        holdings[holding.what] = {"model": holding.model, "field": holding.field, "rows": rows}
    ids: dict[str, set] = defaultdict(set)
    for label in wanted:
        ids[label.model].add(label.pk)
    names = {
        model: dict(apps.get_model(model)._base_manager.filter(pk__in=pks).values_list("pk", LABELS[model]))
        for model, pks in ids.items()
    }
    for label in wanted:
        label.row[label.key] = names[label.model].get(label.pk, "")
    account = User.objects.filter(pk=user.pk).values(*ACCOUNT_FIELDS).get()
    return {
        "generated_at": now,
        "portal": settings.SITE_URL,
        "account": account,
        "holdings": holdings,
    }


@dataclass(frozen=True)
class _Label:
    """A readable label still to be filled in: ``row[key]`` = the ``LABELS`` field of ``model`` ``pk``."""

    row: dict[str, Any]
    key: str
    model: str
    pk: Any


def _rows(
    model: type[models.Model], queryset: models.QuerySet, user: User, wanted: list[_Label]
) -> list[dict[str, Any]]:
    """The rows of ``queryset`` as plain dicts (one query, plus one per many-to-many field).

    A relation to another person is not named: ``SOMEONE_ELSE`` for a foreign key, left out of a many-to-many
    list. A facilitator who hid an anonymous request must not learn its author from the download.
    """
    excluded = EXCLUDED_FIELDS.get(model._meta.label, frozenset())
    fields = [f for f in model._meta.concrete_fields if f.name not in excluded]
    objects = list(queryset.only(*(f.name for f in fields)))
    if not objects:
        return []
    rows = []
    for obj in objects:
        row: dict[str, Any] = {}
        for field in fields:
            if field.is_relation:
                value = getattr(obj, field.attname)
                if field.related_model is User and value not in (None, user.pk):
                    value = SOMEONE_ELSE
                row[field.name] = value
                target = field.related_model._meta.label
                if target in LABELS and value is not None:
                    row[f"{field.name}_label"] = ""
                    wanted.append(_Label(row=row, key=f"{field.name}_label", model=target, pk=value))
            else:
                row[field.name] = _plain(field.value_from_object(obj))
        rows.append(row)
    by_pk = {row["id"]: row for row in rows} if "id" in rows[0] else {}
    for field in model._meta.many_to_many:
        if field.name in excluded or not by_pk:
            continue
        for row in rows:
            row[field.name] = []
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        pairs = through._default_manager.filter(**{f"{source}__in": list(by_pk)}).order_by("pk")
        if field.related_model is User:
            pairs = pairs.filter(**{f"{target}_id": user.pk})
        for owner, other in pairs.values_list(f"{source}_id", f"{target}_id"):
            by_pk[owner][field.name].append(other)
    return rows


def _plain(value: Any) -> Any:
    """A field's value as JSON can carry it (bytes as text; the encoder does dates, decimals and UUIDs)."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return value


def _page_context(data: dict[str, Any]) -> dict[str, Any]:
    """The readable page: one table per holding that has rows, in the registry's order."""
    sections = []
    for what, holding in data["holdings"].items():
        rows = holding["rows"]
        columns = list(rows[0]) if rows else []
        sections.append(
            {
                "what": what,
                "model": holding["model"],
                "columns": columns,
                "rows": [[_cell(row.get(c)) for c in columns] for row in rows],
            }
        )
    return {
        "generated_at": data["generated_at"],
        "portal": data["portal"],
        "account": [(key, _cell(value)) for key, value in data["account"].items()],
        "sections": [s for s in sections if s["rows"]],
        "empty": [s["what"] for s in sections if not s["rows"]],
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)
