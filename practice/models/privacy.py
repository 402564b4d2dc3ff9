"""Privacy concerns members raise about a post, and the facilitator's review (restore or redact)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class PrivacyFlag(models.Model):
    """A member's report that a post may identify a patient or hold other confidential information."""

    class Kind(models.TextChoices):
        PATIENT = "patient", "A patient could be identified"
        CONFIDENTIAL = "confidential", "Other confidential information"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESTORED = "restored", "Restored"
        REDACTED = "redacted", "Redacted"

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    post = GenericForeignKey("content_type", "object_id")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PATIENT)
    reason = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["community", "state"])]
        constraints = [
            # Repeated flags on the same post by the same member while it is under review are one flag.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reporter"],
                condition=models.Q(state="open"),
                name="one_open_privacy_flag_per_reporter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"
