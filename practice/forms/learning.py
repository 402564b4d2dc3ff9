"""Forms of captured learning: validation only; the services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from communities.forms.privacy import PatientIdentifierGuard
from communities.models import Community, Tag
from communities.services.submissions import SubmitOnceMixin
from practice.forms.requests import MARKDOWN_HELP, TagChoiceField
from practice.models import KIND_FIELDS, Artefact
from practice.models.learning import PLAIN_TEXT_FIELDS
from practice.services.learning import MAX_TAGS


class SecondarySubmit(Submit):
    """A submit button that is not the main action (e.g. "Preview and check for answers")."""

    field_classes = "btn btn-outline-secondary"


# The parts each kind cannot do without; the others may stay empty.
REQUIRED: dict[str, frozenset[str]] = {
    Artefact.Kind.FAQ: frozenset({"question", "answer"}),
    Artefact.Kind.SUMMARY: frozenset({"key_points"}),
    Artefact.Kind.CASE_STORY: frozenset({"situation", "what_we_did"}),
    Artefact.Kind.FAILURE_REFLECTION: frozenset({"what_happened", "what_we_learned"}),
    Artefact.Kind.INSIGHT: frozenset({"insight"}),
}

HELP: dict[str, str] = {
    "question": "The question as people ask it.",
    "answer": "What the community has found works. " + MARKDOWN_HELP,
    "period": "Optional: a period (“Spring 2025”) or the thread it summarises.",
    "key_points": "The points to remember, e.g. a list. " + MARKDOWN_HELP,
    "situation": "What was going on. Never include anything that identifies a patient. " + MARKDOWN_HELP,
    "what_we_did": MARKDOWN_HELP,
    "result": "How it turned out. " + MARKDOWN_HELP,
    "what_happened": "Failures teach the most: say plainly what went wrong. " + MARKDOWN_HELP,
    "what_we_learned": MARKDOWN_HELP,
    "what_wed_do_differently": MARKDOWN_HELP,
    "insight": "One important insight, and why it matters. " + MARKDOWN_HELP,
}


class ArtefactForm(PatientIdentifierGuard, SubmitOnceMixin, forms.Form):
    """Write or edit one artefact of ``kind``: its title, its own parts, tags, and a note on the change."""

    title = forms.CharField(max_length=160, help_text="One line people will recognise in a list.")
    tags = TagChoiceField(queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple)
    new_tags = forms.CharField(
        label="Other tags", required=False, max_length=200, help_text="Comma-separated, for topics not listed yet."
    )
    note = forms.CharField(
        label="What changed (optional)", required=False, max_length=200, help_text="Kept with this version."
    )

    def __init__(self, *args, community: Community, kind: str, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["tags"].queryset = Tag.objects.filter(community=community).order_by("name")
        parts = KIND_FIELDS[kind]
        for name, label in parts:
            if name in PLAIN_TEXT_FIELDS:
                field = forms.CharField(max_length=200)
            else:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "maxlength": 20000}), max_length=20000)
            field.label = label
            field.required = name in REQUIRED[kind]
            field.help_text = HELP.get(name, MARKDOWN_HELP)
            self.fields[name] = field
        if kind == Artefact.Kind.FAQ:
            # The question is the natural title of a FAQ.
            self.fields["title"].required = False
            self.fields["title"].help_text = "Optional: the question is used when you leave this empty."
        if not editing:
            del self.fields["note"]
        anonymous = kind == Artefact.Kind.FAILURE_REFLECTION and not editing
        if anonymous:
            # Owning up to a failure is easier without one's name on it.
            self.fields["anonymous"] = forms.BooleanField(
                label="Post anonymously",
                required=False,
                help_text=(
                    "Nobody in the community — members, core group, facilitators or sponsors — will see that you "
                    "wrote it: they see “A member (anonymous)”. The portal keeps the link to you for moderation "
                    "(site administrators can see it)."
                ),
            )
        order = ["title", *[n for n, _ in parts], "tags", "new_tags", *(["note"] if editing else [])]
        order += ["anonymous"] if anonymous else []
        self.order_fields(order)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save changes" if editing else "Save draft"))
        self.phi_guard(community=community, fields=["title", *[n for n, _ in parts]])

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean(self) -> dict:
        data = super().clean()
        if self.kind == Artefact.Kind.FAQ and not data.get("title") and data.get("question"):
            data["title"] = " ".join(data["question"].split())[:160]
        if not data.get("title") and "title" not in self.errors:
            self.add_error("title", "Give it a title.")
        new = [t for t in (data.get("new_tags") or "").replace(";", ",").split(",") if t.strip()]
        if len(data.get("tags") or []) + len(new) > MAX_TAGS:
            self.add_error("tags", f"Choose at most {MAX_TAGS} tags.")
        if any(len(t.strip()) > 40 for t in new):
            self.add_error("new_tags", "Keep each tag under 40 characters.")
        return data

    def part_values(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name, _ in KIND_FIELDS[self.kind]}


class UnpublishForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Recorded in the activity log.")


class PathAddForm(forms.Form):
    artefact = forms.ModelChoiceField(
        queryset=Artefact.objects.none(),
        label="Published learning to add",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["artefact"].queryset = (
            Artefact.objects.filter(community=community, status=Artefact.Status.PUBLISHED)
            .exclude(path_items__community=community)
            .order_by("title")
        )
        self.fields["artefact"].label_from_instance = lambda a: f"{a.title} ({a.get_kind_display()})"


class PathMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class PathReadForm(forms.Form):
    read = forms.BooleanField(required=False)
