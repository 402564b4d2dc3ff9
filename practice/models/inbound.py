"""Replies by email: every inbound message is recorded once, with what became of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class InboundEmail(models.Model):
    """One inbound message, keyed by its Message-ID (or the SHA-256 of its bytes when it has none).

    The key is unique, so a message the IMAP poller sees twice, or a webhook the provider retries,
    is processed once. A row is written in the same transaction as the advice or discussion message
    it produced; a message that fails keeps its bytes and its error (state ``failed``) for the admin.
    """

    class State(models.TextChoices):
        PROCESSED = "processed", "Posted"
        IGNORED = "ignored", "Ignored (auto-reply, bounce, our own email)"
        REFUSED = "refused", "Refused (the sender was told why)"
        FAILED = "failed", "Failed (kept with its error)"

    FINAL = (State.PROCESSED, State.IGNORED, State.REFUSED)

    key = models.CharField(max_length=255, unique=True)
    message_id = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=40)  # "imap", "command", "webhook:mailgun", …
    state = models.CharField(max_length=10, choices=State.choices)
    outcome = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    advice = models.ForeignKey(
        "practice.Advice", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    comment = models.ForeignKey(
        "practice.DiscussionComment", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    # The sender was sent a short reply about this message (a refusal, or "attachments not posted").
    replied_at = models.DateTimeField(null=True, blank=True)
    # Kept while the message has not been dealt with (failed), so that it can be processed again.
    raw = models.BinaryField(blank=True, default=b"")
    attempts = models.PositiveSmallIntegerField(default=1)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "inbound email"
        indexes = [
            # "At most one refusal per sender per hour".
            models.Index(
                fields=["from_address", "replied_at"], condition=Q(replied_at__isnull=False), name="inbound_replied"
            ),
            models.Index(fields=["state", "-received_at"], name="inbound_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.subject or self.key}"
