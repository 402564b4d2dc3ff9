"""Forms of the communities app: validation only; services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from communities.models import ALWAYS_SENT, DIGESTS, Category, Community, EmailMode


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
    """One email choice per category the user can receive.

    Account emails are always sent (no field); a digest is one email or none ("By email" or "Off");
    value reports only reach sponsors, so only sponsors see that choice.
    """

    DIGEST_CHOICES = [(EmailMode.IMMEDIATE.value, "By email"), (EmailMode.OFF.value, EmailMode.OFF.label)]

    def __init__(self, *args, current: dict[str, str], is_sponsor: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for category in Category:
            if category in ALWAYS_SENT or (category == Category.REPORTS and not is_sponsor):
                continue
            initial = current.get(category.value, EmailMode.IMMEDIATE)
            if category in DIGESTS:
                choices = self.DIGEST_CHOICES
                initial = EmailMode.OFF if initial == EmailMode.OFF else EmailMode.IMMEDIATE
            else:
                choices = EmailMode.choices
            self.fields[category.value] = forms.ChoiceField(label=category.label, choices=choices, initial=initial)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save email preferences"))
