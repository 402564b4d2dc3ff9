"""The confirmation a member gives before their account is deleted, and the request for a download of their data."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from communities.services.submissions import SubmitOnceMixin

CONFIRM_WORD = "delete"


KEEP, REMOVE = "keep", "remove"


class AccountDeleteForm(forms.Form):
    contributions = forms.ChoiceField(
        label="What you wrote",
        choices=[
            (KEEP, "Keep what I wrote, as Former member"),
            (REMOVE, "Also remove what I wrote where nobody else's posts depend on it"),
        ],
        initial=KEEP,
        required=False,  # no choice sent keeps what they wrote: the default never removes anything
        widget=forms.RadioSelect,
    )
    confirm = forms.CharField(
        label=f'Type "{CONFIRM_WORD}" to confirm',
        max_length=20,
        help_text="This cannot be undone.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Delete my account", css_class="btn-danger"))

    def clean_contributions(self) -> str:
        return self.cleaned_data.get("contributions") or KEEP

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value.lower() != CONFIRM_WORD:
            raise forms.ValidationError(f'Type the word "{CONFIRM_WORD}" to delete your account.')
        return value


class DataExportForm(SubmitOnceMixin, forms.Form):
    """Asking for a download of one's data: no fields, only the one-time token (a double click asks once)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Prepare my download"))
