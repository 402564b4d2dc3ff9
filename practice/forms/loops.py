"""The outcome form of a learning loop: validation only; the outcome service decides."""

from __future__ import annotations

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms

from communities.forms.privacy import PatientIdentifierGuard
from communities.services.submissions import SubmitOnceMixin
from practice.forms.requests import MARKDOWN_HELP
from practice.models import MAX_POSTPONEMENTS, Advice, FollowUp, HelpRequest, Outcome


class AdviceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Advice) -> str:
        who = obj.author.name if obj.author else "a former member"
        words = " ".join(re.sub(r"[*_`#>\[\]]", "", obj.body).split())  # plain text: no Markdown marks
        return f"{who}: {words[:90]}{'…' if len(words) > 90 else ''}"


class OutcomeForm(PatientIdentifierGuard, SubmitOnceMixin, forms.Form):
    result = forms.ChoiceField(
        label="How did it turn out?",
        choices=Outcome.Result.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it turned out (or “Too early to tell”)."},
    )
    what_worked = forms.CharField(
        label="What worked", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    what_didnt = forms.CharField(
        label="What didn't", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    do_differently = forms.CharField(
        label="What I'd do differently",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=MARKDOWN_HELP,
    )
    helpful_advice = AdviceChoiceField(
        label="Which advice helped?",
        queryset=Advice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The people who gave it are told their advice helped.",
    )
    share_as_learning = forms.BooleanField(
        label="Share this as learning",
        required=False,
        help_text="Drafts a case story or failure reflection for the community's captured learning; "
        "you can edit it before anyone else sees it.",
    )
    share_kind = forms.ChoiceField(
        label="Share it as",
        choices=Outcome.ShareKind.choices,
        required=False,
        widget=forms.RadioSelect,
        initial=Outcome.ShareKind.CASE_STORY,
    )
    story_consent = forms.BooleanField(
        label="The community's value report may tell this as a story of value created",
        required=False,
        help_text="Optional. Sponsors and facilitators see it in the value report; you can withdraw it later "
        "on the request page.",
    )

    def __init__(self, *args, help_request: HelpRequest, follow_up: FollowUp | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up
        self.fields["helpful_advice"].queryset = (
            Advice.objects.filter(request=help_request, hidden_at__isnull=True)
            .exclude(author_id=help_request.author_id)
            .select_related("author")
            .order_by("created_at", "id")
        )
        left = MAX_POSTPONEMENTS - (follow_up.postponements if follow_up else 0)
        if left <= 0:
            self.fields["result"].choices = [c for c in Outcome.Result.choices if c[0] != Outcome.Result.TOO_EARLY]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "result",
            HTML(
                '<p class="form-text mt-n2 mb-3">“Too early to tell” asks again later '
                f"({left} time{'s' if left != 1 else ''} left); it does not close the loop.</p>"
                if left > 0
                else ""
            ),
            "what_worked",
            "what_didnt",
            "do_differently",
            "helpful_advice",
            Fieldset("Learning and value", "share_as_learning", "share_kind", "story_consent"),
            "submit_token",
        )
        self.helper.add_input(Submit("submit", "Save how it went"))
        self.phi_guard(community=help_request.community, fields=["what_worked", "what_didnt", "do_differently"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("share_as_learning") and data.get("result") == Outcome.Result.TOO_EARLY:
            self.add_error("share_as_learning", "Share it as learning once you know how it turned out.")
        if data.get("share_as_learning") and not data.get("share_kind"):
            self.add_error("share_kind", "Choose a case story or a failure reflection.")
        return data
