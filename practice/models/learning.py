"""Captured learning: artefacts (FAQ, summary, case story, failure reflection, insight), their
versions, and the newcomer path ("start here") facilitators curate from published artefacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Tag

from .loops import Outcome
from .requests import ANONYMOUS_NAME, Advice, HelpRequest, Moderated


class Artefact(Moderated):
    """One piece of the community's memory. A draft until a facilitator or core member publishes it.

    Every kind has its own text fields (:data:`KIND_FIELDS`); all are Markdown except ``period``.
    Fields of other kinds stay blank. Every edit is kept as an :class:`ArtefactVersion`.
    """

    class Kind(models.TextChoices):
        FAQ = "faq", "FAQ"
        SUMMARY = "summary", "Summary / highlights"
        CASE_STORY = "case_story", "Case story"
        FAILURE_REFLECTION = "failure_reflection", "Failure reflection"
        INSIGHT = "insight", "Insight"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="artefacts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=160)
    # FAQ
    question = models.TextField(blank=True, help_text="Markdown.")
    answer = models.TextField(blank=True, help_text="Markdown.")
    # Summary / highlights
    period = models.CharField("period or thread", max_length=200, blank=True)
    key_points = models.TextField(blank=True, help_text="Markdown.")
    # Case story
    situation = models.TextField(blank=True, help_text="Markdown.")
    what_we_did = models.TextField("what we did", blank=True, help_text="Markdown.")
    result = models.TextField(blank=True, help_text="Markdown.")
    # Failure reflection
    what_happened = models.TextField("what happened", blank=True, help_text="Markdown.")
    what_we_learned = models.TextField("what we learned", blank=True, help_text="Markdown.")
    what_wed_do_differently = models.TextField("what we'd do differently", blank=True, help_text="Markdown.")
    # Insight
    insight = models.TextField(blank=True, help_text="Markdown.")

    tags = models.ManyToManyField(Tag, blank=True, related_name="artefacts")
    # Everyone who wrote or edited it; a draft is visible to each of them.
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="learning_artefacts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The number of the latest ArtefactVersion.
    version = models.PositiveIntegerField(default=0)
    # Drafted anonymously (a failure reflection, or learning from an anonymous request's outcome): its
    # ``created_by`` appears to everyone else as ANONYMOUS_NAME among the authors and in the versions.
    anonymous = models.BooleanField("post anonymously", default=False)

    # Sources: where the learning came from (help requests, advice, reported outcomes).
    source_requests = models.ManyToManyField(HelpRequest, blank=True, related_name="artefacts")
    source_advice = models.ManyToManyField(Advice, blank=True, related_name="artefacts")
    source_outcomes = models.ManyToManyField(Outcome, blank=True, related_name="artefacts")

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "-published_at"], name="artefact_published"),
            models.Index(fields=["community", "kind"], name="artefact_kind"),
            models.Index(fields=["community", "created_at"], name="artefact_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="artefact_published_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practice:learning-detail", kwargs={"slug": self.community.slug, "pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def masks(self, person_id: int | None, viewer) -> bool:
        """Whether ``person_id`` appears to ``viewer`` as ANONYMOUS_NAME on this artefact."""
        return (
            self.anonymous
            and person_id is not None
            and person_id == self.created_by_id
            and (viewer is None or getattr(viewer, "pk", None) != person_id)
        )

    def author_names_for(self, viewer) -> list[str]:
        """The authors' names as ``viewer`` may see them (from the prefetched ``authors``)."""
        return [ANONYMOUS_NAME if self.masks(u.pk, viewer) else u.name for u in self.authors.all()]

    def field_values(self) -> dict[str, str]:
        """The kind-specific fields with their values (what a version stores)."""
        return {name: getattr(self, name) for name, _label in KIND_FIELDS[self.kind]}

    def sections(self) -> list[tuple[str, str, str]]:
        """(name, label, value) of this kind's fields, for templates."""
        return [(name, label, getattr(self, name)) for name, label in KIND_FIELDS[self.kind]]


# The fields of each kind, in reading order, with their labels. ``period`` is plain text.
KIND_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    Artefact.Kind.FAQ: (("question", "Question"), ("answer", "Answer")),
    Artefact.Kind.SUMMARY: (("period", "Period or thread"), ("key_points", "Key points")),
    Artefact.Kind.CASE_STORY: (("situation", "Situation"), ("what_we_did", "What we did"), ("result", "Result")),
    Artefact.Kind.FAILURE_REFLECTION: (
        ("what_happened", "What happened"),
        ("what_we_learned", "What we learned"),
        ("what_wed_do_differently", "What we'd do differently"),
    ),
    Artefact.Kind.INSIGHT: (("insight", "Insight"),),
}
ALL_TEXT_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(n for fs in KIND_FIELDS.values() for n, _ in fs))
PLAIN_TEXT_FIELDS = frozenset({"period"})


class ArtefactVersion(models.Model):
    """One saved state of an artefact: who edited it, when, and its fields as JSON."""

    artefact = models.ForeignKey(Artefact, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Artefact.Kind.choices)
    title = models.CharField(max_length=160)
    # {"question": "...", "answer": "..."} — the kind's fields at this version.
    fields = models.JSONField(default=dict)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["artefact", "number"], name="one_artefact_version_number")]

    def __str__(self) -> str:
        return f"{self.artefact_id} v{self.number}"


class NewcomerPathItem(models.Model):
    """One published artefact on the community's ordered "start here" list."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="newcomer_path")
    artefact = models.ForeignKey(Artefact, on_delete=models.CASCADE, related_name="path_items")
    position = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "artefact"], name="artefact_once_on_path"),
        ]
        indexes = [models.Index(fields=["community", "position"], name="newcomer_path_order")]

    def __str__(self) -> str:
        return f"{self.position}: {self.artefact_id}"


class NewcomerPathRead(models.Model):
    """A newcomer marked one item of the path as read."""

    item = models.ForeignKey(NewcomerPathItem, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="path_reads")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="path_item_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.item_id}"
