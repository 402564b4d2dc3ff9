"""Forms of the members area (joining, invitations, roles, expertise): validation only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from communities.forms.privacy import PatientIdentifierGuard
from communities.models import Community, Role, Tag
from communities.services.submissions import SubmitOnceMixin


class JoinRequestForm(PatientIdentifierGuard, forms.Form):
    message = forms.CharField(
        label="Message to the facilitators (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who you are and what you hope to bring or learn.",
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", "Ask to join", css_id="submit-join"))
        self.phi_guard(community=community, fields=["message"])
        # The check while typing answers members only; for someone asking to join, the check on submit applies.
        self.fields["message"].widget.attrs.pop("data-phi-check", None)


class InvitationForm(PatientIdentifierGuard, SubmitOnceMixin, forms.Form):
    email = forms.EmailField(label="Email address", help_text="They need no account yet: the link lets them sign up.")
    role = forms.ChoiceField(label="Role", choices=[])
    message = forms.CharField(
        label="Personal note (optional)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, community: Community, roles: list[Role], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]
        self.fields["role"].initial = Role.MEMBER
        self.helper = FormHelper()
        self.helper.form_tag = False  # the templates write the <form> with its action
        self.helper.add_input(Submit("submit", "Send invitation", css_id="submit-invite"))
        self.phi_guard(community=community, fields=["message"])

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ExpertiseForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        label="My areas of expertise",
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Help requests on these topics are routed to you.",
    )
    new_tags = forms.CharField(
        label="Add new areas",
        required=False,
        max_length=400,
        help_text="Comma-separated, for example: sepsis, insulin dosing, handover.",
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = Tag.objects.filter(community=community).order_by("name")
        self.helper = FormHelper()
        self.helper.form_tag = False  # the templates write the <form> with its action
        self.helper.add_input(Submit("submit", "Save my expertise", css_id="submit-expertise"))
