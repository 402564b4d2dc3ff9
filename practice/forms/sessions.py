"""Scheduling a practice session and answering it: validation only; the session services decide."""

from __future__ import annotations

from datetime import UTC, datetime, time

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.urls import reverse
from django.utils import timezone

from communities.forms.privacy import PatientIdentifierGuard
from communities.models import Community
from communities.services.submissions import SubmitOnceMixin
from practice.forms.requests import MARKDOWN_HELP
from practice.models import PracticeSession, SessionRSVP
from practice.models.sessions import MAX_OCCURRENCES


def _aware(day, at: time, community: Community) -> datetime | None:
    """``day`` at ``at`` in the community's zone, or None when that wall-clock time does not exist (DST gap)."""
    tz = community.tzinfo
    local = datetime.combine(day, at).replace(tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    return local if back.replace(tzinfo=None) == local.replace(tzinfo=None) else None


class SessionForm(PatientIdentifierGuard, forms.Form):
    title = forms.CharField(max_length=160)
    kind = forms.ChoiceField(choices=PracticeSession.Kind.choices, initial=PracticeSession.Kind.CASE_CLINIC)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Starts", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label="Ends", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(max_length=200, required=False, help_text="A room, a ward, an address.")
    online_url = forms.URLField(
        label="Online link", max_length=500, required=False, assume_scheme="https", help_text="Teams, Zoom, Meet…"
    )
    capacity = forms.IntegerField(
        min_value=1, max_value=10000, required=False, help_text="Optional: at most this many can say they're going."
    )
    repeat = forms.ChoiceField(choices=PracticeSession.Repeat.choices, required=False)
    occurrences = forms.IntegerField(
        label="Number of sessions",
        min_value=1,
        max_value=MAX_OCCURRENCES,
        initial=1,
        required=False,
        help_text=f"For a repeating session: how many in all (2–{MAX_OCCURRENCES}).",
    )
    description = forms.CharField(
        required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 5}), help_text=MARKDOWN_HELP
    )

    def __init__(self, *args, community: Community, submit: str = "Schedule session", **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["date"].help_text = f"Times are in the community's time zone, {community.time_zone}."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "title",
            "kind",
            Div(
                Div(Field("date"), css_class="col-md-4"),
                Div(Field("start_time"), css_class="col-md-4"),
                Div(Field("end_time"), css_class="col-md-4"),
                css_class="row",
            ),
            Div(Div("place", css_class="col-md-6"), Div("online_url", css_class="col-md-6"), css_class="row"),
            "capacity",
            Fieldset(
                "Recurrence",
                Div(Div("repeat", css_class="col-md-6"), Div("occurrences", css_class="col-md-6"), css_class="row"),
            ),
            "description",
        )
        self.helper.add_input(Submit("submit", submit))
        self.phi_guard(community=community, fields=["title", "description"])

    @classmethod
    def initial_for(cls, session: PracticeSession) -> dict:
        tz = session.community.tzinfo
        start, end = timezone.localtime(session.starts_at, tz), timezone.localtime(session.ends_at, tz)
        return {
            "title": session.title,
            "kind": session.kind,
            "date": start.date(),
            "start_time": start.time().replace(second=0, microsecond=0),
            "end_time": end.time().replace(second=0, microsecond=0),
            "place": session.place,
            "online_url": session.online_url,
            "capacity": session.capacity,
            "repeat": session.repeat,
            "occurrences": session.occurrences,
            "description": session.description,
        }

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if len(title) < 3:
            raise forms.ValidationError("Give the session a title of at least a few letters.")
        return title

    def clean(self) -> dict:
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            starts_at = _aware(day, start, self.community)
            ends_at = _aware(day, end, self.community)
            if starts_at is None or ends_at is None:
                self.add_error(
                    "start_time" if starts_at is None else "end_time",
                    f"That time does not exist on {day:%d %b %Y} in {self.community.time_zone} "
                    "(the clocks go forward).",
                )
            elif ends_at <= starts_at:
                self.add_error("end_time", "The session must end after it starts (on the same day).")
            else:
                data["starts_at"], data["ends_at"] = starts_at, ends_at
        if not data.get("place") and not data.get("online_url"):
            self.add_error("place", "Say where the session takes place, or give an online link.")
        repeat = data.get("repeat") or ""
        occurrences = data.get("occurrences") or 1
        if repeat and occurrences < 2:
            self.add_error("occurrences", f"A repeating session needs 2 to {MAX_OCCURRENCES} sessions in all.")
        data["repeat"], data["occurrences"] = repeat, occurrences if repeat else 1
        return data

    def schedule_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "place": data["place"],
            "online_url": data["online_url"],
            "capacity": data["capacity"],
            "description": data["description"],
            "repeat": data["repeat"],
            "occurrences": data["occurrences"],
        }


class RSVPForm(forms.Form):
    answer = forms.ChoiceField(
        choices=SessionRSVP.Answer.choices, error_messages={"required": "Choose going, maybe or not going."}
    )


class OccurrenceForm(forms.Form):
    start = forms.DateTimeField(error_messages={"required": "Choose the occurrence to cancel."})


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class AttendanceForm(PatientIdentifierGuard, forms.Form):
    attendees = MemberChoiceField(
        label="Who attended",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Those who said going or maybe are ticked; tick walk-ins too.",
    )
    notes = forms.CharField(
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What was discussed and learned. " + MARKDOWN_HELP,
    )

    def __init__(self, *args, session: PracticeSession, **kwargs):
        super().__init__(*args, **kwargs)
        from communities.models import User

        self.fields["attendees"].queryset = User.objects.filter(
            memberships__community=session.community, is_active=True
        ).order_by("display_name", "id")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save attendance and notes"))
        self.phi_guard(community=session.community, fields=["notes"])


class AgendaPullForm(forms.Form):
    requests = forms.ModelMultipleChoiceField(
        label="Requests", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.ModelMultipleChoiceField(
        label="Topics of the learning agenda", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates, **kwargs):
        from communities.models import Tag
        from practice.models import HelpRequest

        super().__init__(*args, **kwargs)
        self.fields["requests"].queryset = HelpRequest.objects.filter(pk__in=[r.pk for r in candidates.requests])
        self.fields["tags"].queryset = Tag.objects.filter(pk__in=[t.pk for t in candidates.tags])

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("requests") and not data.get("tags"):
            raise forms.ValidationError("Tick at least one request or topic to add.")
        return data


class ProposeForm(PatientIdentifierGuard, forms.Form):
    request = forms.ModelChoiceField(
        label="My request", queryset=None, error_messages={"required": "Choose one of your requests."}
    )
    reason = forms.CharField(
        label="Why the group should work on it",
        max_length=300,
        widget=forms.TextInput(),
        error_messages={"required": "Say in a few words why the group should work on it."},
    )

    def __init__(self, *args, choices, community: Community, **kwargs):
        from practice.models import HelpRequest

        super().__init__(*args, **kwargs)
        self.fields["request"].queryset = HelpRequest.objects.filter(pk__in=[r.pk for r in choices])
        self.phi_guard(community=community, fields=["reason"])


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])


class _NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class SessionAdviceForm(PatientIdentifierGuard, SubmitOnceMixin, forms.Form):
    """Advice given in a held session on one of its agenda requests, in the name of a member who attended."""

    request = forms.ModelChoiceField(label="On the request", queryset=None, empty_label=None)
    author = _NamedChoiceField(
        label="Advice given by", queryset=None, empty_label=None, help_text="One of those who attended."
    )
    body = forms.CharField(
        label="The advice", widget=forms.Textarea(attrs={"rows": 5}), max_length=10000, help_text=MARKDOWN_HELP
    )

    def __init__(self, *args, session: PracticeSession, requests, attendees, recorder, **kwargs):
        super().__init__(*args, **kwargs)
        from communities.models import User
        from practice.models import HelpRequest

        self.fields["request"].queryset = HelpRequest.objects.filter(pk__in=[r.pk for r in requests])
        self.fields["request"].choices = [(r.pk, r.title) for r in requests]
        self.fields["author"].queryset = User.objects.filter(pk__in=[u.pk for u in attendees])
        self.fields["author"].choices = [(u.pk, u.name) for u in attendees]
        if not self.is_bound and any(u.pk == recorder.pk for u in attendees):
            self.fields["author"].initial = recorder.pk
        self.helper = FormHelper()
        self.helper.form_action = reverse(
            "practice:session-advice", kwargs={"slug": session.community.slug, "pk": session.pk}
        )
        self.helper.add_input(Submit("submit", "Record the advice"))
        self.phi_guard(community=session.community, fields=["body"])
