"""The outbox's MIME bytes read, to a MIME parser, exactly as Django's own message for the same email."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import BadHeaderError, sanitize_address

from communities.services.mime import envelope_address, message_bytes

FROM = "CHILD portal <noreply@child.example>"
UNSUBSCRIBE = "<https://child.example/unsubscribe/" + "eyJ1IjoxMjM0NSwiYyI6ImZvbGxvd191cHMifQ" * 4 + "/>"
CALENDAR = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Ward round\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

CASES = {
    "non-ASCII subject, text and HTML, list headers": {
        "subject": "How did it go? “Night-shift double checks on ward 12 — and the 20-minute wait for a second nurse”",
        "body_text": "Hello Zoë,\n\nHow did it go?\n. a line starting with a dot\nFrom the start\n",
        "body_html": "<p>Hello Zoë,</p>\n<p>How did it go?</p>\n",
        "headers": {"List-Unsubscribe": UNSUBSCRIBE, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    },
    "plain ASCII, text only": {"subject": "Your daily digest", "body_text": "Nothing new today.", "body_html": ""},
    "a line past 998 octets (quoted-printable)": {
        "subject": "Long",
        "body_text": "é" * 700 + "\nshort line\n",
        "body_html": "<p>" + "x" * 1200 + "</p>",
    },
    "Reply-To and threading, a calendar part": {
        "subject": "Session: ward round – Tuesday",
        "body_text": "See you there.\n",
        "body_html": "<p>See you there.</p>",
        "headers": {
            "Reply-To": "Reply to the portal <reply+abc.def@reply.child.example>",
            "In-Reply-To": "<r.12@child.example>",
            "References": "<r.12@child.example> <r.13@child.example> <r.14@child.example> <r.15@child.example>",
            "Auto-Submitted": "auto-generated",
        },
        "alternatives": [(CALENDAR, "text/calendar; method=REQUEST")],
    },
    "non-ASCII display names": {
        "subject": "Bonjour",
        "body_text": "Salut\n",
        "headers": {"Reply-To": "Zoë Müller <reply+x@reply.child.example>"},
        "to": "zoe@example.org",
    },
}


def _django(case: dict, message_id: str) -> bytes:
    message = EmailMultiAlternatives(
        subject=case["subject"],
        body=case["body_text"],
        from_email=FROM,
        to=[case.get("to", "asker@example.org")],
        headers={"Message-ID": message_id, **case.get("headers", {})},
    )
    if case.get("body_html"):
        message.attach_alternative(case["body_html"], "text/html")
    for content, mimetype in case.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    return message.message().as_bytes(linesep="\r\n")


def _ours(case: dict, message_id: str) -> bytes:
    return message_bytes(
        from_email=FROM,
        to=case.get("to", "asker@example.org"),
        subject=case["subject"],
        body_text=case["body_text"],
        body_html=case.get("body_html", ""),
        headers={"Message-ID": message_id, **case.get("headers", {})},
        alternatives=case.get("alternatives"),
    )


def _read(data: bytes):
    message = BytesParser(policy=policy.default).parsebytes(data)
    # Folding whitespace at a value's start is not part of it (Django folds long values right after the colon).
    headers = [(k, str(v).strip()) for k, v in message.items() if k not in {"Date", "Content-Type"}]
    parts = [
        (part.get_content_type(), dict(part.get_params()), part["Content-Transfer-Encoding"], part.get_content())
        for part in message.walk()
        if not part.is_multipart()
    ]
    return message.get_content_type(), headers, parts, message.defects


@pytest.mark.parametrize("name", CASES)
def test_the_message_reads_as_djangos(name):
    case = CASES[name]
    ours, theirs = _ours(case, "<n.1@child.example>"), _django(case, "<n.1@child.example>")
    assert _read(ours) == _read(theirs)
    assert not _read(ours)[3]  # no defects found by the parser
    assert b"\r\n" in ours and b"\n" not in ours.replace(b"\r\n", b"")  # CRLF only
    assert max(len(line) for line in ours.split(b"\r\n")) <= 998


def test_the_non_ascii_subject_is_encoded_in_short_words_of_whole_characters():
    data = _ours(CASES["non-ASCII subject, text and HTML, list headers"], "<n.2@child.example>")
    subject = next(line for line in data.split(b"\r\n\r\n")[0].split(b"\r\n") if line.startswith(b"Subject:"))
    assert subject.startswith(b"Subject: =?utf-8?b?")
    head = data.split(b"\r\n\r\n")[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n") if not line.startswith(b"List-Unsubscribe:"))


def test_a_header_with_a_newline_is_refused():
    with pytest.raises(BadHeaderError):
        message_bytes(from_email=FROM, to="a@example.org", subject="Hi\nBcc: x@example.org", body_text="x")


def test_envelope_addresses_match_djangos_sanitising():
    assert envelope_address("asker@example.org") == "asker@example.org"
    for address in (FROM, "zoë@bücher.example", "Zoë <zoe@example.org>"):
        assert envelope_address(address) == sanitize_address(address, "utf-8")
