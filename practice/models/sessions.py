"""Practice sessions: case clinics, huddles and learning sessions, their RSVPs, agenda, attendance and reminders."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from dateutil import rrule
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Tag

from .requests import HelpRequest, Moderated

MAX_OCCURRENCES = 52


def _new_uid() -> str:
    return uuid.uuid4().hex


class PracticeSession(Moderated):
    """One meeting, or a weekly/monthly series of them (an RFC 5545 RRULE with exceptions)."""

    class Kind(models.TextChoices):
        CASE_CLINIC = "case_clinic", "Case clinic"
        HUDDLE = "huddle", "Huddle"
        LEARNING = "learning", "Learning session"
        OTHER = "other", "Other"

    class Repeat(models.TextChoices):
        NONE = "", "Does not repeat"
        WEEKLY = "weekly", "Every week"
        MONTHLY = "monthly", "Every month"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="practice_sessions")
    title = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CASE_CLINIC)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    online_url = models.URLField("online link", max_length=500, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    description = models.TextField(blank=True, help_text="Markdown.")
    repeat = models.CharField(max_length=10, choices=Repeat.choices, blank=True, default=Repeat.NONE)
    occurrences = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_OCCURRENCES)]
    )
    # Occurrences taken out of a series: their starts (UTC, ISO 8601), the RRULE's EXDATEs.
    exceptions = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # RFC 5545: the UID never changes; SEQUENCE rises with every change calendars must apply.
    uid = models.CharField(max_length=64, unique=True, default=_new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True, help_text="Markdown.")
    # "Write up as summary": the draft Summary / highlights artefact made from the notes.
    summary = models.OneToOneField(
        "practice.Artefact", null=True, blank=True, on_delete=models.SET_NULL, related_name="practice_session"
    )
    # Set once the members who were not there have been told the summary is published.
    missed_notified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The end of the last occurrence (kept by the services): what the reminder sweep and the feed filter on.
    until = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["community", "starts_at"], name="practice_session_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practice:session-detail", kwargs={"slug": self.community.slug, "pk": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def local_date(self) -> date:
        """The day of the first start in the community's time zone (what pages show as the session's date)."""
        return timezone.localtime(self.starts_at, self.community.tzinfo).date()

    @property
    def is_recurring(self) -> bool:
        return bool(self.repeat) and self.occurrences > 1

    def all_starts(self) -> list[datetime]:
        """Every start of the series (exceptions included), in UTC; wall-clock time kept across DST."""
        tz = self.community.tzinfo
        local = timezone.localtime(self.starts_at, tz).replace(tzinfo=None)
        if not self.is_recurring:
            return [self.starts_at]
        freq = rrule.WEEKLY if self.repeat == self.Repeat.WEEKLY else rrule.MONTHLY
        return [d.replace(tzinfo=tz).astimezone(UTC) for d in rrule.rrule(freq, dtstart=local, count=self.occurrences)]

    def excepted(self) -> set[datetime]:
        return {datetime.fromisoformat(s) for s in self.exceptions}

    def occurrence_starts(self) -> list[datetime]:
        """The starts that take place (UTC): the series less its exceptions."""
        skipped = self.excepted()
        return [s for s in self.all_starts() if s not in skipped]

    def next_start(self, now: datetime) -> datetime | None:
        return next((s for s in self.occurrence_starts() if s + self.duration > now), None)

    @property
    def last_end(self) -> datetime:
        starts = self.occurrence_starts() or [self.starts_at]
        return starts[-1] + self.duration


class SessionRSVP(models.Model):
    """A member's answer to a session (for every occurrence of a series)."""

    class Answer(models.TextChoices):
        GOING = "going", "Going"
        MAYBE = "maybe", "Maybe"
        NOT_GOING = "not_going", "Not going"

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_rsvps")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_rsvp_per_session")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.answer}"


class SessionAgendaItem(models.Model):
    """A request or a learning-agenda tag on a session's agenda, pulled in by a facilitator or proposed by a member."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "On the agenda"
        DECLINED = "declined", "Declined"

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="agenda")
    request = models.ForeignKey(
        HelpRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="session_agenda"
    )
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "request"], name="request_once_per_agenda"),
            models.CheckConstraint(
                condition=Q(request__isnull=False) | Q(tag__isnull=False), name="agenda_item_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.request_id or self.tag_id}"


class SessionAttendance(models.Model):
    """Someone who was there (from the RSVPs, or a walk-in), as the facilitator recorded it."""

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_attendance")
    walk_in = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="attended_once")]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.session_id}"


class SessionReminder(models.Model):
    """One reminder of one occurrence to one member: the unique row makes it go out exactly once."""

    class Kind(models.TextChoices):
        DAY = "day", "The day before"
        HOUR = "hour", "An hour before"

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    occurrence = models.DateTimeField()
    kind = models.CharField(max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user", "occurrence", "kind"], name="one_session_reminder"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of {self.session_id} to {self.user_id}"


class CalendarFeed(models.Model):
    """A member's personal calendar feed: the token is signed with this nonce; a new nonce revokes it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    nonce = models.CharField(max_length=32, default=_new_uid)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
