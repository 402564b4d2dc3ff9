"""Learning loops: the follow-up that asks how advice turned out, and the outcome the asker reports.

A :class:`FollowUp` is a database outbox row with a due time (never a far-future Celery ETA): the
beat task ``practice.tasks.send_due_follow_ups`` sweeps due rows every minute and claims each one
with a conditional update on the row's own primary key and state. Every reminder it sends is a
:class:`FollowUpReminder` row, unique per (follow-up, number), written in the same transaction as
the claim, so a reminder exists at most once at the database level.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from communities.models import Community

from .requests import Advice, HelpRequest, Moderated

# "Too early to tell" postpones the follow-up by the community's reminder interval, at most this often.
MAX_POSTPONEMENTS = 3


class FollowUp(models.Model):
    """One learning loop per help request, opened by the asker's first "I'll try this".

    Later "I'll try this" responses on the same request attach to the same loop. The loop is
    *pending* while ``state`` is scheduled or reminded: it is due when ``due_at`` has passed (a
    derived condition, not a state of its own, so nothing has to flip a row when time passes).
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"  # waiting for the first reminder of a cycle
        REMINDED = "reminded", "Reminded"  # one or more reminders sent; waiting for the next or an outcome
        LAPSED = "lapsed", "Lapsed"  # the maximum reminders went unanswered; facilitators were told
        CLOSED = "closed", "Closed"  # the asker reported an outcome
        STOPPED = "stopped", "Stopped"  # the asker stopped the reminders for this request

    PENDING = (State.SCHEDULED, State.REMINDED)

    request = models.OneToOneField(HelpRequest, on_delete=models.CASCADE, related_name="follow_up")
    # Denormalised from request.community: dashboards and the value report count loops per community.
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="follow_ups")
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    created_at = models.DateTimeField(default=timezone.now)
    # When the next reminder (or, after the last one, the lapse) is due.
    due_at = models.DateTimeField()
    # Reminders sent over the loop's life: numbers the reminders and their Message-IDs; never goes down.
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    # Reminders sent in the current cycle; a new answer or a postponement starts a new cycle.
    cycle_reminders = models.PositiveSmallIntegerField(default=0)
    postponements = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    last_postponed_at = models.DateTimeField(null=True, blank=True)
    # What the asker wrote when they said "too early to tell": pre-fills the outcome form next time.
    draft = models.JSONField(default=dict, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(state__in=["scheduled", "reminded"]), name="followup_pending_due"
            ),
            models.Index(fields=["community", "state"], name="followup_by_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(postponements__lte=MAX_POSTPONEMENTS), name="followup_postponements_max"
            ),
            models.CheckConstraint(
                condition=Q(cycle_reminders__lte=models.F("reminders_sent")), name="followup_cycle_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up on request {self.request_id} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state in self.PENDING

    def outcome_url(self) -> str:
        return reverse("practice:request-outcome", kwargs={"slug": self.request.community.slug, "pk": self.request_id})


class FollowUpReminder(models.Model):
    """One reminder sent for a loop: exists at most once per (follow-up, number) — the database says so."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="reminders")
    number = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    # The Message-ID of the email (empty when the asker's preference is "in the portal only").
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["follow_up_id", "number"]
        constraints = [models.UniqueConstraint(fields=["follow_up", "number"], name="one_reminder_per_number")]

    def __str__(self) -> str:
        return f"Reminder {self.number} of follow-up {self.follow_up_id}"


class Outcome(Moderated):
    """How the advice turned out, reported by the asker: one per request, and it closes the loop.

    ``Result.TOO_EARLY`` is offered on the form but is not an outcome: it postpones the follow-up
    (see ``FollowUp.postponements``) and no row is stored, so every Outcome row is a closing one.
    """

    class Result(models.TextChoices):
        RESOLVED = "resolved", "Resolved"
        PARTLY = "partly", "Partly resolved"
        NOT_RESOLVED = "not_resolved", "Not resolved"
        TOO_EARLY = "too_early", "Too early to tell"

    CLOSING = (Result.RESOLVED, Result.PARTLY, Result.NOT_RESOLVED)

    class ShareKind(models.TextChoices):
        CASE_STORY = "case_story", "Case story"
        FAILURE_REFLECTION = "failure_reflection", "Failure reflection"

    request = models.OneToOneField(HelpRequest, on_delete=models.CASCADE, related_name="outcome")
    # Denormalised from request.community for per-community counts.
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="outcomes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    result = models.CharField(max_length=14, choices=Result.choices)
    what_worked = models.TextField("what worked", blank=True, help_text="Markdown.")
    what_didnt = models.TextField("what didn't", blank=True, help_text="Markdown.")
    do_differently = models.TextField("what I'd do differently", blank=True, help_text="Markdown.")
    helpful_advice = models.ManyToManyField(Advice, blank=True, related_name="helped_outcomes")
    # "Share this as learning": the emergent-learning area drafts a case story or failure reflection.
    share_as_learning = models.BooleanField(default=False)
    share_kind = models.CharField(max_length=20, choices=ShareKind.choices, blank=True)
    # Opt-in: the value report may show this outcome as a value-creation story. Withdrawable.
    story_consent = models.BooleanField(default=False)
    story_consent_changed_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["community", "recorded_at"], name="outcome_recorded"),
            models.Index(fields=["community"], condition=Q(story_consent=True), name="outcome_story_consent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["resolved", "partly", "not_resolved"]), name="outcome_result_closes"
            ),
            models.CheckConstraint(
                condition=Q(share_as_learning=False) | ~Q(share_kind=""), name="outcome_share_has_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome of request {self.request_id}: {self.get_result_display()}"
