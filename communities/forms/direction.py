"""Forms of the Direction area: validation only; the services in ``services/direction.py`` decide."""

from __future__ import annotations

from datetime import date

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.text import slugify

from communities.forms.privacy import PatientIdentifierGuard
from communities.models import (
    AppreciativeInquiry,
    Community,
    Objective,
    Phase,
    User,
    ValueProposition,
    VisionDraft,
    VisionStance,
)
from communities.models.direction import DEFAULT_PROMPTS
from communities.services.submissions import SubmitOnceMixin


def _helper(submit: str, *, action: str = "", form_tag: bool = True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    if action:
        helper.form_action = action
    # Each submit button its own id: several of these forms share a page.
    helper.add_input(Submit("submit", submit, css_id=f"submit-{slugify(submit)}"))
    return helper


class PurposeForm(PatientIdentifierGuard, forms.Form):
    text = forms.CharField(
        label="Purpose",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why this community exists, in a few sentences; usually it mirrors the organisation's goals. "
        "Markdown works. Every version is kept.",
        error_messages={"required": "Write the purpose: why does this community exist? It cannot be empty."},
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save purpose")
        self.phi_guard(community=community, fields=["text"])


class VisionDraftForm(PatientIdentifierGuard, SubmitOnceMixin, forms.ModelForm):
    open_now = forms.BooleanField(
        label="Open it for stances now (members are notified)",
        required=False,
        initial=True,
    )
    inquiry = forms.ModelChoiceField(
        queryset=AppreciativeInquiry.objects.none(), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = VisionDraft
        fields = ["title", "text"]
        labels = {"text": "Vision"}
        widgets = {"text": forms.Textarea(attrs={"rows": 12})}
        error_messages = {
            "title": {"required": "Give the draft a title."},
            "text": {"required": "Write the vision: what the community wants to become."},
        }

    def __init__(self, *args, community: Community, creating: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inquiry"].queryset = AppreciativeInquiry.objects.filter(community=community)
        if not creating:
            del self.fields["open_now"]
            del self.fields["inquiry"]
        self.helper = _helper("Save draft" if creating else "Save changes")
        self.phi_guard(community=community, fields=["title", "text"])


class StanceForm(PatientIdentifierGuard, SubmitOnceMixin, forms.ModelForm):
    class Meta:
        model = VisionStance
        fields = ["stance", "comment"]
        labels = {"stance": "Your stance", "comment": "Your comment"}
        widgets = {"stance": forms.RadioSelect, "comment": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"comment": "Needed when you have concerns or object: say what would make it better."}
        error_messages = {"stance": {"required": "Choose support, support with concerns, or object."}}

    def __init__(self, *args, community: Community, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stance"].choices = VisionStance.Stance.choices  # no empty choice for radios
        # The template writes the <form action>: crispy would also copy a helper's action onto the radios' <div>.
        self.action = action
        self.helper = _helper("Save my stance", form_tag=False)
        self.phi_guard(community=community, fields=["comment"])

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("stance") in (VisionStance.Stance.CONCERNS, VisionStance.Stance.OBJECT)
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", "Say what concerns you, so the draft can improve.")
        return data


class CommentForm(PatientIdentifierGuard, forms.Form):
    text = forms.CharField(
        label="Add a comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something before posting."},
    )

    def __init__(self, *args, community: Community, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Post comment", action=action)
        self.phi_guard(community=community, fields=["text"])


class InquiryForm(PatientIdentifierGuard, forms.ModelForm):
    class Meta:
        model = AppreciativeInquiry
        fields = ["title", "prompt_discover", "prompt_dream", "prompt_design", "prompt_destiny"]
        widgets = {f"prompt_{p.value}": forms.Textarea(attrs={"rows": 3}) for p in Phase}
        help_texts = {
            "title": "For example “Our community at its best, spring round”.",
            "prompt_discover": "Discover: stories of the community at its best.",
            "prompt_dream": "Dream: what might be.",
            "prompt_design": "Design: what should be, as possibility statements.",
            "prompt_destiny": "Destiny: commitments and actions.",
        }
        error_messages = {"title": {"required": "Give the inquiry a title."}}

    def __init__(self, *args, community: Community, creating: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if creating and not self.is_bound:
            for p in Phase:
                self.fields[f"prompt_{p.value}"].initial = DEFAULT_PROMPTS[p]
        self.helper = _helper("Open inquiry" if creating else "Save changes")
        self.phi_guard(community=community, fields=["title", *(f"prompt_{p.value}" for p in Phase)])

    def prompts(self) -> dict[str, str]:
        return {p.value: self.cleaned_data[f"prompt_{p.value}"] for p in Phase}


class ContributionForm(PatientIdentifierGuard, forms.Form):
    phase = forms.ChoiceField(choices=Phase.choices, widget=forms.HiddenInput)
    text = forms.CharField(
        label="Your contribution",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write your answer before adding it."},
    )

    def __init__(self, *args, community: Community, phase: str, action: str = "", **kwargs) -> None:
        # Four of these share a page: give each its own element ids.
        kwargs.setdefault("auto_id", f"id_{phase}_%s")
        kwargs.setdefault("initial", {"phase": phase})
        super().__init__(*args, **kwargs)
        self.fields["text"].label = f"Your {Phase(phase).label} contribution"
        self.helper = _helper("Add", action=action)
        self.phi_guard(community=community, fields=["text"])


class StrategyForm(PatientIdentifierGuard, forms.Form):
    text = forms.CharField(
        label="Strategy",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="How the community will pursue its vision. Markdown works. Every version is kept.",
        error_messages={"required": "Write the strategy statement; it cannot be empty."},
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save strategy")
        self.phi_guard(community=community, fields=["text"])


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.name


class ObjectiveForm(PatientIdentifierGuard, forms.ModelForm):
    owner = OwnerChoiceField(
        queryset=User.objects.none(),
        help_text="A member of this community who keeps an eye on it.",
        error_messages={
            "required": "Choose an owner.",
            "invalid_choice": "The owner must be a member of this community.",
        },
    )

    class Meta:
        model = Objective
        fields = ["title", "description", "measure", "target", "owner", "due_date", "status"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {
            "title": {"required": "Give the objective a title."},
            "measure": {"required": "Say how you will measure it."},
            "target": {"required": "Say what value you aim for."},
            "due_date": {"required": "Choose a due date.", "invalid": "Enter a date as YYYY-MM-DD."},
        }

    def __init__(self, *args, community: Community, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["owner"].queryset = User.objects.filter(memberships__community=community).order_by(
            "display_name", "email"
        )
        creating = self.instance.pk is None
        self.helper = _helper("Add objective" if creating else "Save objective")
        self.phi_guard(community=community, fields=["title", "description", "measure", "target"])

    def clean_due_date(self) -> date:
        due = self.cleaned_data["due_date"]
        # On edit, an unchanged past date is fine: an overdue objective still needs its status updated.
        unchanged = self.instance.pk is not None and due == self.instance.due_date
        if due < self.today and not unchanged:
            raise forms.ValidationError(
                f"The due date is in the past; choose {self.today.day} {self.today:%B %Y} or later."
            )
        return due


class ObjectiveStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Objective.Status.choices, label="Status")


class ValuePropositionForm(PatientIdentifierGuard, forms.ModelForm):
    class Meta:
        model = ValueProposition
        fields = ["for_whom", "problem", "value", "proof"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in ["for_whom", "problem", "value", "proof"]}
        help_texts = {
            "for_whom": "Who the community serves, e.g. “ward teams and the patients in their care”.",
            "problem": "The problem of practice it tackles.",
            "value": "What members and the organisation gain.",
            "proof": "Evidence so far: stories, figures, outcomes.",
        }
        error_messages = {
            "for_whom": {"required": "Say for whom the community creates value."},
            "problem": {"required": "Say what problem it tackles."},
            "value": {"required": "Say what value it brings."},
            "proof": {"required": "Give some proof, even early evidence."},
        }

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save value proposition")
        self.phi_guard(community=community, fields=["for_whom", "problem", "value", "proof"])
