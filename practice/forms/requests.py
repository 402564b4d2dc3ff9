"""Forms of the practice app: validation only; services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms

from communities.forms.privacy import PatientIdentifierGuard
from communities.models import Community, Tag
from communities.services.submissions import SubmitOnceMixin
from practice.models import AdviceResponse, HelpRequest, PrivacyFlag
from practice.services.requests import MAX_TAGS

MARKDOWN_HELP = "Markdown: **bold**, *italic*, lists, [links](https://example.org). No HTML."
ANONYMOUS_HELP = (
    "Nobody in the community — members, core group, facilitators or sponsors — will see that it was you: "
    "they see “A member (anonymous)”. The portal keeps the link to you so that you still get advice, "
    "follow-ups and the outcome form, and for rate limits and moderation (site administrators can see it). "
    "You can reveal yourself later."
)


class TagChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Tag) -> str:
        return obj.name


class HelpRequestForm(PatientIdentifierGuard, SubmitOnceMixin, forms.ModelForm):
    """Post (or edit) a problem; ``moderating`` adds the reason a facilitator must give."""

    tags = TagChoiceField(
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members with this expertise are told about your request.",
    )
    new_tags = forms.CharField(
        label="Other tags",
        required=False,
        max_length=200,
        help_text="Comma-separated, for topics not listed yet, e.g. “insulin, night shift”.",
    )
    reason = forms.CharField(
        label="Reason for this edit",
        max_length=300,
        required=False,
        help_text="Shown in the activity log. Required when you edit someone else's words.",
    )
    anonymous = forms.BooleanField(label="Post anonymously", required=False, help_text=ANONYMOUS_HELP)

    class Meta:
        model = HelpRequest
        fields = ["title", "situation", "tried", "tags", "urgency"]
        labels = {"situation": "The situation", "tried": "What I've tried so far"}
        help_texts = {
            "title": "One line: what do you need help with?",
            "situation": MARKDOWN_HELP,
            "tried": "Optional. " + MARKDOWN_HELP,
        }
        widgets = {
            "situation": forms.Textarea(attrs={"rows": 8, "maxlength": 10000}),
            "tried": forms.Textarea(attrs={"rows": 4, "maxlength": 10000}),
            "urgency": forms.RadioSelect,
        }

    def __init__(self, *args, community: Community, moderating: bool = False, submit: str = "Post request", **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.moderating = moderating
        self.fields["tags"].queryset = Tag.objects.filter(community=community).order_by("name")
        self.fields["situation"].max_length = 10000
        self.fields["tried"].max_length = 10000
        fields = ["title", "situation", "tried", "tags", "new_tags", Field("urgency"), "submit_token"]
        if self.instance.pk is None:
            fields.insert(-1, "anonymous")
        else:
            del self.fields["anonymous"]  # revealing is its own action on the request page
        if moderating:
            self.fields["reason"].required = True
            fields.append("reason")
        else:
            del self.fields["reason"]
        self.helper = FormHelper()
        self.helper.layout = Layout(*fields)
        self.helper.add_input(Submit("submit", submit))
        self.phi_guard(community=community, fields=["title", "situation", "tried"])

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if len(title) < 5:
            raise forms.ValidationError("Give your request a title of at least a few words.")
        return title

    def clean(self) -> dict:
        data = super().clean()
        new = [t for t in (data.get("new_tags") or "").replace(";", ",").split(",") if t.strip()]
        if len(data.get("tags") or []) + len(new) > MAX_TAGS:
            self.add_error("tags", f"Choose at most {MAX_TAGS} tags.")
        if any(len(t.strip()) > 40 for t in new):
            self.add_error("new_tags", "Keep each tag under 40 characters.")
        return data


class TextForm(PatientIdentifierGuard, SubmitOnceMixin, forms.Form):
    """Advice or a discussion message; ``moderating`` adds a reason."""

    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=10000, help_text=MARKDOWN_HELP)
    reason = forms.CharField(label="Reason for this edit", max_length=300, required=False)

    def __init__(
        self,
        *args,
        label: str = "Your advice",
        submit: str = "Post advice",
        moderating: bool = False,
        action: str = "",
        community: Community | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = label
        if moderating:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        self.helper = FormHelper()
        if action:
            self.helper.form_action = action
        self.helper.add_input(Submit("submit", submit))
        self.phi_guard(community=community, fields=["body"])


class ResponseForm(PatientIdentifierGuard, forms.Form):
    kind = forms.ChoiceField(choices=AdviceResponse.Kind.choices)
    note = forms.CharField(required=False, max_length=4000)

    def __init__(self, *args, community: Community | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phi_guard(community=community, fields=["note"])


class CommentForm(PatientIdentifierGuard, SubmitOnceMixin, forms.Form):
    body = forms.CharField(max_length=4000)

    def __init__(self, *args, community: Community | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phi_guard(community=community, fields=["body"])


class ResolveForm(PatientIdentifierGuard, forms.Form):
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, community: Community | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phi_guard(community=community, fields=["note"])


class AskerMessageForm(forms.Form):
    """A facilitator's message to the anonymous asker, delivered by the portal."""

    message = forms.CharField(
        label="Message to the asker",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        help_text="The portal delivers it to the asker (in the portal and by email); you will not learn who they are.",
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("submit", "Send to the asker", css_class="btn-sm"))


class ModerationForm(forms.Form):
    """Hide, show again or (requests only) close, always with a reason."""

    action = forms.ChoiceField(
        choices=[("hide", "Hide"), ("unhide", "Show again"), ("close", "Close the request")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        max_length=300,
        help_text="Recorded in the activity log; the author sees it with the hidden content.",
    )

    def __init__(self, *args, allow_close: bool = False, hidden: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("unhide", "Show again")] if hidden else [("hide", "Hide")]
        if allow_close:
            choices.append(("close", "Close the request"))
        self.fields["action"].choices = choices
        if len(choices) == 1:
            self.fields["action"].initial = choices[0][0]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Apply"))


class PrivacyReportForm(forms.Form):
    """A member's privacy concern about a post: what kind, and optionally why."""

    kind = forms.ChoiceField(
        label="What is the concern?",
        choices=PrivacyFlag.Kind.choices,
        initial=PrivacyFlag.Kind.PATIENT,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Anything the facilitators should know (optional)",
        max_length=300,
        required=False,
        help_text="Do not repeat the identifier here.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Report and hide the post"))


class RedactionForm(forms.Form):
    """The facilitator's edited text for each of a post's text fields, prefilled with the current words."""

    def __init__(self, *args, fields: dict[str, str], labels: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = labels or {}
        self.fields["action"] = forms.CharField(widget=forms.HiddenInput, initial="redact")
        for name, value in fields.items():
            widget = forms.TextInput if name in ("title", "period") else forms.Textarea(attrs={"rows": 6})
            self.fields[name] = forms.CharField(
                label=labels.get(name) or name.replace("_", " ").capitalize(),
                initial=value,
                required=name in ("title", "situation", "body"),
                widget=widget,
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Redact: replace the text everywhere"))
