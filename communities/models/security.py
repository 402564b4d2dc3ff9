from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SecurityEvent(models.Model):
    """One line of an account's security log: a sign-in method added, removed or used to connect."""

    class Kind(models.TextChoices):
        TOTP_ADDED = "totp_added", "Authenticator app added"
        TOTP_REMOVED = "totp_removed", "Authenticator app removed"
        WEBAUTHN_ADDED = "webauthn_added", "Passkey or security key added"
        WEBAUTHN_REMOVED = "webauthn_removed", "Passkey or security key removed"
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", "New recovery codes generated"
        SSO_CONNECTED = "sso_connected", "Organisation sign-in connected"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_SET = "password_set", "Password set"
        PASSWORD_RESET = "password_reset", "Password reset"
        EMAIL_CHANGED = "email_changed", "Email address changed"
        OTHER = "other", "Other account change"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security_events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.user_id})"
