"""The outbox's MIME messages as bytes, built directly instead of through ``email.generator``.

Django's ``EmailMessage.message().as_bytes()`` costs about 2 ms per email on the outbox's hot path,
most of it the standard library's header folding: every header longer than 78 characters (the
signed one-click unsubscribe link, a non-ASCII subject) goes through ``email.header.Header``. An
outbox email has a fixed shape (a text body, optionally an HTML body and further text parts,
string headers), so :func:`message_bytes` writes the same message as Django would, byte for byte
equivalent to a MIME parser (tests/communities/test_mime.py compares the two), in a fraction of
the time:

* non-ASCII unstructured headers (the subject) as RFC 2047 base64 encoded-words of whole
  characters; non-ASCII address headers through Django's own ``sanitize_address``;
* ASCII headers as they are, folded at spaces past 78 characters;
* bodies as ``utf-8`` in 7bit or 8bit, or quoted-printable when a line exceeds RFC 5322's
  998 octets (Django's rule); CRLF line endings throughout.
"""

from __future__ import annotations

import base64
import functools
import re
import uuid
from email.utils import formatdate, getaddresses

from django.conf import settings
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, BadHeaderError, sanitize_address, utf8_charset_qp

ADDRESS_HEADERS = {"from", "to", "cc", "bcc", "reply-to", "sender", "resent-to", "resent-cc", "resent-from"}
# An address the envelope can carry as it is (what sanitize_address returns for it, unchanged).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
# utf-8 octets per encoded-word: base64 of 42 octets is 56 characters, "=?utf-8?b?…?=" adds 12 (RFC 2047: ≤ 75),
# so even the first line ("Subject: " and a word) stays within 78.
_WORD_OCTETS = 42
_FOLD_AT = 78


@functools.lru_cache(maxsize=4096)  # the sender's address on every email; recipients of a fan-out
def envelope_address(address: str) -> str:
    """The address for SMTP's MAIL FROM / RCPT TO, as Django's SMTP backend gives it."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, "utf-8")


def _encoded_words(value: str) -> str:
    words, chunk, size = [], [], 0
    for char in value:
        octets = len(char.encode())
        if size + octets > _WORD_OCTETS:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += octets
    words.append("".join(chunk))
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode('ascii')}?=" for w in words)


def _fold(name: str, value: str) -> str:
    """An ASCII header's value, folded at spaces so lines stay near 78 characters where they can."""
    if len(name) + 2 + len(value) <= _FOLD_AT or " " not in value:
        return value
    lines, line = [], ""
    width = len(name) + 2
    for word in value.split(" "):
        if line and width + len(line) + 1 + len(word) > _FOLD_AT:
            lines.append(line)
            line, width = word, 1
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n ".join(lines)


def header_line(name: str, value: str) -> str:
    value = str(value)
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"Header values can't contain newlines (got {value!r} for header {name!r})")
    if value.isascii():
        return f"{name}: {_fold(name, value)}\r\n"
    if name.lower() in ADDRESS_HEADERS:
        value = ", ".join(sanitize_address(addr, "utf-8") for addr in getaddresses((value,)))
        return f"{name}: {value}\r\n"
    return f"{name}: {_encoded_words(value)}\r\n"


def _crlf(text: str) -> str:
    return "\r\n".join(text.splitlines()) + ("\r\n" if text.endswith(("\n", "\r")) else "")


def _part(content: str, mimetype: str) -> tuple[str, bytes]:
    """A text part's Content-Type and Content-Transfer-Encoding lines, and its encoded body."""
    limit = RFC5322_EMAIL_LINE_LENGTH_LIMIT
    if any(len(line.encode(errors="surrogateescape")) > limit for line in content.splitlines()):
        encoding, body = "quoted-printable", _crlf(utf8_charset_qp.body_encode(content)).encode("ascii")
    else:
        encoding = "7bit" if content.isascii() else "8bit"
        body = _crlf(content).encode("utf-8", errors="surrogateescape")
    head = f'Content-Type: {mimetype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
    head += f"Content-Transfer-Encoding: {encoding}\r\n"
    return head, body


def message_bytes(
    *,
    from_email: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    alternatives: list[tuple[str, str]] | None = None,
) -> bytes:
    """The message Django's ``EmailMultiAlternatives`` would send for these fields, as bytes (CRLF)."""
    headers = headers or {}
    names = {name.lower() for name in headers}
    top = [
        header_line("Subject", subject),
        header_line("From", headers.get("From", from_email)),
        header_line("To", headers.get("To", to)),
    ]
    if "Reply-To" in headers:  # where Django puts it
        top.append(header_line("Reply-To", headers["Reply-To"]))
    if "date" not in names:
        top.append(header_line("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
    top.extend(header_line(name, value) for name, value in headers.items() if name not in {"From", "To", "Reply-To"})
    parts = [(body_text, "text/plain")]
    if body_html:
        parts.append((body_html, "text/html"))
    parts.extend((content, mimetype) for content, mimetype in alternatives or ())
    if len(parts) == 1:
        head, body = _part(*parts[0])
        return head.encode("ascii") + "".join(top).encode("ascii") + b"\r\n" + body
    encoded = [_part(content, mimetype) for content, mimetype in parts]
    boundary = f"==============={uuid.uuid4().int:020d}=="
    while any(boundary.encode() in body for _, body in encoded):  # practically never
        boundary = f"==============={uuid.uuid4().int:020d}=="
    out = [
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\nMIME-Version: 1.0\r\n'.encode("ascii"),
        "".join(top).encode("ascii"),
        b"\r\n",
    ]
    for head, body in encoded:
        out.append(f"--{boundary}\r\n{head}\r\n".encode("ascii"))
        out.append(body)
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(out)
