"""Patient identifiers in free text: national identity numbers (checksums verified), medical record
numbers, dates of birth, phone numbers and email addresses.

The portal runs every text a member writes through :func:`find_identifiers` before it is posted
(``communities/forms/privacy.py``). A finding is a *possible* identifier: the member removes it, or
confirms that it is not patient information. Checksums come from python-stdnum (UK NHS number,
Dutch BSN, US SSN structure) and phone numbers from phonenumbers (Google's libphonenumber); the
Singapore NRIC/FIN check letter has no well-kept Python library, so it is computed here from the
published algorithm.

Which detectors run is the setting ``PHI_DETECTORS``; the site's medical record number patterns are
``PHI_MRN_PATTERNS`` and a community may add its own (``Community.mrn_patterns``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.utils.crypto import salted_hmac
from stdnum.gb import nhs
from stdnum.nl import bsn
from stdnum.us import ssn


@dataclass(frozen=True)
class Finding:
    """One possible identifier: what kind, where in the text, and the text matched."""

    kind: str
    start: int
    end: int
    value: str

    @property
    def label(self) -> str:
        return DETECTORS[self.kind].label

    @property
    def message(self) -> str:
        return f"This looks like {self.label}: {self.value}. Remove it, or describe the patient without identifiers."

    @property
    def fingerprint(self) -> str:
        """Stable for the same kind and value, meaningless without the server's secret key.

        A member's "this is not patient information" confirmation names findings by fingerprint, so
        the form can tell which findings were confirmed without the value ever being stored.
        """
        normalised = re.sub(r"[\s.\-/]", "", self.value).upper()
        return salted_hmac("childsys.phi.finding", f"{self.kind}:{normalised}").hexdigest()[:20]


@dataclass(frozen=True)
class Detector:
    kind: str
    label: str  # "an NHS number": reads after "This looks like"
    find: Callable[[str, tuple[re.Pattern, ...]], Iterator[tuple[int, int]]]


def _candidates(pattern: re.Pattern, text: str, valid: Callable[[str], bool]) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        if valid(match.group(0)):
            yield match.start(), match.end()


# --- national identity numbers -------------------------------------------------------------------

_NRIC = re.compile(r"(?<![A-Za-z0-9])[STFGM]\d{7}[A-Z](?![A-Za-z0-9])", re.IGNORECASE)
_NRIC_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
_NRIC_LETTERS = {"ST": "JZIHGFEDCBA", "FG": "XWUTRQPNMLK", "M": "KLJNPQRTUWX"}
_NRIC_OFFSET = {"S": 0, "T": 4, "F": 0, "G": 4, "M": 3}


def nric_is_valid(value: str) -> bool:
    """Singapore NRIC / FIN: prefix S, T (citizens), F, G, M (foreigners), seven digits, a check letter."""
    value = value.upper()
    if not re.fullmatch(r"[STFGM]\d{7}[A-Z]", value):
        return False
    prefix = value[0]
    total = sum(int(d) * w for d, w in zip(value[1:8], _NRIC_WEIGHTS, strict=True)) + _NRIC_OFFSET[prefix]
    letters = next(series for key, series in _NRIC_LETTERS.items() if prefix in key)
    if prefix == "M":
        return value[8] == letters[10 - total % 11]
    return value[8] == letters[total % 11]


def _find_nric(text: str, _extra) -> Iterator[tuple[int, int]]:
    yield from _candidates(_NRIC, text, nric_is_valid)


_NHS = re.compile(r"(?<![\d.\-/])\d{3}[ \-]?\d{3}[ \-]?\d{4}(?![\d.\-/])")


def _find_nhs(text: str, _extra) -> Iterator[tuple[int, int]]:
    yield from _candidates(_NHS, text, lambda v: nhs.is_valid(re.sub(r"\D", "", v)))


_BSN = re.compile(r"(?<![\d.\-/])(?:\d{9}|\d{4}[ .]\d{2}[ .]\d{3}|\d{3}[ .]\d{3}[ .]\d{3})(?![\d.\-/])")


def _find_bsn(text: str, _extra) -> Iterator[tuple[int, int]]:
    # A BSN is nine digits passing the "11-proof"; written plain, in 3-3-3 or 4-2-3 groups.
    yield from _candidates(_BSN, text, lambda v: bsn.is_valid(re.sub(r"\D", "", v)))


_SSN = re.compile(r"(?<![\d\-])\d{3}([ \-])\d{2}\1\d{4}(?![\d\-])|(?i:\bSSN\b[:#\s]*)\d{9}\b")


def _find_ssn(text: str, _extra) -> Iterator[tuple[int, int]]:
    # US Social Security numbers carry no check digit: python-stdnum checks their structure (area,
    # group and serial ranges, never-issued blocks). Nine bare digits count only after "SSN".
    for match in _SSN.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if ssn.is_valid(digits):
            start = match.end() - 9 if match.group(0)[:1].isalpha() else match.start()
            yield start, match.end()


# --- records, dates of birth, contact details ----------------------------------------------------


def _find_mrn(text: str, extra: tuple[re.Pattern, ...]) -> Iterator[tuple[int, int]]:
    for pattern in (*mrn_patterns(), *extra):
        for match in pattern.finditer(text):
            if match.end() > match.start():
                yield match.start(), match.end()


_DATE = (
    r"(?:\d{1,2}[./\-]\d{1,2}[./\-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}"
    r"|[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
)
_DOB = re.compile(
    r"(?i:\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?))\s*[:\-]?\s*(?P<date>" + _DATE + ")"
)


def _find_dob(text: str, _extra) -> Iterator[tuple[int, int]]:
    for match in _DOB.finditer(text):
        yield match.start("date"), match.end("date")


def _find_phone(text: str, _extra) -> Iterator[tuple[int, int]]:
    seen: set[tuple[int, int]] = set()
    for region in settings.PHI_PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            span = (match.start, match.end)
            if span not in seen:
                seen.add(span)
                yield span


_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b")


def _find_email(text: str, _extra) -> Iterator[tuple[int, int]]:
    for match in _EMAIL.finditer(text):
        yield match.start(), match.end()


DETECTORS: dict[str, Detector] = {
    d.kind: d
    for d in (
        Detector("sg_nric", "a Singapore NRIC/FIN number", _find_nric),
        Detector("gb_nhs", "an NHS number", _find_nhs),
        Detector("nl_bsn", "a BSN (Dutch citizen service number)", _find_bsn),
        Detector("us_ssn", "a US Social Security number", _find_ssn),
        Detector("mrn", "a medical record number", _find_mrn),
        Detector("dob", "a date of birth", _find_dob),
        Detector("phone", "a phone number", _find_phone),
        Detector("email", "an email address", _find_email),
    )
}
# When two detectors claim overlapping text, the first in this order names it.
PRECEDENCE = ("sg_nric", "gb_nhs", "nl_bsn", "us_ssn", "mrn", "dob", "email", "phone")


def compile_patterns(lines: Iterable[str]) -> tuple[re.Pattern, ...]:
    """Regular expressions, one per non-empty line; raises ``re.error`` on a bad one."""
    return tuple(re.compile(line.strip()) for line in lines if line.strip())


_site_patterns: tuple[tuple[str, ...], tuple[re.Pattern, ...]] | None = None


def mrn_patterns() -> tuple[re.Pattern, ...]:
    """The site's medical record number patterns (``PHI_MRN_PATTERNS``), compiled once per value."""
    global _site_patterns
    source = tuple(settings.PHI_MRN_PATTERNS)
    if _site_patterns is None or _site_patterns[0] != source:
        _site_patterns = (source, compile_patterns(source))
    return _site_patterns[1]


def find_identifiers(text: str, *, extra_mrn_patterns: tuple[re.Pattern, ...] = ()) -> list[Finding]:
    """Every possible patient identifier in ``text``, in reading order, overlaps resolved by PRECEDENCE."""
    if not text:
        return []
    enabled = [kind for kind in PRECEDENCE if kind in settings.PHI_DETECTORS]
    taken: list[Finding] = []
    for kind in enabled:
        for start, end in DETECTORS[kind].find(text, extra_mrn_patterns):
            if any(start < f.end and f.start < end for f in taken):
                continue
            taken.append(Finding(kind=kind, start=start, end=end, value=text[start:end]))
    return sorted(taken, key=lambda f: f.start)
