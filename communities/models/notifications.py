from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Category(models.TextChoices):
    """What a notification is about; email preferences are chosen per category."""

    DIRECTION = "direction", "Purpose, vision and objectives"
    MEMBERSHIP = "membership", "Joining, invitations and roles"
    VIBRANCY = "vibrancy", "Vibrancy self-assessments"
    REQUESTS = "requests", "New and overdue help requests in my expertise"
    ADVICE = "advice", "Advice on my requests and responses to my advice"
    FOLLOW_UPS = "follow_ups", "Follow-ups: how advice you tried turned out"
    LEARNING = "learning", "Captured learning"
    SESSIONS = "sessions", "Sessions: invitations, changes and reminders"
    DIGEST = "digest", "Weekly digest"
    DAILY_DIGEST = "daily_digest", "Daily digest"
    REPORTS = "reports", "Value reports (sponsors)"
    PRIVACY = "privacy", "Privacy concerns raised about posts"
    # Verification, password reset and security notices: always sent, never unsubscribable.
    ACCOUNT = "account", "Your account"


# Categories a user cannot switch off (no preference, no unsubscribe link or List-Unsubscribe header).
ALWAYS_SENT = frozenset({Category.ACCOUNT})
# Digests are one email or none: their only choices are "by email" and "off".
DIGESTS = frozenset({Category.DIGEST, Category.DAILY_DIGEST})


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DAILY = "daily", "In a daily digest"
    OFF = "off", "Off (in the portal only)"


class Notification(models.Model):
    """One line in a user's in-app inbox."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    community = models.ForeignKey("Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the user's preference for this category is a daily digest, until the digest goes out.
    in_daily_digest = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["user"], condition=models.Q(in_daily_digest=True), name="notification_digest_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def link(self) -> str:
        """Where the inbox item's link goes: its own page's path, never another site (else no link)."""
        url = self.url or ""
        return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else ""


class NotificationPreference(models.Model):
    """A user's email choice for one category; absent means the category's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    email = models.CharField(max_length=10, choices=EmailMode.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "category"], name="one_preference_per_category")]

    def __str__(self) -> str:
        return f"{self.user}: {self.category} → {self.email}"


class OutboundEmail(models.Model):
    """An email waiting to be sent: the outbox a beat task sweeps (never sent from a web request)."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    to = models.EmailField()
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # Stable across retries, so a receiving server (or a test) can tell a resend from a new email.
    message_id = models.CharField(max_length=200, unique=True)
    headers = models.JSONField(default=dict, blank=True)
    # Set instead of the bodies for large fan-outs: the outbox sweep renders the email when it sends.
    # Further parts besides text and HTML: [[content, mimetype], ...], e.g. a text/calendar invitation.
    alternatives = models.JSONField(default=list, blank=True)
    template = models.CharField(max_length=100, blank=True)
    context = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The batch that holds a "sending" row: a worker only sends (and marks sent) rows still carrying
    # its own token, so a row another worker reclaimed after ``OUTBOX_STALE_CLAIM_SECONDS`` is skipped.
    claim_token = models.CharField(max_length=32, blank=True, default="")
    # A pending row is not claimed before this time (back-off after a failed or interrupted send).
    retry_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(state__in=["pending", "sending"]),
                name="outbound_email_unsent",
            ),
            models.Index(
                fields=["claim_token"],
                condition=models.Q(state="sending"),
                name="outbound_email_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.state})"
