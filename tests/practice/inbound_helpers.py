"""Helpers of the reply-by-email tests: the Reply-To a notification carried, and a reply to it."""

from __future__ import annotations

import itertools
from email.message import EmailMessage

from communities.models import OutboundEmail

REPLY_DOMAIN = "reply.child.example"
_ids = itertools.count(1)


def reply_to_of(user, subject_hint: str = "") -> str:
    """The Reply-To of the latest email queued for ``user`` (whose subject contains ``subject_hint``)."""
    emails = [e for e in OutboundEmail.objects.filter(user=user).order_by("-id") if subject_hint in e.subject]
    assert emails, f"no email to {user.email} about {subject_hint!r}"
    return emails[0].headers["Reply-To"]


def reply(
    *,
    to: str,
    sender: str,
    text: str = "Ask the on-call pharmacist to be the second checker.",
    headers: dict[str, str] | None = None,
    attachment: tuple[str, bytes] | None = None,
    message_id: str | None = None,
) -> bytes:
    """A reply as Gmail sends it: the new text on top, the quoted email below."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: New request: Insulin double-checks at night"
    message["Message-ID"] = message_id or f"<reply-{next(_ids)}@mail.example.org>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(
        f"{text}\n\nOn Tue, 1 Dec 2026 at 09:14, CHILD portal <noreply@child.example> wrote:\n\n> Hello,\n> quoted\n"
    )
    if attachment:
        message.add_attachment(attachment[1], maintype="application", subtype="pdf", filename=attachment[0])
    return message.as_bytes()
