"""Direction: purpose, co-created vision, appreciative inquiry, strategy, objectives, value pitch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from .community import Community


class PurposeVersion(models.Model):
    """One version of the community's purpose (its "why"); the latest is the current one."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="purpose_versions")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at", "-id"], name="purpose_latest")]

    def __str__(self) -> str:
        return f"Purpose of {self.community_id} at {self.created_at:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Alignment:
    """How far a vision draft is endorsed: stances of current members only."""

    support: int
    concerns: int
    objecting: int
    members: int

    @property
    def stances(self) -> int:
        return self.support + self.concerns + self.objecting

    @property
    def supporting(self) -> int:
        """Support and support-with-concerns both count as supporting."""
        return self.support + self.concerns

    @property
    def supporting_percent(self) -> int | None:
        """Share of stances that support, 0–100, or None before anyone took a stance."""
        if not self.stances:
            return None
        return round(100 * self.supporting / self.stances)

    @property
    def objecting_percent(self) -> int | None:
        if not self.stances:
            return None
        return round(100 * self.objecting / self.stances)

    @property
    def participation_percent(self) -> int:
        return round(100 * self.stances / self.members) if self.members else 0


def _count_of(qs: models.QuerySet, *, per: str = "draft") -> Coalesce:
    """A correlated count of ``qs`` (filtered on ``per=OuterRef(...)``), 0 when there are none."""
    counted = qs.order_by().values(per).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=models.IntegerField()), 0)


class VisionDraftQuerySet(models.QuerySet["VisionDraft"]):
    def with_counts(self) -> VisionDraftQuerySet:
        """Annotate stance counts (current members only) and the number of comments."""
        member_stances = VisionStance.objects.filter(
            draft=OuterRef("pk"), user__memberships__community=OuterRef("community")
        )
        return self.annotate(
            n_support=_count_of(member_stances.filter(stance=VisionStance.Stance.SUPPORT)),
            n_concerns=_count_of(member_stances.filter(stance=VisionStance.Stance.CONCERNS)),
            n_object=_count_of(member_stances.filter(stance=VisionStance.Stance.OBJECT)),
            n_comments=_count_of(VisionComment.objects.filter(draft=OuterRef("pk"))),
        )

    def current(self) -> VisionDraftQuerySet:
        return self.filter(is_current=True)


class VisionDraft(models.Model):
    """A vision text being co-created; one per community is the current (adopted) vision."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Being written"
        OPEN = "open", "Open for stances"
        ADOPTED = "adopted", "Adopted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="vision_drafts")
    title = models.CharField(max_length=160)
    text = models.TextField(help_text="Markdown: **bold**, *italic*, lists with “- ”, headings with “## ”.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    inquiry = models.ForeignKey(
        "AppreciativeInquiry", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The vision in force; earlier adopted visions keep status ADOPTED with their adoption date.
    is_current = models.BooleanField(default=False)

    objects = VisionDraftQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community"], condition=Q(is_current=True), name="one_current_vision_per_community"
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(status="adopted"), name="current_vision_is_adopted"
            ),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("communities:direction-draft", kwargs={"slug": self.community.slug, "pk": self.pk})

    @property
    def is_in_progress(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.OPEN)

    def alignment_with(self, members: int) -> Alignment:
        """The alignment from the counts annotated by ``with_counts()``."""
        return Alignment(support=self.n_support, concerns=self.n_concerns, objecting=self.n_object, members=members)


class VisionStance(models.Model):
    """A member's one stance on a draft, with their comment; they can change it."""

    class Stance(models.TextChoices):
        SUPPORT = "support", "Support"
        CONCERNS = "concerns", "Support with concerns"
        OBJECT = "object", "Object"

    draft = models.ForeignKey(VisionDraft, on_delete=models.CASCADE, related_name="stances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vision_stances")
    stance = models.CharField(max_length=10, choices=Stance.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["draft", "user"], name="one_stance_per_member_per_draft")]

    def __str__(self) -> str:
        return f"{self.user} on {self.draft}: {self.get_stance_display()}"


class VisionStanceChange(models.Model):
    """A stance as it was taken or changed: the history behind each member's current stance."""

    draft = models.ForeignKey(VisionDraft, on_delete=models.CASCADE, related_name="stance_changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stance = models.CharField(max_length=10, choices=VisionStance.Stance.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["draft", "user", "created_at"], name="stance_change_by_member")]

    def __str__(self) -> str:
        return f"{self.user} on {self.draft}: {self.get_stance_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class Reportable(models.Model):
    """A member's post that can be reported for a privacy concern (the report and its review live in practice).

    The same fields, with the same meaning, as practice's moderated posts: hidden from members while a concern is
    reviewed, and a note when a facilitator replaced the text.
    """

    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class VisionComment(Reportable):
    draft = models.ForeignKey(VisionDraft, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["draft", "created_at"])]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.draft}"


class Phase(models.TextChoices):
    """The 4-D cycle of appreciative inquiry."""

    DISCOVER = "discover", "Discover"
    DREAM = "dream", "Dream"
    DESIGN = "design", "Design"
    DESTINY = "destiny", "Destiny"


PHASE_SUBTITLES = {
    Phase.DISCOVER: "the community at its best",
    Phase.DREAM: "what might be",
    Phase.DESIGN: "what should be",
    Phase.DESTINY: "commitments and actions",
}

DEFAULT_PROMPTS = {
    Phase.DISCOVER: (
        "Tell a story of a time when this community, or colleagues in it, were at their best. "
        "What happened, who was involved, and what made it possible? What do you value most about "
        "the way we work together when it works well?"
    ),
    Phase.DREAM: (
        "Imagine it is three years from now and this community has exceeded every hope. What is "
        "different in members' daily work, for the people we serve, and for the organisation? "
        "What would you see and hear that tells you so?"
    ),
    Phase.DESIGN: (
        "Write a possibility statement: what should this community be and do to make that dream real? "
        "Say it in the present tense, as if it were already true (“We …”), and keep it bold but "
        "grounded in the stories we discovered."
    ),
    Phase.DESTINY: (
        "What will you commit to in the next three months to move us towards it? Name one concrete "
        "action, who it involves, and how we will know it happened."
    ),
}


class AppreciativeInquiry(models.Model):
    """An appreciative-inquiry round: members answer the 4-D prompts; facilitators shape a vision draft."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="inquiries")
    title = models.CharField(max_length=160)
    prompt_discover = models.TextField("Discover prompt", default=DEFAULT_PROMPTS[Phase.DISCOVER])
    prompt_dream = models.TextField("Dream prompt", default=DEFAULT_PROMPTS[Phase.DREAM])
    prompt_design = models.TextField("Design prompt", default=DEFAULT_PROMPTS[Phase.DESIGN])
    prompt_destiny = models.TextField("Destiny prompt", default=DEFAULT_PROMPTS[Phase.DESTINY])
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "appreciative inquiries"
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["community", "-opened_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("communities:direction-inquiry", kwargs={"slug": self.community.slug, "pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def prompt(self, phase: str) -> str:
        return getattr(self, f"prompt_{phase}")

    def phases(self) -> list[dict]:
        """The four phases in order, with label, subtitle and prompt."""
        return [
            {"value": p.value, "label": p.label, "subtitle": PHASE_SUBTITLES[p], "prompt": self.prompt(p.value)}
            for p in Phase
        ]


class InquiryContribution(Reportable):
    inquiry = models.ForeignKey(AppreciativeInquiry, on_delete=models.CASCADE, related_name="contributions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["inquiry", "phase", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} by {self.author}"


class StrategyVersion(models.Model):
    """One version of the strategy statement; the latest is the current one."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="strategy_versions")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at", "-id"], name="strategy_latest")]

    def __str__(self) -> str:
        return f"Strategy of {self.community_id} at {self.created_at:%Y-%m-%d %H:%M}"


class ObjectiveQuerySet(models.QuerySet["Objective"]):
    def overdue(self, *, today: date) -> ObjectiveQuerySet:
        return self.filter(due_date__lt=today, status__in=Objective.OPEN_STATUSES)


class Objective(models.Model):
    """A high-level, SMART objective in support of the vision: measure, target, owner, date, status."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        ACHIEVED = "achieved", "Achieved"
        DROPPED = "dropped", "Dropped"

    OPEN_STATUSES = (Status.PLANNED, Status.ACTIVE)

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    measure = models.CharField(max_length=200, help_text="How we measure it, e.g. “median time to first response”.")
    target = models.CharField(max_length=200, help_text="The value we aim for, e.g. “under 24 hours”.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="owned_objectives"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    position = models.PositiveIntegerField(default=0)
    # The vision in force when the objective was set (None when there was none yet).
    vision = models.ForeignKey(VisionDraft, null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["community", "position"]),
            models.Index(fields=["community", "status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, *, today: date) -> bool:
        return self.status in self.OPEN_STATUSES and self.due_date < today


class ValueProposition(models.Model):
    """The community's pitch: for whom, what problem, what value, what proof. Public once published."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="value_proposition")
    for_whom = models.TextField("for whom")
    problem = models.TextField("what problem")
    value = models.TextField("what value")
    proof = models.TextField("what proof")
    published_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Value proposition of {self.community_id}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
