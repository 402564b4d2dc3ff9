"""The patient-identifier guard every form a member writes into uses (help requests, advice, messages, …).

A form calls ``self.phi_guard(community=..., fields=[...])`` at the end of ``__init__``. When
a field holds a possible identifier (``childsys/lib/phi.py``) the form is invalid: each finding is an
error on its field, with the matched text marked, and the form grows a "not patient information"
checkbox per finding. Everything the member typed stays in the form. Ticking the box for a finding
and posting again lets it through; the view records the confirmation (kind only, never the value) in
the community's activity log with :func:`communities.services.privacy.phi_confirmations_record`.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html

from childsys.lib.phi import Finding, compile_patterns, find_identifiers

CONFIRM_FIELD = "phi_confirm"


def community_patterns(community) -> tuple:
    """A community's own medical record number patterns, compiled (validated when they were saved)."""
    text = getattr(community, "mrn_patterns", "") or ""
    return compile_patterns(text.splitlines()) if text.strip() else ()


class PatientIdentifierGuard:
    """Mixin for ``forms.Form`` / ``forms.ModelForm``: put it first among the bases."""

    phi_fields: tuple[str, ...] = ()
    phi_confirmed: tuple[Finding, ...] | list[Finding] = ()  # findings the member confirmed are not patient information
    community = None

    def phi_guard(self, *, community, fields) -> None:
        """Check ``fields`` (names) with the site's detectors and ``community``'s own patterns.

        Called at the end of the form's ``__init__``, once its fields exist.
        """
        self.community = community
        self.phi_fields = tuple(name for name in fields if name in self.fields)
        self.phi_confirmed = []
        for name in self.phi_fields:
            # static/js/phi-check.js warns while the member types (the page names the check's URL).
            self.fields[name].widget.attrs["data-phi-check"] = "on"

    # --- helpers -----------------------------------------------------------------------------------

    def _phi_findings(self, values: dict[str, str]) -> dict[str, list[Finding]]:
        # Memoised per text: full_clean checks the posted text, clean() the cleaned one, which is
        # usually the same string (the community's patterns are compiled once per form too).
        if not hasattr(self, "_phi_memo"):
            self._phi_memo: dict[str, list[Finding]] = {}
            self._phi_extra = community_patterns(self.community)
        found = {}
        for name, value in values.items():
            if not isinstance(value, str):
                continue
            if value not in self._phi_memo:
                self._phi_memo[value] = find_identifiers(value, extra_mrn_patterns=self._phi_extra)
            if self._phi_memo[value]:
                found[name] = self._phi_memo[value]
        return found

    def full_clean(self) -> None:
        # Before the fields are cleaned: offer a confirmation box for every finding in what was posted,
        # so that the box's choices are known when its value is validated.
        if self.is_bound and self.phi_fields:
            raw = {n: self.data.get(self.add_prefix(n), "") for n in self.phi_fields if n in self.fields}
            findings = [f for group in self._phi_findings(raw).values() for f in group]
            if findings:
                self._phi_offer_confirmation(findings)
        super().full_clean()

    def _phi_offer_confirmation(self, findings: list[Finding]) -> None:
        choices = {}
        for finding in findings:
            choices[finding.fingerprint] = format_html(
                "“{}” is not patient information (it looks like {})", finding.value, finding.label
            )
        self.fields[CONFIRM_FIELD] = forms.MultipleChoiceField(
            label="Not patient information?",
            required=False,
            choices=list(choices.items()),
            widget=forms.CheckboxSelectMultiple,
            help_text="Tick a box only if you are sure: for example a ward's phone number or a guideline's "
            "reference number. Facilitators see that you confirmed it, never the number.",
        )
        layout = getattr(getattr(self, "helper", None), "layout", None)
        if layout is not None and not getattr(self, "_phi_in_layout", False):
            layout.append(CONFIRM_FIELD)
            self._phi_in_layout = True

    def clean(self) -> dict:
        data = super().clean()
        confirmed = set(data.get(CONFIRM_FIELD) or ())
        values = {n: data.get(n) for n in self.phi_fields if n in self.fields}
        stopped = False
        for name, findings in self._phi_findings(values).items():
            for finding in findings:
                if finding.fingerprint in confirmed:
                    self.phi_confirmed = [*self.phi_confirmed, finding]
                    continue
                stopped = True
                self.add_error(
                    name,
                    format_html(
                        "This looks like {}: <mark>{}</mark>. Remove it, or describe the patient without identifiers.",
                        finding.label,
                        finding.value,
                    ),
                )
        if stopped:
            self.add_error(
                None,
                "Nothing was posted: what you wrote may identify a patient. Everything you typed is still here; "
                "remove the marked details, or confirm below that they are not patient information.",
            )
        return data
