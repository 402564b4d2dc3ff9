"""The seven dimensions, vibrancy rounds, members' slider scores and the focus of a period."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

SCORE_MIN = 0
SCORE_MAX = 10
SCORE_VALIDATORS = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]


class Dimension(models.Model):
    """One of the seven dimensions of intentional development (reference data, seeded by a migration)."""

    number = models.PositiveSmallIntegerField(unique=True, help_text="Position on the sound board (1 = first).")
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    summary = models.CharField(max_length=200, help_text="One line: what it means when this dimension is turned up.")
    what = models.TextField(help_text="What the dimension means. Markdown.")
    why = models.TextField(help_text="Why a community would turn it up. Markdown.")
    how = models.TextField(help_text="How to turn it up in practice. Markdown.")

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name


class VibrancyRound(models.Model):
    """A self-assessment: members score every dimension between opening and closing.

    Its figures live in ``VibrancyTally`` rows (a histogram kept current as members save, and
    recomputed from the scores at closing), so the dashboard reads a few hundred rows per round
    whatever the community's size, and later departures do not rewrite a closed round's history.
    """

    community = models.ForeignKey("Community", on_delete=models.CASCADE, related_name="vibrancy_rounds")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="The round closes by itself at this moment (optional)."
    )
    note = models.TextField(blank=True, help_text="Shown to members above the sliders. Markdown.")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Participation. Raters (members with at least one slider set) are counted as they save and
    # recounted at closing; members and newcomers are frozen at closing (None while open).
    members_count = models.PositiveIntegerField(null=True, blank=True)
    newcomers_count = models.PositiveIntegerField(null=True, blank=True)
    raters_count = models.PositiveIntegerField(default=0)
    newcomer_raters_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community"], condition=Q(closed_at__isnull=True), name="one_open_vibrancy_round"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "-opened_at"], name="vibrancy_round_recent"),
            models.Index(fields=["closes_at"], condition=Q(closed_at__isnull=True), name="vibrancy_round_due"),
        ]

    def __str__(self) -> str:
        return f"{self.community} – vibrancy round of {self.opened_at:%Y-%m-%d}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def accepts_scores(self, *, now: datetime | None = None) -> bool:
        """Open, and not past its closing date (the sweeping task may not have run yet)."""
        now = now or timezone.now()
        return self.closed_at is None and (self.closes_at is None or now < self.closes_at)


class VibrancyScore(models.Model):
    """One member's two slider positions (and comment) for one dimension in one round.

    Either position may be empty: members save partially and come back until the round closes.
    """

    # No separate index on round: the unique constraint and the two histogram indexes all lead with it.
    round = models.ForeignKey(VibrancyRound, on_delete=models.CASCADE, related_name="scores", db_index=False)
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="scores")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vibrancy_scores")
    now = models.PositiveSmallIntegerField("where we are now", null=True, blank=True, validators=SCORE_VALIDATORS)
    should_be = models.PositiveSmallIntegerField(
        "where we should be", null=True, blank=True, validators=SCORE_VALIDATORS
    )
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the index behind "my scores in this round" and the count of raters.
            models.UniqueConstraint(fields=["round", "user", "dimension"], name="one_score_per_dimension"),
            models.CheckConstraint(
                condition=Q(now__isnull=True) | Q(now__gte=SCORE_MIN, now__lte=SCORE_MAX), name="score_now_0_10"
            ),
            models.CheckConstraint(
                condition=Q(should_be__isnull=True) | Q(should_be__gte=SCORE_MIN, should_be__lte=SCORE_MAX),
                name="score_should_be_0_10",
            ),
            models.CheckConstraint(
                condition=Q(now__isnull=False) | Q(should_be__isnull=False) | ~Q(comment=""),
                name="score_not_empty",
            ),
        ]
        # The dashboard's histograms group by (round, dimension, value): index-only scans on PostgreSQL.
        indexes = [
            models.Index(fields=["round", "dimension", "now"], name="vibrancy_score_now"),
            models.Index(fields=["round", "dimension", "should_be"], name="vibrancy_score_should_be"),
            # The dashboard's anonymous comments: only the few rows that carry one.
            models.Index(fields=["round", "dimension"], condition=~Q(comment=""), name="vibrancy_score_commented"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} by user {self.user_id} in round {self.round_id}"


class Measure(models.TextChoices):
    NOW = "now", "Where we are now"
    SHOULD_BE = "should_be", "Where we should be"


class Group(models.TextChoices):
    NEWCOMER = "newcomer", "Newcomers"
    OTHER = "other", "Others"


class VibrancyTally(models.Model):
    """A round's histogram: how many raters of a group put a slider at a value.

    Kept up to date by every save while the round is open (in the save's transaction), and
    recomputed from the scores when the round closes, so the dashboard never scans scores.
    """

    round = models.ForeignKey(VibrancyRound, on_delete=models.CASCADE, related_name="tallies", db_index=False)
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="tallies")
    measure = models.CharField(max_length=10, choices=Measure.choices)
    group = models.CharField(max_length=10, choices=Group.choices)
    value = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)
    raters = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "dimension", "measure", "group", "value"], name="one_tally_per_bin"
            ),
        ]

    def __str__(self) -> str:
        return f"round {self.round_id} {self.dimension_id} {self.measure} {self.group} {self.value}: {self.raters}"


class FocusDimension(models.Model):
    """A dimension the community deliberately turns up from ``started_at`` until ``ended_at``."""

    community = models.ForeignKey("Community", on_delete=models.CASCADE, related_name="focus_dimensions")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["dimension__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "dimension"], condition=Q(ended_at__isnull=True), name="one_current_focus"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community}: focus on {self.dimension_id}"
