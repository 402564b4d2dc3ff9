"""Help requests, advice, the asker's responses to advice, discussions, kudos and overdue nudges."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Tag
from communities.models.direction import Reportable

# How long an author may still edit what they posted; afterwards only facilitators can (with a reason).
EDIT_WINDOW = timedelta(minutes=settings.PRACTICE_EDIT_WINDOW_MINUTES)

# What everyone but the author sees in place of the author of an anonymous post.
ANONYMOUS_NAME = "A member (anonymous)"


class Moderated(Reportable):
    """Content a facilitator can hide, giving a reason; members then see "hidden by a facilitator".

    The fields (``hidden_at``, ``hidden_by``, ``hidden_reason``, ``redacted_at``: set when a facilitator replaced
    the text after a privacy concern) and ``is_hidden`` are those of the Direction's reportable posts.
    """

    class Meta:
        abstract = True


class Authored(Moderated):
    """Moderated text by one author that the author may edit for a short while."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def author_may_edit(self, user, *, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            user is not None
            and self.author_id == user.pk
            and not self.is_hidden
            and now < self.created_at + EDIT_WINDOW
        )


class HelpRequest(Authored):
    """A problem of practice a member brings to the community."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Urgency(models.TextChoices):
        NORMAL = "normal", "Normal"
        URGENT = "urgent", "Urgent"

    ACTIVE = (Status.OPEN, Status.ANSWERED)
    CONCLUDED = (Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN)

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="help_requests")
    title = models.CharField(max_length=160)
    situation = models.TextField(help_text="Markdown.")
    tried = models.TextField("what I've tried so far", blank=True, help_text="Markdown.")
    tags = models.ManyToManyField(Tag, blank=True, related_name="help_requests")
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # created_at + the community's response commitment, fixed when the request is posted.
    response_due_at = models.DateTimeField()
    # The first advice by someone other than the asker.
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    concluded_at = models.DateTimeField(null=True, blank=True)
    conclusion_note = models.CharField(max_length=300, blank=True)
    # Posted anonymously: everyone but the asker sees ANONYMOUS_NAME. The portal keeps ``author`` for
    # notifications, follow-ups, rate limits and moderation; the asker may reveal themselves later.
    anonymous = models.BooleanField("post anonymously", default=False)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-last_activity_at"], name="helprequest_activity"),
            models.Index(fields=["community", "status", "response_due_at"], name="helprequest_status_due"),
            # A period's requests (the dashboard, the value report), with every column their figures read
            # after the key, so those figures come from the index alone (an index-only scan).
            models.Index(
                fields=["community", "created_at", "status", "first_response_at", "response_due_at", "hidden_at", "id"],
                name="helprequest_created",
            ),
            # The open, unanswered and overdue counts, from the index alone.
            models.Index(
                fields=["community", "status", "first_response_at", "response_due_at"],
                condition=Q(hidden_at__isnull=True),
                name="helprequest_visible_status",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_due_at__gte=models.F("created_at")), name="helprequest_due_after_created"
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True) | Q(first_response_at__gte=models.F("created_at")),
                name="helprequest_response_after_created",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practice:request-detail", kwargs={"slug": self.community.slug, "pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def masks(self, author_id: int | None, viewer) -> bool:
        """Whether what ``author_id`` wrote on this request is shown to ``viewer`` as by ANONYMOUS_NAME:
        the request is anonymous, it is the asker's, and the viewer is someone else."""
        return (
            self.anonymous
            and author_id is not None
            and author_id == self.author_id
            and (viewer is None or getattr(viewer, "pk", None) != author_id)
        )

    def asker_name_for(self, viewer, default: str = "a former member") -> str:
        """The asker as ``viewer`` may see them."""
        return self.name_for(self.author, viewer, default)

    def name_for(self, author, viewer, default: str = "a former member") -> str:
        """The name of ``author`` (of this request, or of advice, a message or an outcome on it) for ``viewer``."""
        if author is None:
            return default
        if self.masks(author.pk, viewer):
            return ANONYMOUS_NAME
        return author.name

    def is_overdue(self, *, now: datetime | None = None) -> bool:
        """No response by the due time (and still waiting for one)."""
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.first_response_at is None and now >= self.response_due_at

    @property
    def responded_within_commitment(self) -> bool | None:
        if self.first_response_at is None:
            return None
        return self.first_response_at <= self.response_due_at


class Advice(Authored):
    """A peer's answer to a help request."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="advice")
    body = models.TextField(help_text="Markdown.")
    # Advice given in a practice session and recorded on the request afterwards ("from the session").
    session = models.ForeignKey(
        "practice.PracticeSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="advice"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="advice_by_request")]
        verbose_name_plural = "advice"

    def __str__(self) -> str:
        return f"Advice by {self.author} on {self.request_id}"


class AdviceResponse(Moderated):
    """The asker's answer to one piece of advice: "I'll try this", "I see it differently", "Thanks".

    The learning loop (follow-ups and outcomes) hangs off the ``TRY`` response.
    """

    class Kind(models.TextChoices):
        TRY = "try", "I'll try this"
        DISCUSS = "discuss", "I see it differently — let's discuss"
        THANKS = "thanks", "Thanks"

    advice = models.ForeignKey(Advice, on_delete=models.CASCADE, related_name="responses")
    # Denormalised from advice.request so lists can filter "has a try response" with one join.
    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="advice_responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    note = models.TextField(blank=True, help_text="Markdown.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["advice", "kind"], name="one_response_kind_per_advice")]
        indexes = [models.Index(fields=["request", "kind"], name="adviceresponse_by_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on advice {self.advice_id}"


class DiscussionComment(Authored):
    """A message in the discussion a disagreement opens under a piece of advice."""

    advice = models.ForeignKey(Advice, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(help_text="Markdown.")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["advice", "created_at"], name="comment_by_advice")]

    def __str__(self) -> str:
        return f"Comment by {self.author} on advice {self.advice_id}"


class Kudos(models.Model):
    """Congratulations on a success: one per person per item.

    One nullable foreign key per kind of item (advice, outcomes), each with its own unique
    constraint, and exactly one of them set, so every kudos row points at a real row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kudos_given")
    advice = models.ForeignKey(Advice, null=True, blank=True, on_delete=models.CASCADE, related_name="kudos")
    # Congratulations on a reported outcome (learning loops).
    outcome = models.ForeignKey(
        "practice.Outcome", null=True, blank=True, on_delete=models.CASCADE, related_name="kudos"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "kudos"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "advice"], condition=Q(advice__isnull=False), name="one_kudos_per_advice"
            ),
            models.UniqueConstraint(
                fields=["user", "outcome"], condition=Q(outcome__isnull=False), name="one_kudos_per_outcome"
            ),
            # Exactly one target.
            models.CheckConstraint(
                condition=(Q(advice__isnull=False) & Q(outcome__isnull=True))
                | (Q(advice__isnull=True) & Q(outcome__isnull=False)),
                name="kudos_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"Kudos from {self.user_id}"


class Nudge(models.Model):
    """An outbox row: remind experts and facilitators of an unanswered request when it falls due.

    Level 1 is due at the response commitment, level 2 at twice the commitment. The periodic task
    claims a due row with a conditional update, so two runs (or two workers) send it once.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="nudges")
    level = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "level"], name="one_nudge_per_level")]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(state="pending"), name="nudge_pending_due"),
        ]

    def __str__(self) -> str:
        return f"Nudge {self.level} for request {self.request_id} ({self.state})"
