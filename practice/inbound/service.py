"""``process_inbound``: one raw message in, at most one advice or discussion message out, exactly once.

Every door (the IMAP poller, the anymail webhooks, ``manage.py process_inbound_email``) calls
:func:`process_inbound`. The message is keyed by its Message-ID (or the SHA-256 of its bytes); the
row that records it is written in the same transaction as what it posts and the emails it queues,
so a poller that sees a message twice, a provider that retries a webhook, two workers at once or
a worker killed mid-message (its transaction rolls back) all end with the message processed once.
A message that raises is kept with its bytes and its error (``failed``) and shown in the admin.
"""

from __future__ import annotations

import hashlib
import logging
import math
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import parseaddr

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from childsys.lib import ratelimit
from childsys.lib.phi import find_identifiers
from communities.access import CommunityAccess
from communities.forms.privacy import community_patterns
from communities.models import Category, OutboundEmail, User
from communities.services import reply_by_email
from communities.services.notify import absolute_url, queue_email
from practice.inbound import parse
from practice.models import Advice, HelpRequest, InboundEmail
from practice.services import requests as services

log = logging.getLogger(__name__)

# At most one refusal per sender in this time (no backscatter).
REFUSAL_INTERVAL = timedelta(hours=1)
State = InboundEmail.State


@dataclass
class _Outcome:
    state: str
    outcome: str
    refusal: str = ""  # why, for the sender (a short email); "" sends none
    url: str = ""  # where to do it on the site instead
    text: str = ""  # what they wrote, sent back so that nothing is lost
    user: User | None = None
    advice: Advice | None = None
    comment: object | None = None
    attachments: tuple[str, ...] = ()


def message_key(raw: bytes) -> tuple[str, str, str]:
    """(key, Message-ID, sha256) of a raw message, reading its headers only."""
    sha = hashlib.sha256(raw).hexdigest()
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
        message_id = str(headers.get("Message-ID") or "").strip()[:255]
    except Exception:  # a message whose headers cannot even be read is still recorded, by its hash
        message_id = ""
    return (message_id or f"sha256:{sha}"), message_id, sha


def process_inbound(raw: bytes, source: str, *, now: datetime | None = None) -> InboundEmail:
    """Process one raw RFC 5322 message once; return its record (an earlier one for a duplicate)."""
    now = now or timezone.now()
    key, message_id, sha = message_key(raw)
    done = InboundEmail.objects.filter(key=key, state__in=InboundEmail.FINAL).first()
    if done is not None:
        log.info("inbound %s: already %s", key, done.state)
        return done
    try:
        with transaction.atomic():
            row = _lock_or_create(key, message_id=message_id, sha=sha, source=source, size=len(raw), now=now)
            if row.state in InboundEmail.FINAL:
                return row  # another worker finished it while we waited for the lock
            _process(row, raw, now=now)
            return row
    except Exception as exc:
        log.exception("inbound %s from %s failed", key, source)
        error = "".join(traceback.format_exception(exc))[-5000:]
        with transaction.atomic():
            row, created = InboundEmail.objects.select_for_update().get_or_create(
                key=key,
                defaults={
                    "message_id": message_id,
                    "sha256": sha,
                    "source": source,
                    "state": State.FAILED,
                    "size": len(raw),
                    "received_at": now,
                },
            )
            if row.state in InboundEmail.FINAL:
                return row
            if not created:
                row.attempts += 1
            row.state, row.error, row.raw = State.FAILED, error, raw
            row.outcome = f"failed: {exc.__class__.__name__}: {exc}"[:300]
            row.processed_at = now
            row.save()
        return row


def _lock_or_create(key: str, *, message_id: str, sha: str, source: str, size: int, now: datetime) -> InboundEmail:
    row = InboundEmail.objects.select_for_update().filter(key=key).first()
    if row is not None:
        row.attempts += 1
        row.source = source
        return row
    try:
        with transaction.atomic():
            # Another worker inserting the same key makes this INSERT wait for its transaction.
            return InboundEmail.objects.create(
                key=key,
                message_id=message_id,
                sha256=sha,
                source=source,
                state=State.FAILED,
                size=size,
                received_at=now,
            )
    except IntegrityError:
        return InboundEmail.objects.select_for_update().get(key=key)


def _process(row: InboundEmail, raw: bytes, *, now: datetime) -> None:
    result, parsed = _decide(raw, now=now)
    row.state, row.outcome, row.error, row.raw = result.state, result.outcome[:300], "", b""
    row.processed_at = now
    if parsed is not None:
        row.from_address = parsed.from_address[:254]
        row.subject = parsed.subject
    row.user = result.user
    row.advice = result.advice
    row.comment = result.comment
    if result.refusal and row.from_address:
        if _refused_recently(row.from_address, now=now):
            row.outcome = f"{row.outcome} (not told again: one reply per sender per hour)"[:300]
        else:
            _send_refusal(row, result, parsed, now=now)
            row.replied_at = now
    elif result.attachments and result.user is not None:
        _send_attachments_notice(row, result, parsed)
    row.save()


def _refused_recently(address: str, *, now: datetime) -> bool:
    return InboundEmail.objects.filter(from_address=address, replied_at__gt=now - REFUSAL_INTERVAL).exists()


def _own_addresses() -> set[str]:
    return {parseaddr(a)[1].lower() for a in (settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL) if a}


def _decide(raw: bytes, *, now: datetime) -> tuple[_Outcome, parse.Parsed | None]:
    if len(raw) > settings.INBOUND_MAX_BYTES:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
        parsed = parse.Parsed(
            message=headers,
            from_address=parseaddr(parse.header(headers, "From"))[1].lower(),
            recipients=parse.recipients(headers),
            subject=parse.header(headers, "Subject")[:255],
            message_id=parse.header(headers, "Message-ID")[:255],
            text="",
        )
        if parse.is_automatic(headers):
            return _Outcome(State.IGNORED, parse.is_automatic(headers)), parsed
        limit = settings.INBOUND_MAX_BYTES // (1024 * 1024) or 1
        return _Outcome(
            State.REFUSED,
            f"too large ({len(raw)} bytes)",
            refusal=f"Your email is larger than the {limit} MB this address accepts, so nothing was posted.",
        ), parsed
    parsed = parse.parse(raw)
    automatic = parse.is_automatic(parsed.message)
    if automatic:
        return _Outcome(State.IGNORED, automatic), parsed
    domain = settings.REPLY_DOMAIN
    if parsed.from_address in _own_addresses() or (domain and parsed.from_address.endswith(f"@{domain}")):
        return _Outcome(State.IGNORED, "our own email"), parsed
    if not parsed.from_address:
        return _Outcome(State.IGNORED, "no sender address"), parsed
    return _for_token(parsed, now=now), parsed


def _target(token: reply_by_email.ReplyToken) -> HelpRequest | Advice | None:
    kind, pk = token.target[0], int(token.target[1:])
    if kind == "r":
        return HelpRequest.objects.select_related("community").filter(pk=pk).first()
    if kind == "a":
        return Advice.objects.select_related("request__community").filter(pk=pk).first()
    return None


def _for_token(parsed: parse.Parsed, *, now: datetime) -> _Outcome:
    text = parsed.text
    token_text = reply_by_email.token_from_addresses(parsed.recipients) if settings.REPLY_DOMAIN else None
    if not token_text:
        return _Outcome(
            State.REFUSED,
            "no reply address",
            refusal="This address only takes replies to emails from the portal, so nothing was posted.",
            text=text,
        )
    try:
        token = reply_by_email.read_token(token_text, now=now.timestamp())
    except reply_by_email.BadToken as exc:
        url = ""
        if exc.expired is not None and (target := _target(exc.expired)) is not None:
            url = absolute_url(_request_of(target).get_absolute_url())
        if exc.expired is not None:
            refusal = (
                f"You replied to an email that is more than {settings.REPLY_TOKEN_DAYS} days old, "
                "so nothing was posted. Please answer on the portal instead."
            )
        else:
            refusal = "The address you replied to is not one the portal gave out, so nothing was posted."
        return _Outcome(State.REFUSED, str(exc), refusal=refusal, url=url, text=text)
    user = User.objects.filter(pk=token.user_id, is_active=True).first()
    if user is None:
        return _Outcome(State.REFUSED, "unknown or deactivated account", refusal="This account cannot post.", text=text)
    if not EmailAddress.objects.filter(user=user, email__iexact=parsed.from_address, verified=True).exists():
        return _Outcome(
            State.REFUSED,
            f"From {parsed.from_address} is not a verified address of user {user.pk}",
            refusal=(
                "We sent that email to a different address, and only its owner's verified addresses may "
                "answer it. Nothing was posted. Reply from the address the email came to, or add this one "
                "to your account and verify it."
            ),
            text=text,
        )
    target = _target(token)
    if target is None:
        return _Outcome(
            State.REFUSED,
            f"{token.target} no longer exists",
            refusal="What you replied to has been deleted, so nothing was posted.",
            user=user,
            text=text,
        )
    help_request = _request_of(target)
    url = absolute_url(help_request.get_absolute_url())
    if not CommunityAccess.of(help_request.community, user).is_member:
        return _Outcome(
            State.REFUSED,
            f"user {user.pk} is not a member of {help_request.community.slug}",
            refusal=f"You are no longer a member of {help_request.community.name}, so nothing was posted.",
            user=user,
            text=text,
        )
    if not text:
        return _Outcome(
            State.REFUSED,
            "no text above the quoted email",
            refusal="We found nothing to post above the quoted email. Write your answer at the top of your reply.",
            url=url,
            user=user,
        )
    findings = find_identifiers(text, extra_mrn_patterns=community_patterns(help_request.community))
    if findings:
        # The patient-identifier guard of the web forms. Email has no "not patient information" box:
        # the sender removes the identifier and replies again, or posts on the portal and confirms there.
        kinds = sorted({f.label for f in findings})
        listed = "; ".join(f"{f.label}: {f.value}" for f in findings)
        return _Outcome(
            State.REFUSED,
            f"possible patient identifiers ({', '.join(f.kind for f in findings)})",
            refusal=(
                f"Your reply may identify a patient, so nothing was posted. It looks like it holds {listed}. "
                "Remove it and reply again, or describe the patient without identifiers. If it is not "
                f"patient information ({' or '.join(kinds)} of a ward, say), post on the portal, "
                "where you can confirm that."
            ),
            url=url,
            user=user,
            text=text,
        )
    scope = "practice.advice"  # advice and discussion messages share the web's limit
    if not ratelimit.hit(scope, user.pk, services.ADVICE_RATE):
        minutes = max(1, math.ceil(ratelimit.retry_after(scope, user.pk, services.ADVICE_RATE) / 60))
        return _Outcome(
            State.REFUSED,
            "rate limit",
            refusal=(
                f"You have reached the limit of {services.ADVICE_RATE.describe()} for posting, so nothing was "
                f"posted. Please try again in about {minutes} minute{'s' if minutes != 1 else ''}."
            ),
            url=url,
            user=user,
            text=text,
        )
    try:
        if isinstance(target, HelpRequest):
            advice = services.advice_create(help_request=target, author=user, body=text, now=now)
            return _Outcome(
                State.PROCESSED, f"advice {advice.pk}", user=user, advice=advice, attachments=tuple(parsed.attachments)
            )
        comment = services.comment_create(advice=target, author=user, body=text, now=now)
        return _Outcome(
            State.PROCESSED,
            f"discussion message {comment.pk}",
            user=user,
            comment=comment,
            advice=target,
            attachments=tuple(parsed.attachments),
        )
    except (ValidationError, PermissionDenied) as exc:
        reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else (str(exc) or "Not allowed.")
        return _Outcome(
            State.REFUSED,
            reason,
            refusal=f"{reason} Nothing was posted.",
            url=url,
            user=user,
            text=text,
        )


def _request_of(target: HelpRequest | Advice) -> HelpRequest:
    return target if isinstance(target, HelpRequest) else target.request


def _auto_reply_headers(parsed: parse.Parsed | None) -> dict[str, str]:
    # RFC 3834: mark the answer as automatic (no auto-responder answers it), and thread it.
    headers = {"Auto-Submitted": "auto-replied"}
    if parsed is not None and parsed.message_id:
        headers["In-Reply-To"] = headers["References"] = parsed.message_id
    return headers


def _send_refusal(row: InboundEmail, result: _Outcome, parsed: parse.Parsed | None, *, now: datetime) -> OutboundEmail:
    email = queue_email(
        user=None,
        to=row.from_address,
        category=Category.ADVICE,
        template="inbound_refused",
        context={
            "reason": result.refusal,
            "url": result.url,
            "text": result.text,
            "subject": row.subject,
            "site_url": settings.SITE_URL,
        },
    )
    email.headers = {**email.headers, **_auto_reply_headers(parsed)}
    email.save(update_fields=["headers"])
    return email


def _send_attachments_notice(row: InboundEmail, result: _Outcome, parsed: parse.Parsed | None) -> OutboundEmail:
    posted = result.comment or result.advice
    help_request = result.advice.request
    anchor = f"comment-{posted.pk}" if result.comment else f"advice-{posted.pk}"
    email = queue_email(
        user=None,
        to=row.from_address,
        category=Category.ADVICE,
        template="inbound_attachments",
        context={
            "attachments": list(result.attachments),
            "url": absolute_url(f"{help_request.get_absolute_url()}#{anchor}"),
            "subject": row.subject,
            "site_url": settings.SITE_URL,
        },
    )
    email.headers = {**email.headers, **_auto_reply_headers(parsed)}
    email.save(update_fields=["headers"])
    row.replied_at = None
    return email
