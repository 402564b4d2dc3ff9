"""The patient-identifier detectors (childsys/lib/phi.py) over a corpus of clinical texts."""

from __future__ import annotations

import pytest

from childsys.lib.phi import compile_patterns, find_identifiers, nric_is_valid
from tests.support.phi_corpus import CORPUS


@pytest.mark.parametrize(("text", "expected"), CORPUS, ids=[text[:40] for text, _ in CORPUS])
def test_the_corpus(text, expected):
    assert [(f.kind, f.value) for f in find_identifiers(text)] == expected


def test_findings_carry_positions_and_a_message_naming_the_kind():
    text = "Patient NHS 943 476 5919 was readmitted."
    (finding,) = find_identifiers(text)
    assert text[finding.start : finding.end] == "943 476 5919"
    assert finding.message == (
        "This looks like an NHS number: 943 476 5919. Remove it, or describe the patient without identifiers."
    )


def test_the_fingerprint_ignores_formatting_and_differs_by_value():
    spaced, plain, other = (find_identifiers(t)[0] for t in ("943 476 5919", "9434765919", "401 023 2137"))
    assert spaced.fingerprint == plain.fingerprint
    assert spaced.fingerprint != other.fingerprint
    assert "9434765919" not in spaced.fingerprint


@pytest.mark.parametrize("value", ["S1234567D", "T1234567J", "F1234567N", "G1234567X", "M1234567K"])
def test_nric_check_letters(value):
    assert nric_is_valid(value)
    assert not nric_is_valid(value[:-1] + ("A" if value[-1] != "A" else "B"))


def test_only_the_detectors_switched_on_run(settings):
    settings.PHI_DETECTORS = ("gb_nhs",)
    assert [f.kind for f in find_identifiers("NHS 943 476 5919, S1234567D, a@b.org")] == ["gb_nhs"]


def test_site_and_community_record_number_patterns(settings):
    settings.PHI_MRN_PATTERNS = (r"\bHOSP-\d{6}\b",)
    assert [f.value for f in find_identifiers("see HOSP-123456 and MRN 00123456")] == ["HOSP-123456"]
    extra = compile_patterns(["WARD[A-Z]{2}\\d{4}"])
    found = find_identifiers("see HOSP-123456 and WARDAB1234", extra_mrn_patterns=extra)
    assert [(f.kind, f.value) for f in found] == [("mrn", "HOSP-123456"), ("mrn", "WARDAB1234")]
