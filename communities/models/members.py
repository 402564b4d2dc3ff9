"""Joining a community: requests to join (by-request communities) and invitations (private ones)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from .community import Community, Role

INVITATION_DAYS = 14


class JoinRequest(models.Model):
    """A signed-in person asks to join a by-request community; facilitators decide."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(blank=True, max_length=1000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One open request per person and community: asking twice does not queue twice.
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=models.Q(state="pending"),
                name="one_pending_join_request",
            )
        ]
        indexes = [models.Index(fields=["community", "state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.community} ({self.state})"


def hash_token(token: str) -> str:
    """Only a digest of an invitation token is stored, so a database copy holds no working links."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An emailed, expiring, revocable link that makes its holder a member of a (private) community.

    The link's token is the credential: whoever opens a valid link and is signed in may accept,
    even with an account under another email address (the accepting account is recorded).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    message = models.TextField(blank=True, max_length=1000)
    token_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # An expired row is moved out of "pending" before a new invitation to the address is made.
            models.UniqueConstraint(
                fields=["community", "email"],
                condition=models.Q(state="pending"),
                name="one_pending_invitation_per_email",
            )
        ]
        indexes = [models.Index(fields=["community", "state", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.community} ({self.state})"

    @staticmethod
    def default_expiry(now: datetime) -> datetime:
        return now + timedelta(days=INVITATION_DAYS)

    def status(self, *, now: datetime | None = None) -> str:
        """The state as a person sees it: a pending invitation past its expiry is expired."""
        now = now or timezone.now()
        if self.state == self.State.PENDING and self.expires_at <= now:
            return self.State.EXPIRED
        return self.state
