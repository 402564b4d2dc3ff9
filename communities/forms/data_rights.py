"""The confirmation a member gives before their account is deleted."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

CONFIRM_WORD = "delete"


class AccountDeleteForm(forms.Form):
    confirm = forms.CharField(
        label=f'Type "{CONFIRM_WORD}" to confirm',
        max_length=20,
        help_text="This cannot be undone.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Delete my account", css_class="btn-danger"))

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value.lower() != CONFIRM_WORD:
            raise forms.ValidationError(f'Type the word "{CONFIRM_WORD}" to delete your account.')
        return value
