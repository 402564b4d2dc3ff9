"""The value report's period: a preset, or chosen first and last days. Validation only."""

from __future__ import annotations

from datetime import date, datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row
from django import forms

from communities.models import Community
from communities.selectors.report_periods import (
    CUSTOM,
    DEFAULT_PRESET,
    MAX_CUSTOM_DAYS,
    PRESETS,
    ReportPeriod,
    report_period,
)

EARLIEST = date(2000, 1, 1)


class ReportPeriodForm(forms.Form):
    """``?period=quarter|month|12m`` or ``?period=custom&from=YYYY-MM-DD&to=YYYY-MM-DD`` (days inclusive).

    Days that differ from the preset's own mean chosen dates (the form shows the days of the period
    on display, so a person who edits them gets them). Bad input keeps what was typed, says what is
    wrong, and the report shows the default period meanwhile.
    """

    period = forms.ChoiceField(label="Period", choices=list(PRESETS.items()), required=False)

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        # "from" and "to" are the URL's words; they cannot be class attributes in Python.
        self.fields["from"] = forms.DateField(label="From (first day)", required=False, widget=date_input)
        self.fields["to"] = forms.DateField(label="To (last day)", required=False, widget=date_input)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "no-print"
        self.helper.layout = Layout(
            Row(
                Column("period", css_class="col-sm-4"),
                Column("from", css_class="col-sm-3"),
                Column("to", css_class="col-sm-3"),
                # A plain button: no name, so the period's URL carries only the filter values.
                Column(
                    HTML('<button type="submit" class="btn btn-primary mt-sm-4">Show</button>'), css_class="col-sm-2"
                ),
            )
        )

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("from"), data.get("to")
        preset = data.get("period") or DEFAULT_PRESET
        if preset != CUSTOM and (first or last):
            # Days that differ from the preset's own were typed on purpose: they win.
            shown = report_period(self.community, preset=preset).current
            if (first or shown.first_day, last or shown.last_day) != (shown.first_day, shown.last_day):
                preset = CUSTOM
        data["period"] = preset
        if preset != CUSTOM:
            return data
        if first is None:
            self.add_error("from", "Choose the first day of the period.")
        if last is None:
            self.add_error("to", "Choose the last day of the period.")
        if first is None or last is None:
            return data
        if first < EARLIEST:
            self.add_error("from", f"Choose a day from {EARLIEST:%-d %B %Y} on.")
        elif last < first:
            self.add_error("to", "The last day cannot come before the first day.")
        elif (last - first).days + 1 > MAX_CUSTOM_DAYS:
            self.add_error("to", f"Choose at most {MAX_CUSTOM_DAYS} days.")
        return data

    def report_period(self, *, now: datetime | None = None) -> ReportPeriod:
        """The chosen period when the input is valid, otherwise the default one."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            if data["period"] == CUSTOM:
                return report_period(
                    self.community, preset=CUSTOM, first_day=data["from"], last_day=data["to"], now=now
                )
            return report_period(self.community, preset=data["period"], now=now)
        return report_period(self.community, preset=DEFAULT_PRESET, now=now)


def initial_for(period: ReportPeriod) -> dict:
    """What an unbound form shows: the period on display, its days filled in."""
    return {"period": period.preset, "from": period.current.first_day, "to": period.current.last_day}
