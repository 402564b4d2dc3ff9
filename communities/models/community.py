from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

NEWCOMER_DAYS = 30
RESERVED_SLUGS = {"new", "admin", "accounts", "static", "notifications", "healthz"}


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (for example Europe/Amsterdam).")


def validate_patterns(value: str) -> None:
    """One regular expression per line (a community's own medical record number formats)."""
    for number, line in enumerate(value.splitlines(), start=1):
        if line.strip():
            try:
                re.compile(line.strip())
            except re.error as exc:
                raise ValidationError(f"Line {number} is not a valid pattern ({exc}): {line.strip()}") from None


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is reserved; choose another web address.")


class Community(models.Model):
    class Visibility(models.TextChoices):
        OPEN = "open", "Open: anyone signed in can join"
        BY_REQUEST = "request", "By request: facilitators approve"
        PRIVATE = "private", "Private: by invitation only"

    class Stage(models.TextChoices):
        POTENTIAL = "potential", "Potential"
        COALESCING = "coalescing", "Coalescing"
        MATURING = "maturing", "Maturing"
        STEWARDSHIP = "stewardship", "Stewardship"
        TRANSFORMATION = "transformation", "Transformation"

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=60,
        unique=True,
        validators=[validate_slug_not_reserved],
        help_text="The community's web address: /c/<slug>/. Lower-case letters, digits and hyphens.",
        error_messages={"unique": "That web address is taken; choose another."},
    )
    domain = models.TextField("what we are about", help_text="The domain: the shared area of practice.")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    stage = models.CharField("lifecycle stage", max_length=16, choices=Stage.choices, default=Stage.POTENTIAL)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])

    # Commitments the practice features keep; bounds are enforced by the validators.
    response_commitment_hours = models.PositiveSmallIntegerField(
        "response commitment (hours)",
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text="Members commit to a first response within this many hours (1–336).",
    )
    follow_up_first_days = models.PositiveSmallIntegerField(
        "first follow-up after (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days after the asker decides to try advice before asking how it went (1–90).",
    )
    follow_up_every_days = models.PositiveSmallIntegerField(
        "then remind every (days)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Days between further reminders (1–60).",
    )
    follow_up_max_reminders = models.PositiveSmallIntegerField(
        "at most (reminders)",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Reminders before a loop is marked lapsed (1–10).",
    )
    mrn_patterns = models.TextField(
        "medical record number formats",
        blank=True,
        validators=[validate_patterns],
        help_text="Your hospital's own record number formats, one regular expression per line, for example "
        "HOSP-\\d{6}. Posts containing one are stopped before they are published, as national identity "
        "numbers are.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:home", kwargs={"slug": self.slug})

    @property
    def is_private(self) -> bool:
        return self.visibility == self.Visibility.PRIVATE

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def response_commitment(self) -> timedelta:
        return timedelta(hours=self.response_commitment_hours)


class Role(models.TextChoices):
    # Declared from least to most responsibility; ``rank`` compares them.
    MEMBER = "member", "Member"
    CORE = "core", "Core group"
    FACILITATOR = "facilitator", "Facilitator"
    SPONSOR = "sponsor", "Sponsor"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def facilitators(self) -> MembershipQuerySet:
        """Facilitators and sponsors: the people who run the community."""
        return self.filter(role__in=[Role.FACILITATOR, Role.SPONSOR])

    def newcomers(self, *, now=None) -> MembershipQuerySet:
        now = now or timezone.now()
        return self.filter(joined_at__gt=now - timedelta(days=NEWCOMER_DAYS))


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    expertise = models.ManyToManyField("Tag", blank=True, related_name="experts")

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="one_membership_per_user")]
        indexes = [models.Index(fields=["community", "role"]), models.Index(fields=["community", "joined_at"])]
        ordering = ["joined_at"]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.get_role_display()})"

    def has_role(self, role: Role) -> bool:
        """True when this member's role is ``role`` or one with more responsibility."""
        return Role(self.role).rank >= role.rank

    @property
    def is_facilitator(self) -> bool:
        return self.has_role(Role.FACILITATOR)

    @property
    def is_sponsor(self) -> bool:
        return self.role == Role.SPONSOR

    def is_newcomer(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.joined_at > now - timedelta(days=NEWCOMER_DAYS)


class Tag(models.Model):
    """A topic within one community: members' expertise, requests' subjects, learning's tags."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=40)
    slug = models.SlugField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "slug"], name="unique_tag_per_community")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ActivityLog(models.Model):
    """Who changed what and when: purpose, vision, roles, settings, moderation."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="activity")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return self.summary
