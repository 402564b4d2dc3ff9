"""Privacy concerns about posts: a member flags, the post is hidden at once, a facilitator restores or redacts.

Any member-written post can be reported: requests, advice, discussion messages, notes on advice, outcomes,
captured learning and practice sessions, and in the Direction area comments on vision drafts and
appreciative-inquiry contributions (communities' models: their pages find the report URL through
``communities.post_actions``, which ``practice.apps`` fills in). Redaction replaces the text wherever the
portal keeps a copy: the post itself (the search reads the live columns, so its results follow), every
version of an artefact, learning drafted from the post, vision drafts built from a redacted inquiry
contribution, outbox emails, inbox notifications (and so the digests built from them), the activity log
(``communities.services.copies``), and the stored raw message of an email reply (erased). Sent emails cannot
be recalled.
"""

from __future__ import annotations

import difflib
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from childsys.lib import phi
from childsys.lib.ratelimit import Rate
from communities.models import (
    ActivityLog,
    Category,
    Community,
    InquiryContribution,
    Membership,
    Notification,
    OutboundEmail,
    User,
    VisionComment,
    VisionDraft,
)
from communities.services import copies
from communities.services.community import activity_record
from communities.services.notify import notify
from practice.models import (
    Advice,
    AdviceResponse,
    Artefact,
    ArtefactVersion,
    DiscussionComment,
    HelpRequest,
    InboundEmail,
    Outcome,
    PracticeSession,
    PrivacyFlag,
)
from practice.models.learning import ALL_TEXT_FIELDS, KIND_FIELDS
from practice.services.requests import (
    Content,
    _community_of,
    _facilitators,
    _is_facilitator,
    _request_of,
    _request_url,
    content_label,
)

# Every kind of member-written post a member may report.
Post = Content | AdviceResponse | Outcome | Artefact | PracticeSession | VisionComment | InquiryContribution

FLAG_RATE = Rate(limit=20, period=3600)
PENDING_REASON = "Hidden pending a privacy review"
REDACTED_MARK = "[redacted]"
# The text fields a facilitator may redact, per kind of post (an artefact's depend on its kind: see text_fields).
TEXT_FIELDS: dict[type, tuple[str, ...]] = {
    HelpRequest: ("title", "situation", "tried"),
    Advice: ("body",),
    DiscussionComment: ("body",),
    AdviceResponse: ("note",),
    Outcome: ("what_worked", "what_didnt", "do_differently"),
    PracticeSession: ("title", "description", "notes"),
    VisionComment: ("text",),
    InquiryContribution: ("text",),
}
# Fields a redaction may not leave empty (the post would lose its heading or its point).
REQUIRED_FIELDS = frozenset({"title", "situation", "body", "text"})
# A removed fragment shorter than this is not searched for elsewhere (it would match ordinary words).
MIN_FRAGMENT = 4
LABELS: dict[type, str] = {
    AdviceResponse: "note on advice",
    Outcome: "reported outcome",
    Artefact: "piece of captured learning",
    PracticeSession: "practice session",
    VisionComment: "comment on a vision draft",
    InquiryContribution: "contribution to an appreciative inquiry",
}


def text_fields(post: Post) -> tuple[str, ...]:
    """The fields of ``post`` a redaction rewrites, in reading order."""
    if isinstance(post, Artefact):
        return ("title", *(name for name, _label in KIND_FIELDS[post.kind]))
    return TEXT_FIELDS[type(post)]


def post_label(post: Post) -> str:
    return LABELS.get(type(post)) or content_label(post)


def post_community(post: Post) -> Community:
    if isinstance(post, AdviceResponse):
        return post.request.community
    if isinstance(post, Outcome | Artefact | PracticeSession):
        return post.community
    if isinstance(post, VisionComment):
        return post.draft.community
    if isinstance(post, InquiryContribution):
        return post.inquiry.community
    return _community_of(post)


def post_anchor(obj: Post) -> str:
    if isinstance(obj, Advice):
        return f"advice-{obj.pk}"
    if isinstance(obj, DiscussionComment):
        return f"comment-{obj.pk}"
    if isinstance(obj, AdviceResponse):
        return f"response-{obj.pk}"
    if isinstance(obj, Outcome):
        return "outcome"
    if isinstance(obj, VisionComment):
        return f"vision-comment-{obj.pk}"
    if isinstance(obj, InquiryContribution):
        return f"contribution-{obj.pk}"
    return ""


def post_url(post: Post) -> str:
    """Where the post is shown: its request's page (at the post), the learning page or the session page."""
    if isinstance(post, Artefact | PracticeSession):
        return post.get_absolute_url()
    if isinstance(post, VisionComment):
        return f"{post.draft.get_absolute_url()}#{post_anchor(post)}"
    if isinstance(post, InquiryContribution):
        return f"{post.inquiry.get_absolute_url()}#{post_anchor(post)}"
    request = post.request if isinstance(post, AdviceResponse | Outcome) else _request_of(post)
    return _request_url(request, post_anchor(post))


def _calendar_change(post: Post) -> list[str]:
    """A session's calendar entry changes with its words: calendars replace an event only when SEQUENCE rises."""
    if not isinstance(post, PracticeSession):
        return []
    post.sequence += 1
    return ["sequence"]


def flags_for(obj: Post):
    return PrivacyFlag.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


@transaction.atomic
def privacy_flag_create(
    *, post: Post, reporter: User, kind: str, reason: str = "", now: datetime | None = None
) -> PrivacyFlag:
    """A member reports a post; it is hidden from members at once and the facilitators are told."""
    now = now or timezone.now()
    community = post_community(post)
    if not Membership.objects.filter(community=community, user=reporter).exists():
        raise PermissionDenied
    if kind not in PrivacyFlag.Kind.values:
        raise ValidationError("Choose what kind of concern this is.")
    existing = flags_for(post).filter(reporter=reporter, state=PrivacyFlag.State.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            flag = PrivacyFlag.objects.create(
                community=community,
                content_type=ContentType.objects.get_for_model(post),
                object_id=post.pk,
                reporter=reporter,
                kind=kind,
                reason=reason.strip()[:300],
                created_at=now,
            )
    except IntegrityError:  # a double click: the constraint keeps one open flag per reporter
        return flags_for(post).get(reporter=reporter, state=PrivacyFlag.State.OPEN)
    if not post.is_hidden:
        post.hidden_at, post.hidden_by, post.hidden_reason = now, None, PENDING_REASON
        post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", *_calendar_change(post)])
    label = post_label(post)
    notify(
        recipients=_facilitators(community),
        category=Category.PRIVACY,
        title=f"A member raised a privacy concern about a {label}; it is hidden until you review it",
        url=f"/c/{community.slug}/privacy/reviews/",
        community=community,
        actor=reporter,
        now=now,
    )
    # The log names the kind of concern, never the text of the post.
    activity_record(
        community=community,
        actor=reporter,
        action="practice.privacy.flag",
        summary=f"{reporter} raised a privacy concern ({flag.get_kind_display().lower()}) about a {label}",
    )
    return flag


def _check_reviewer(flag: PrivacyFlag, actor: User) -> None:
    if not _is_facilitator(flag.community, actor):
        raise PermissionDenied
    if flag.state != PrivacyFlag.State.OPEN:
        raise ValidationError("This concern was already reviewed.")


def _close(post: Post, *, state: str, actor: User, now: datetime) -> list[User]:
    """Close every open flag on ``post``; return the reporters, to be told."""
    open_flags = list(flags_for(post).filter(state=PrivacyFlag.State.OPEN).select_related("reporter"))
    flags_for(post).filter(state=PrivacyFlag.State.OPEN).update(state=state, reviewed_at=now, reviewed_by=actor)
    return [f.reporter for f in open_flags if f.reporter is not None]


def _tell_reporters(reporters: list[User], post: Post, *, title: str, actor: User, now: datetime) -> None:
    notify(
        recipients=reporters,
        category=Category.PRIVACY,
        title=title,
        url=post_url(post),
        community=post_community(post),
        actor=actor,
        now=now,
    )


@transaction.atomic
def privacy_flag_restore(*, flag: PrivacyFlag, actor: User, now: datetime | None = None) -> None:
    """The facilitator finds nothing to remove: the post is visible again and the reporters are told."""
    now = now or timezone.now()
    _check_reviewer(flag, actor)
    post = flag.post
    if post.hidden_reason == PENDING_REASON:
        post.hidden_at, post.hidden_by, post.hidden_reason = None, None, ""
        post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", *_calendar_change(post)])
    reporters = _close(post, state=PrivacyFlag.State.RESTORED, actor=actor, now=now)
    _tell_reporters(
        reporters,
        post,
        title=f"A facilitator reviewed your privacy concern: the {post_label(post)} is shown again",
        actor=actor,
        now=now,
    )
    activity_record(
        community=flag.community,
        actor=actor,
        action="practice.privacy.restore",
        summary=f"{actor} reviewed a privacy concern and showed the {post_label(post)} again",
    )


def removed_fragments(old: str, new: str) -> list[str]:
    """The parts of ``old`` that ``new`` no longer holds (deleted or replaced runs), longest first."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    found = {old[i1:i2].strip() for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("delete", "replace")}
    # A copy may quote the identifier alone (a log line, an excerpt): the detectors' findings count too.
    found |= {f.value for f in phi.find_identifiers(old, extra_mrn_patterns=phi.mrn_patterns()) if f.value not in new}
    return sorted((f for f in found if len(f) >= MIN_FRAGMENT), key=len, reverse=True)


def _scrub(text: str, fragments: list[str]) -> str:
    for fragment in fragments:
        text = text.replace(fragment, REDACTED_MARK)
    return text


# The copies that may quote a post's text (never the addresses or headers: a removed word could be part of one).
QUOTING_COPIES = {
    OutboundEmail: ("subject", "body_text", "body_html", "context", "alternatives"),
    Notification: ("title", "body"),
    ActivityLog: ("summary",),
}


def _scrub_copies(fragments: list[str], *, post: Post) -> None:
    """Replace the removed text in every other row that may quote it."""
    if not fragments:
        return
    # Sent emails too: the copy kept here is rewritten (the delivered email itself cannot be recalled).
    copies.rewrite_copies(QUOTING_COPIES, words=fragments, rewrite=lambda text: _scrub(text, fragments))
    # An emailed reply keeps its raw message for diagnosis; a redacted one is erased rather than rewritten
    # (the MIME parts may be encoded, so the text could survive a search and replace).
    # A vision draft built from an inquiry's contributions quotes them.
    if isinstance(post, InquiryContribution):
        copies.rewrite_rows(
            VisionDraft.objects.filter(inquiry=post.inquiry_id),
            ("text",),
            words=fragments,
            rewrite=lambda text: _scrub(text, fragments),
        )
    if isinstance(post, Advice):
        InboundEmail.objects.filter(advice=post).update(raw=b"", subject="")
    elif isinstance(post, DiscussionComment):
        InboundEmail.objects.filter(comment=post).update(raw=b"", subject="")


def _scrub_artefact(
    artefact: Artefact, fragments: list[str], *, now: datetime, current: dict[str, str] | None = None
) -> None:
    """Rewrite an artefact's text and every one of its versions (its history), not only the latest.

    ``current``: the redacted text of the artefact itself. The latest version takes it as it is; older versions
    lose the removed fragments and whatever the detectors find in them (an identifier an earlier edit had
    already taken out of the current text). Without ``current`` the artefact quotes another post (a case story
    from an outcome): it and its versions lose the removed fragments.
    """
    patterns = phi.mrn_patterns()

    def cleaned(text: str) -> str:
        found = set(fragments)
        if current is not None:
            found |= {f.value for f in phi.find_identifiers(text, extra_mrn_patterns=patterns)}
        return _scrub(text, sorted((f for f in found if len(f) >= MIN_FRAGMENT), key=len, reverse=True))

    if current is None:
        changed = {}
        for name in ("title", *ALL_TEXT_FIELDS):
            value = cleaned(getattr(artefact, name))
            if value != getattr(artefact, name):
                changed[name] = value[: Artefact._meta.get_field(name).max_length or None]
        if changed:
            for name, value in changed.items():
                setattr(artefact, name, value)
            artefact.redacted_at = now
            artefact.save(update_fields=[*changed, "redacted_at"])
    for version in ArtefactVersion.objects.filter(artefact=artefact):
        if current is not None and version.number == artefact.version:
            title = current["title"]
            fields = {name: current.get(name, value) for name, value in version.fields.items()}
        else:
            title = cleaned(version.title)
            fields = {name: cleaned(v) if isinstance(v, str) else v for name, v in version.fields.items()}
        note = cleaned(version.note)
        if (title, fields, note) != (version.title, version.fields, version.note):
            version.title, version.fields, version.note = title[:160], fields, note[:200]
            version.save(update_fields=["title", "fields", "note"])


def _quoting_artefacts(post: Post) -> list[Artefact]:
    """Captured learning drafted from ``post``, which may quote its text (a case story from an outcome, a
    summary from session notes)."""
    if isinstance(post, PracticeSession):
        return [post.summary] if post.summary_id else []
    if isinstance(post, HelpRequest | Advice | Outcome):
        return list(post.artefacts.all())
    return []


@transaction.atomic
def privacy_flag_redact(*, flag: PrivacyFlag, actor: User, texts: dict[str, str], now: datetime | None = None) -> None:
    """The facilitator's edited text replaces the post's text everywhere; the post is shown again with a note."""
    now = now or timezone.now()
    _check_reviewer(flag, actor)
    post = flag.post
    fields = text_fields(post)
    fragments: list[str] = []
    for field in fields:
        new = texts.get(field, getattr(post, field)).strip()
        if field in REQUIRED_FIELDS and not new:
            raise ValidationError("The redacted text cannot be empty; replace the identifier instead.")
        fragments += removed_fragments(getattr(post, field), new)
        setattr(post, field, new)
    post.redacted_at = now
    update = [*fields, "redacted_at"]
    if post.hidden_reason == PENDING_REASON:
        post.hidden_at, post.hidden_by, post.hidden_reason = None, None, ""
        update += ["hidden_at", "hidden_by", "hidden_reason"]
    update += _calendar_change(post)
    post.save(update_fields=update)
    fragments = sorted(set(fragments), key=len, reverse=True)
    if isinstance(post, Artefact):
        _scrub_artefact(post, fragments, now=now, current={name: getattr(post, name) for name in fields})
    for artefact in _quoting_artefacts(post):
        if fragments:
            _scrub_artefact(artefact, fragments, now=now)
    _scrub_copies(fragments, post=post)
    reporters = _close(post, state=PrivacyFlag.State.REDACTED, actor=actor, now=now)
    _tell_reporters(
        reporters,
        post,
        title=f"A facilitator reviewed your privacy concern and redacted the {post_label(post)}",
        actor=actor,
        now=now,
    )
    # Never the removed text: only who redacted what kind of post, and when.
    activity_record(
        community=flag.community,
        actor=actor,
        action="practice.privacy.redact",
        summary=f"{actor} redacted a {post_label(post)} after a privacy concern",
    )
