"""A member's download of everything the portal holds about them (`/me/data/`), built by the worker."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class DataExport(models.Model):
    """One zip of a person's data (``data.json`` and a readable ``index.html``), kept a few days.

    The zip's bytes live in this row, not in a file: erasing the account (a queryset ``delete()`` driven by
    the personal-data registry) and the expiry sweep then remove the data with the row, in the database's
    transaction, with no file left behind on a disk, a backup or another web host. An export is small
    (kilobytes for most members), and lists defer ``content``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be prepared"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # The download link's id: unguessable, so that a link never tells how many exports exist.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    content = models.BinaryField(blank=True, default=b"")
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    # Deleted by the beat task after this (DATA_EXPORT_DAYS after it was asked for, then after it was ready).
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="one_pending_data_export_per_user"
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(status="pending"), name="data_export_pending"),
            models.Index(fields=["expires_at"], name="data_export_expiry"),
        ]

    def __str__(self) -> str:
        return f"Data export {self.pk} of {self.user_id} ({self.status})"

    @property
    def filename(self) -> str:
        return f"child-portal-data-{timezone.localtime(self.ready_at or self.created_at):%Y-%m-%d}.zip"
