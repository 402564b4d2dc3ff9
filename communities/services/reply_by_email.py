"""Reply by email: the signed address a notification's Reply-To carries, and its threading headers.

An address looks like ``reply+r12-u34-lz8k1q-<24 hex>@REPLY_DOMAIN``: the target (``r<pk>`` a help
request, ``a<pk>`` a piece of advice; opaque to this app), the recipient's user id, when it was made
(base 36 seconds) and an HMAC of all three made by Django's ``salted_hmac`` with SECRET_KEY. It is
lowercase only (mail servers may fold the case of a local part) and short enough for the 64
characters RFC 5321 allows a local part. Nothing here knows what a target is: the practice app
(``practice/inbound``) reads the token back and decides.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

SALT = "communities.reply-by-email"
# The footer line (and the line the inbound parser cuts at when a client quotes without ">").
REPLY_MARKER = "Reply to this email to answer; everything above this line is posted."
_TOKEN = re.compile(r"^(?P<target>[a-z][0-9]+)-u(?P<user>[0-9]+)-(?P<ts>[0-9a-z]+)-(?P<sig>[0-9a-f]{24})$")


@dataclass(frozen=True)
class ReplyToken:
    user_id: int
    target: str  # "r12", "a7"
    issued_at: int  # seconds since the epoch


class BadToken(Exception):
    """The address was not made by this site, was changed, or has expired (``expired`` tells which)."""

    def __init__(self, message: str, *, expired: ReplyToken | None = None):
        super().__init__(message)
        self.expired = expired  # an expired token that this site did sign: what it pointed at


def enabled() -> bool:
    return bool(settings.REPLY_DOMAIN)


def _signature(value: str) -> str:
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:24]


def make_token(*, user_id: int, target: str, now: float | None = None) -> str:
    if not re.fullmatch(r"[a-z][0-9]+", target):
        raise ValueError(f"bad reply target {target!r}")
    value = f"{target}-u{user_id}-{int_to_base36(int(now if now is not None else time.time()))}"
    return f"{value}-{_signature(value)}"


def read_token(token: str, *, now: float | None = None) -> ReplyToken:
    """Check the signature and the age (``REPLY_TOKEN_DAYS``); raise :class:`BadToken` otherwise."""
    match = _TOKEN.match(token.strip().lower())
    if not match:
        raise BadToken("not a reply address of this site")
    value = token.strip().lower().rsplit("-", 1)[0]
    if not constant_time_compare(_signature(value), match["sig"]):
        raise BadToken("the reply address was changed")
    issued = base36_to_int(match["ts"])
    token = ReplyToken(user_id=int(match["user"]), target=match["target"], issued_at=issued)
    age = (now if now is not None else time.time()) - issued
    if age > settings.REPLY_TOKEN_DAYS * 86400:
        raise BadToken("the reply address has expired", expired=token)
    return token


def reply_address(token: str) -> str:
    return f"reply+{token}@{settings.REPLY_DOMAIN}"


def token_from_addresses(addresses: list[str]) -> str | None:
    """The token of the first ``reply+<token>@REPLY_DOMAIN`` among ``addresses`` (To, Cc, Delivered-To…)."""
    domain = settings.REPLY_DOMAIN.lower()
    for address in addresses:
        local, _, host = address.strip().strip("<>").lower().rpartition("@")
        if host == domain and local.startswith("reply+"):
            return local[len("reply+") :]
    return None


def thread_id(thread: str) -> str:
    """The Message-ID every email of one conversation refers to, so mail clients group them."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "child.example"
    return f"<{thread}@{domain}>"


def reply_headers(*, user_id: int | None, target: str | None, thread: str | None) -> dict[str, str]:
    """Reply-To (signed, for this recipient) and threading headers; nothing without REPLY_DOMAIN."""
    if not enabled() or user_id is None or not target:
        return {}
    headers = {"Reply-To": reply_address(make_token(user_id=user_id, target=target))}
    if thread:
        headers["In-Reply-To"] = headers["References"] = thread_id(thread)
    # RFC 3834: an auto-responder must not answer this email (no loops with out-of-office replies).
    headers["Auto-Submitted"] = "auto-generated"
    return headers
