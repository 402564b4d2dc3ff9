"""From a raw reply to the text to post: the body, without quotes, "On … wrote:" blocks and signatures.

Quotes and signatures are found by mail-parser-reply (headers of Outlook, Gmail, Apple Mail and
Thunderbird in several languages); HTML-only messages first lose their quoted blocks (each client
marks them: Gmail's ``gmail_quote``, Apple Mail's and Thunderbird's ``<blockquote type="cite">``,
Outlook's ``divRplyFwdMsg``) and are then turned into plain text by inscriptis, which never runs or
fetches anything. The text goes on to the usual Markdown pipeline, which sanitises it on display.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import lxml.html
from inscriptis import get_text
from mailparser_reply.constants import MAIL_LANGUAGES
from mailparser_reply.parser import EmailMessage as ReplyParser

from communities.services.reply_by_email import REPLY_MARKER

LANGUAGES = sorted(MAIL_LANGUAGES)

# Elements that hold the quoted message in each client's HTML. For the "and everything after it" ones
# (Outlook puts its header block first and the old message after it, as siblings) the following
# siblings go too.
_QUOTE_XPATH = (
    "//blockquote[@type='cite']"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote ')]"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote_container ')]"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' moz-cite-prefix ')]"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' gmail_signature ')]"
    " | //div[contains(concat(' ', normalize-space(@class), ' '), ' moz-signature ')]"
    " | //*[@id='Signature']"
)
_QUOTE_AND_REST_XPATH = (
    "//*[@id='divRplyFwdMsg'] | //*[@id='appendonsend'] | //*[@id='mail-editor-reference-message-container']"
)


@dataclass
class Parsed:
    message: EmailMessage
    from_address: str
    recipients: list[str]
    subject: str
    message_id: str
    text: str  # what to post
    attachments: list[str] = field(default_factory=list)  # file names (or content types)


def message_from_bytes(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):  # a malformed header: treat it as absent
        return ""
    return str(value or "").strip()


def header(message: EmailMessage, name: str) -> str:
    return _header(message, name)


def recipients(message: EmailMessage) -> list[str]:
    """Every address the message was delivered to (To, Cc, Delivered-To, X-Original-To, Envelope-To)."""
    values = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"):
        try:
            values.extend(str(v) for v in message.get_all(name, []))
        except (ValueError, TypeError, IndexError):
            continue
    return [address for _, address in getaddresses(values) if address]


def html_to_text(html: str) -> str:
    """Drop the quoted parts of a reply's HTML, then turn the rest into plain text (nothing is run)."""
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in root.xpath("//script | //style | //head | //title"):
        bad.drop_tree()
    for start in root.xpath(_QUOTE_AND_REST_XPATH):
        node = start
        while node is not None and node is not root:
            for sibling in list(node.itersiblings()):
                sibling.drop_tree()
            node = node.getparent()
        start.drop_tree()
    for quote in root.xpath(_QUOTE_XPATH):
        if quote.getparent() is not None:
            quote.drop_tree()
    return get_text(lxml.html.tostring(root, encoding="unicode"))


def strip_reply(text: str) -> str:
    """The newest part of a reply: no quoted lines, "On … wrote:" or "From: … Sent: …" blocks, signatures."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    if REPLY_MARKER in text:
        text = text.split(REPLY_MARKER, 1)[0]
    parsed = ReplyParser(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    for reply in parsed.replies:
        lines = [line for line in reply.body.split("\n") if not line.lstrip().startswith(">")]
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        if body:
            return body
    return ""


def _bodies(message: EmailMessage) -> tuple[str, str, list[str]]:
    """(plain text, HTML, names of attachments)."""
    plain = html = ""
    attachments: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if disposition == "attachment" or filename or content_type not in ("text/plain", "text/html"):
            if (
                content_type.startswith("message/")
                or disposition
                or filename
                or content_type.split("/")[0]
                in (
                    "image",
                    "application",
                    "audio",
                    "video",
                )
            ):
                attachments.append(filename or content_type)
            continue
        try:
            content = part.get_content()
        except (LookupError, ValueError):  # unknown charset: decode what can be decoded
            content = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
        if content_type == "text/plain" and not plain:
            plain = content
        elif content_type == "text/html" and not html:
            html = content
    return plain, html, attachments


def parse(raw: bytes) -> Parsed:
    message = message_from_bytes(raw)
    plain, html, attachments = _bodies(message)
    text = strip_reply(plain) if plain.strip() else strip_reply(html_to_text(html)) if html else ""
    return Parsed(
        message=message,
        from_address=parseaddr(_header(message, "From"))[1].lower(),
        recipients=recipients(message),
        subject=_header(message, "Subject")[:255],
        message_id=_header(message, "Message-ID")[:255],
        text=text,
        attachments=attachments,
    )


def is_automatic(message: EmailMessage) -> str:
    """Why this message must not be answered or posted (RFC 3834 auto-replies, bounces), or ""."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"automatic message (Auto-Submitted: {auto_submitted})"
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return "automatic reply (X-Autoreply)"
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "auto_reply", "junk", "list"):
        return f"automatic message (Precedence: {precedence})"
    if _header(message, "X-Auto-Response-Suppress").lower() in ("all", "oof") and _header(
        message, "X-MS-Exchange-Generated-Message-Source"
    ):
        return "automatic reply (Exchange)"
    content_type = message.get_content_type()
    report_type = (message.get_param("report-type") or "").lower() if content_type == "multipart/report" else ""
    if content_type == "multipart/report" and report_type in ("delivery-status", "disposition-notification", ""):
        return "delivery status notification"
    sender = parseaddr(_header(message, "From"))[1].lower()
    if not _header(message, "Return-Path").strip("<> ") and _header(message, "Return-Path"):
        return "bounce (empty Return-Path)"
    if sender.split("@")[0] in ("mailer-daemon", "postmaster"):
        return "delivery status notification"
    return ""
