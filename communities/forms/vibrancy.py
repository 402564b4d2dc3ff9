"""Forms of the vibrancy area: the sliders, opening a round, the focus dimensions. Validation only."""

from __future__ import annotations

from datetime import date, datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from communities.models import Community, Dimension, VibrancyScore
from communities.models.vibrancy import SCORE_MAX, SCORE_MIN
from communities.services.vibrancy import COMMENT_MAX, ScoreEntry, closes_at_for

MIDPOINT = (SCORE_MIN + SCORE_MAX) // 2
MEASURES = [("now", "Where we are now"), ("should_be", "Where we should be")]
SCORE_ERROR = f"Enter a whole number from {SCORE_MIN} to {SCORE_MAX}."


class RangeInput(forms.NumberInput):
    input_type = "range"


def value_text(value: int | None, unrated: bool) -> str:
    """What a screen reader announces for a slider (its aria-valuetext)."""
    return "not rated yet" if unrated or value is None else f"{value} out of {SCORE_MAX}"


class VibrancyScoresForm(forms.Form):
    """Two sliders and a comment per dimension.

    An untouched range input still submits a value, so each slider has a "Not rated yet" box:
    ticked, the slider counts as unrated whatever its position. Scripts untick it as soon as the
    slider moves; without scripts the member unticks it. A hidden ``-shown`` field carries the
    position the page showed, so a slider moved while its box stayed ticked is caught as an error
    (nothing is saved, nothing is lost) instead of silently dropped.
    """

    def __init__(
        self,
        *args,
        dimensions: list[Dimension],
        scores: dict[int, VibrancyScore] | None = None,
        disabled: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        scores = scores or {}
        for dimension in dimensions:
            score = scores.get(dimension.pk)
            for measure, label in MEASURES:
                value = getattr(score, measure) if score else None
                shown = MIDPOINT if value is None else value
                name = self.field_name(dimension, measure)
                self.fields[name] = forms.IntegerField(
                    label=f"{dimension.name}: {label.lower()}",
                    required=False,
                    min_value=SCORE_MIN,
                    max_value=SCORE_MAX,
                    initial=shown,
                    widget=RangeInput(attrs={"min": SCORE_MIN, "max": SCORE_MAX, "step": 1, "class": "form-range"}),
                    error_messages={"invalid": SCORE_ERROR, "min_value": SCORE_ERROR, "max_value": SCORE_ERROR},
                    disabled=disabled,
                )
                self.fields[f"{name}-unrated"] = forms.BooleanField(
                    label="Not rated yet", required=False, initial=value is None, disabled=disabled
                )
                self.fields[f"{name}-shown"] = forms.IntegerField(
                    required=False, initial=shown, widget=forms.HiddenInput, disabled=disabled
                )
            self.fields[f"{dimension.slug}-comment"] = forms.CharField(
                label=f"Comment on {dimension.name} (optional)",
                required=False,
                max_length=COMMENT_MAX,
                initial=score.comment if score else "",
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                disabled=disabled,
            )

    @staticmethod
    def field_name(dimension: Dimension, measure: str) -> str:
        return f"{dimension.slug}-{measure}"

    def _raw(self, name: str) -> str:
        return str(self.data.get(self.add_prefix(name), "")) if self.is_bound else ""

    def clean(self) -> dict:
        cleaned = super().clean()
        for dimension in self.dimensions:
            for measure, _label in MEASURES:
                name = self.field_name(dimension, measure)
                if name in self.errors:
                    continue
                value, unrated = cleaned.get(name), cleaned.get(f"{name}-unrated")
                shown = cleaned.get(f"{name}-shown")
                if unrated and value is not None and shown is not None and value != shown:
                    self.add_error(
                        name,
                        f"You moved this slider to {value} but “Not rated yet” is still ticked. "
                        f"Untick it to save {value}, or save again to leave it unrated.",
                    )
                elif not unrated and value is None:
                    self.add_error(name, f"{SCORE_ERROR} Or tick “Not rated yet”.")
        return cleaned

    def entries(self) -> dict[int, ScoreEntry]:
        """The cleaned input as score entries by dimension id (call after ``is_valid()``)."""
        out = {}
        for dimension in self.dimensions:
            values = {}
            for measure, _label in MEASURES:
                name = self.field_name(dimension, measure)
                values[measure] = None if self.cleaned_data.get(f"{name}-unrated") else self.cleaned_data.get(name)
            out[dimension.pk] = ScoreEntry(
                now=values["now"],
                should_be=values["should_be"],
                comment=(self.cleaned_data.get(f"{dimension.slug}-comment") or "").strip(),
            )
        return out

    def rows(self) -> list[dict]:
        """Per dimension, what the template needs: bound fields and the slider's current state."""
        rows = []
        for dimension in self.dimensions:
            sliders = []
            for measure, label in MEASURES:
                name = self.field_name(dimension, measure)
                field, unrated = self[name], self[f"{name}-unrated"]
                raw = field.value()
                try:
                    position = min(max(int(str(raw)), SCORE_MIN), SCORE_MAX)
                except (TypeError, ValueError):
                    position = MIDPOINT
                is_unrated = bool(unrated.value())
                sliders.append(
                    {
                        "measure": measure,
                        "label": label,
                        "field": field,
                        "unrated": unrated,
                        "is_unrated": is_unrated,
                        "position": position,
                        "raw_shown": str(raw) if field.errors and raw not in (None, "") else "",
                        "shown_name": self.add_prefix(f"{name}-shown"),
                        "value_text": value_text(position, is_unrated),
                    }
                )
            rows.append({"dimension": dimension, "sliders": sliders, "comment": self[f"{dimension.slug}-comment"]})
        return rows


class RoundOpenForm(forms.Form):
    closes_on = forms.DateField(
        label="Open until (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The round closes at the end of this day in the community's time zone. "
        "Leave empty to close it by hand.",
    )
    note = forms.CharField(
        label="Note to members (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why now, and what you will do with the results. Markdown.",
    )

    def __init__(self, *args, community: Community, action: str, now: datetime | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        self.now = now or timezone.now()
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("submit", "Open the round"))

    def clean_closes_on(self) -> date | None:
        day = self.cleaned_data.get("closes_on")
        if day is not None and day < self.now.astimezone(self.community.tzinfo).date():
            raise forms.ValidationError("Choose today or a later day.")
        return day

    @property
    def closes_at(self) -> datetime | None:
        day = self.cleaned_data.get("closes_on")
        return closes_at_for(day, self.community.tzinfo) if day else None


class FocusForm(forms.Form):
    dimensions = forms.ModelMultipleChoiceField(
        label="Dimensions we are turning up this period",
        queryset=Dimension.objects.order_by("number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members see them highlighted on their sliders; the dashboard highlights them too.",
    )

    def __init__(self, *args, action: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dimensions"].label_from_instance = lambda d: f"{d.name}: {d.summary}"
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("submit", "Save the focus"))
