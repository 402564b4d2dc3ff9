"""The IMAP poller: a mailbox (Exchange, Dovecot, any IMAP server) as a queue of replies.

Every message left in the folder of ``INBOUND_IMAP_URL`` is fetched without marking it read
(``BODY.PEEK[]``), processed by :func:`process_inbound`, then moved to the Processed folder (or
Failed). A worker killed between processing and moving leaves the message in the folder; the next
poll processes it again, finds its record, and only moves it: nothing is posted twice or lost.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from imapclient import IMAPClient

from practice.inbound.service import process_inbound
from practice.models import InboundEmail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    use_ssl: bool
    username: str
    password: str
    folder: str

    @classmethod
    def from_url(cls, url: str) -> Mailbox:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError("INBOUND_IMAP_URL must start with imaps:// (or imap://)")
        if not parts.hostname or not parts.username:
            raise ValueError("INBOUND_IMAP_URL needs a user and a host: imaps://user:password@host/INBOX")
        use_ssl = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if use_ssl else 143),
            use_ssl=use_ssl,
            username=unquote(parts.username),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
        )


@dataclass
class PollResult:
    seen: int = 0
    states: dict[str, int] = field(default_factory=dict)


def _connect(box: Mailbox) -> IMAPClient:
    context = ssl.create_default_context() if box.use_ssl else None
    client = IMAPClient(
        box.host, port=box.port, ssl=box.use_ssl, ssl_context=context, timeout=settings.INBOUND_IMAP_TIMEOUT
    )
    client.login(box.username, box.password)
    return client


def _move(client: IMAPClient, uid: int, folder: str) -> None:
    if client.has_capability("MOVE"):
        client.move([uid], folder)
    else:
        client.copy([uid], folder)
        client.delete_messages([uid])
        client.expunge([uid]) if client.has_capability("UIDPLUS") else client.expunge()


def poll(url: str | None = None, *, limit: int = 200) -> PollResult:
    """Process up to ``limit`` messages of the mailbox; return how many of each outcome."""
    url = url if url is not None else settings.INBOUND_IMAP_URL
    result = PollResult()
    if not url:
        return result
    box = Mailbox.from_url(url)
    processed, failed = settings.INBOUND_IMAP_PROCESSED_FOLDER, settings.INBOUND_IMAP_FAILED_FOLDER
    client = _connect(box)
    try:
        for folder in (processed, failed):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        client.select_folder(box.folder)
        uids = sorted(client.search(["NOT", "DELETED"]))[:limit]
        for uid in uids:
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
            if not fetched or b"BODY[]" not in fetched:
                continue  # moved away by another poller meanwhile
            row = process_inbound(bytes(fetched[b"BODY[]"]), source="imap")
            result.seen += 1
            result.states[row.state] = result.states.get(row.state, 0) + 1
            _move(client, uid, failed if row.state == InboundEmail.State.FAILED else processed)
    finally:
        try:
            client.logout()
        except Exception:  # the connection is gone already; nothing to release
            log.debug("IMAP logout failed", exc_info=True)
    return result
