"""Forms of the communities app: validation only; services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from communities.models import Category, Community, EmailMode


class SignupExtraForm(forms.Form):
    """Extra sign-up field for allauth: the name other members will see."""

    display_name = forms.CharField(
        max_length=80,
        label="Your name",
        help_text="How other members will see you, for example “Sam Jansen”.",
    )

    def signup(self, request, user) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class CommunityCreateForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "slug", "domain", "visibility", "time_zone"]
        widgets = {"domain": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"time_zone": "Dates in reminders and reports use this zone, e.g. Europe/Amsterdam."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Create community"))

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].lower()


class CommunitySettingsForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = [
            "name",
            "domain",
            "visibility",
            "stage",
            "time_zone",
            "response_commitment_hours",
            "follow_up_first_days",
            "follow_up_every_days",
            "follow_up_max_reminders",
            "mrn_patterns",
        ]
        widgets = {"domain": forms.Textarea(attrs={"rows": 3}), "mrn_patterns": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save settings"))


class NotificationPreferencesForm(forms.Form):
    """One email choice per category."""

    def __init__(self, *args, current: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for category in Category:
            self.fields[category.value] = forms.ChoiceField(
                label=category.label,
                choices=EmailMode.choices,
                initial=current.get(category.value, EmailMode.IMMEDIATE),
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save email preferences"))
