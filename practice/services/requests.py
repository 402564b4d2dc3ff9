"""Every state change of the practice app: help requests, advice, responses, discussions, kudos, nudges.

Keyword-only, typed and atomic. Notifications go through ``communities.services.notify.notify``
(rows only); moderation goes into the community's activity log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from childsys.lib.markdown import markdown_excerpt
from childsys.lib.ratelimit import Rate
from communities import figures
from communities.access import MODERATOR, CommunityAccess, check
from communities.models import Category, Community, Membership, Role, Tag, User
from communities.services.community import activity_record
from communities.services.notify import absolute_url, notify
from communities.services.tags import tags_from_text
from practice.models import (
    Advice,
    AdviceResponse,
    DiscussionComment,
    HelpRequest,
    Kudos,
    Nudge,
    PracticeSession,
    SessionAgendaItem,
)
from practice.services import loops

log = logging.getLogger(__name__)

# Abuse limits per user, kept in the shared cache (see childsys.lib.ratelimit).
REQUEST_RATE = Rate(limit=10, period=3600)
ADVICE_RATE = Rate(limit=60, period=3600)  # advice and discussion messages together
MAX_TAGS = 6
NUDGE_LEVELS = (1, 2)  # due at 1× and 2× the response commitment

Content = HelpRequest | Advice | DiscussionComment


# --- helpers -------------------------------------------------------------------------------


def _is_facilitator(community: Community, user: User) -> bool:
    return Membership.objects.facilitators().filter(community=community, user=user).exists()


def _facilitators(community: Community) -> list[User]:
    return [m.user for m in Membership.objects.facilitators().filter(community=community).select_related("user")]


def experts_for(help_request: HelpRequest) -> list[User]:
    """Members whose expertise matches one of the request's tags (one query)."""
    memberships = (
        Membership.objects.filter(community_id=help_request.community_id, expertise__help_requests=help_request)
        .select_related("user")
        .distinct()
    )
    return [m.user for m in memberships]


def _request_url(help_request: HelpRequest, anchor: str = "") -> str:
    url = reverse("practice:request-detail", kwargs={"slug": help_request.community.slug, "pk": help_request.pk})
    return f"{url}#{anchor}" if anchor else url


def _excerpt(text: str, words: int = 60) -> str:
    """A notification's excerpt: the Markdown as one line of plain text (no `**`, no flattened "- ")."""
    return markdown_excerpt(text, words)


def _set_tags(help_request: HelpRequest, tags: Iterable[Tag], new_tags: str) -> None:
    chosen = {t.pk: t for t in tags if t.community_id == help_request.community_id}
    for tag in tags_from_text(help_request.community, new_tags):
        chosen[tag.pk] = tag
    if len(chosen) > MAX_TAGS:
        raise ValidationError(f"Choose at most {MAX_TAGS} tags.")
    help_request.tags.set(list(chosen.values()))


def _touch(help_request: HelpRequest, now: datetime) -> None:
    HelpRequest.objects.filter(pk=help_request.pk).update(last_activity_at=now)
    help_request.last_activity_at = now


def _cancel_nudges(help_request: HelpRequest) -> int:
    return Nudge.objects.filter(request=help_request, state=Nudge.State.PENDING).update(state=Nudge.State.CANCELLED)


def _community_of(obj: Content) -> Community:
    if isinstance(obj, HelpRequest):
        return obj.community
    if isinstance(obj, Advice):
        return obj.request.community
    return obj.advice.request.community


def _request_of(obj: Content) -> HelpRequest:
    if isinstance(obj, HelpRequest):
        return obj
    if isinstance(obj, Advice):
        return obj.request
    return obj.advice.request


def request_thread(help_request: HelpRequest) -> str:
    """The conversation every email about one request belongs to (its threading headers)."""
    return f"practice.request.{help_request.pk}"


def shown_name(obj: Content, person: User | None) -> str:
    """``person`` as the community sees them on ``obj``'s request: "A member (anonymous)" for its anonymous asker."""
    return _request_of(obj).name_for(person, None, "a former member")


def log_actor(obj: Content, person: User) -> User | None:
    """The activity log's actor for something ``person`` did on ``obj``'s request: none for its anonymous asker."""
    return None if _request_of(obj).masks(person.pk, None) else person


def content_label(obj: Content) -> str:
    return {HelpRequest: "request", Advice: "advice", DiscussionComment: "discussion message"}[type(obj)]


# --- help requests -------------------------------------------------------------------------


@transaction.atomic
def help_request_create(
    *,
    community: Community,
    author: User,
    title: str,
    situation: str,
    tried: str = "",
    tags: Iterable[Tag] = (),
    new_tags: str = "",
    urgency: str = HelpRequest.Urgency.NORMAL,
    anonymous: bool = False,
    now: datetime | None = None,
) -> HelpRequest:
    """Post a problem: due time from the community's commitment, nudges queued, experts told.

    ``anonymous``: everyone but the asker sees "A member (anonymous)" (the author is kept for the
    asker's notifications, follow-ups, rate limits and moderation)."""
    now = now or timezone.now()
    help_request = HelpRequest.objects.create(
        community=community,
        author=author,
        title=title.strip(),
        situation=situation,
        tried=tried,
        urgency=urgency,
        anonymous=anonymous,
        created_at=now,
        last_activity_at=now,
        response_due_at=now + community.response_commitment,
    )
    _set_tags(help_request, tags, new_tags)
    Nudge.objects.bulk_create(
        Nudge(request=help_request, level=level, due_at=now + community.response_commitment * level)
        for level in NUDGE_LEVELS
    )
    urgent = help_request.urgency == HelpRequest.Urgency.URGENT
    notify(
        recipients=[*experts_for(help_request), *_facilitators(community)],
        category=Category.REQUESTS,
        title=f"{'Urgent request' if urgent else 'New request'}: {help_request.title}",
        body=_excerpt(help_request.situation),
        url=_request_url(help_request),
        community=community,
        actor=author,
        email_template="practice_request_new",
        email_context={"help_request": help_request, "asker": author, "urgent": urgent},
        reply_target=f"r{help_request.pk}",
        thread=request_thread(help_request),
        now=now,
    )
    return help_request


@transaction.atomic
def help_request_edit(
    *,
    help_request: HelpRequest,
    editor: User,
    title: str,
    situation: str,
    tried: str,
    urgency: str,
    tags: Iterable[Tag] = (),
    new_tags: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> HelpRequest:
    """The author edits within the edit window; a facilitator edits any time, giving a reason."""
    now = now or timezone.now()
    moderated = _authorise_edit(help_request, editor=editor, reason=reason, now=now)
    help_request.title = title.strip()
    help_request.situation = situation
    help_request.tried = tried
    help_request.urgency = urgency
    help_request.edited_at = now
    help_request.save(update_fields=["title", "situation", "tried", "urgency", "edited_at"])
    _set_tags(help_request, tags, new_tags)
    if moderated:
        activity_record(
            community=help_request.community,
            actor=editor,
            action="practice.request.edit",
            summary=f"{editor} edited the request “{help_request.title}”: {reason}",
        )
    return help_request


def _authorise_edit(obj: Content, *, editor: User, reason: str, now: datetime) -> bool:
    """Return True when this is a moderator's edit (to be logged); raise when not allowed."""
    if obj.author_may_edit(editor, now=now):
        return False  # the author within the edit window: no need to read the membership
    mode = CommunityAccess.of(_community_of(obj), editor).content_edit_mode(obj, editor, now=now)
    check(mode == MODERATOR, "The time to edit this has passed.")
    if not reason.strip():
        raise ValidationError("Give a reason for editing someone else's words.")
    return True


def _conclude(help_request: HelpRequest, *, status: str, note: str, now: datetime) -> None:
    if not help_request.is_active:
        raise ValidationError(f"This request is already {help_request.get_status_display().lower()}.")
    help_request.status = status
    help_request.concluded_at = now
    help_request.conclusion_note = note[:300]
    help_request.last_activity_at = now
    help_request.save(update_fields=["status", "concluded_at", "conclusion_note", "last_activity_at"])
    _cancel_nudges(help_request)


@transaction.atomic
def help_request_resolve(
    *, help_request: HelpRequest, actor: User, note: str = "", now: datetime | None = None
) -> None:
    """The asker marks their problem resolved."""
    if help_request.author_id != actor.pk:
        raise PermissionDenied
    _conclude(help_request, status=HelpRequest.Status.RESOLVED, note=note, now=now or timezone.now())


@transaction.atomic
def help_request_withdraw(*, help_request: HelpRequest, actor: User, now: datetime | None = None) -> None:
    """The asker no longer needs help."""
    if help_request.author_id != actor.pk:
        raise PermissionDenied
    _conclude(help_request, status=HelpRequest.Status.WITHDRAWN, note="", now=now or timezone.now())


@transaction.atomic
def help_request_close(*, help_request: HelpRequest, actor: User, reason: str, now: datetime | None = None) -> None:
    """A facilitator closes a request, giving a reason (logged)."""
    if not _is_facilitator(help_request.community, actor):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError("Give a reason for closing the request.")
    _conclude(help_request, status=HelpRequest.Status.CLOSED, note=reason, now=now or timezone.now())
    activity_record(
        community=help_request.community,
        actor=actor,
        action="practice.request.close",
        summary=f"{actor} closed the request “{help_request.title}”: {reason}",
    )


def anonymous_post_reveal(*, post, author_id: int, actor: User, action: str, summary: str, now=None) -> bool:
    """The anonymous author of ``post`` reveals themselves: their name shows from now on (conditional update,
    figures refreshed, logged). False when it was not anonymous; only the author may."""
    if author_id != actor.pk:
        raise PermissionDenied("Only the person who wrote it can reveal who wrote it.")
    if not type(post).objects.filter(pk=post.pk, anonymous=True).update(anonymous=False):
        return False
    post.anonymous = False
    figures.changed(post.community_id)
    activity_record(community=post.community, actor=actor, action=action, summary=summary, now=now)
    return True


@transaction.atomic
def help_request_reveal(*, help_request: HelpRequest, actor: User, now: datetime | None = None) -> bool:
    """The anonymous asker reveals themselves: from now on it is a normal request. False when it was not anonymous."""
    return anonymous_post_reveal(
        post=help_request,
        author_id=help_request.author_id,
        actor=actor,
        action="practice.request.reveal",
        summary=f"{actor} revealed that they asked “{help_request.title}”",
        now=now,
    )


@transaction.atomic
def help_request_message_asker(
    *, help_request: HelpRequest, sender: User, message: str, now: datetime | None = None
) -> None:
    """A facilitator writes to the anonymous asker through the portal, without learning who it is.

    The asker gets a notification (and an email per their preferences) with the message and a link to
    the request, where they may answer in public; the sender is told nothing about the recipient.
    """
    now = now or timezone.now()
    check(_is_facilitator(help_request.community, sender), "Only facilitators write to an anonymous asker.")
    if not help_request.anonymous:
        raise ValidationError("This request is not anonymous: write to the asker directly.")
    if not message.strip():
        raise ValidationError("Write a message.")
    notify(
        recipients=[help_request.author] if help_request.author else [],
        category=Category.ADVICE,
        title=f"{sender} (facilitator) wrote to you about your anonymous request “{help_request.title}”",
        body=message,
        url=_request_url(help_request),
        community=help_request.community,
        actor=sender,
        email_template="practice_anonymous_message",
        email_context={"help_request": help_request, "sender": sender, "message": message},
        thread=request_thread(help_request),
        now=now,
    )
    activity_record(
        community=help_request.community,
        actor=sender,
        action="practice.request.message_asker",
        summary=f"{sender} wrote to the anonymous asker of “{help_request.title}”",
        now=now,
    )


# --- advice, responses, discussion -----------------------------------------------------------


def _check_session_advice(
    *, help_request: HelpRequest, author: User, session: PracticeSession, recorder: User | None, now: datetime
) -> None:
    """Advice "from the session": recorded by the core group, on the agenda of a held session, by an attendee."""
    if session.community_id != help_request.community_id:
        raise ValidationError("That session belongs to another community.")
    check(
        recorder is not None and CommunityAccess.of(help_request.community, recorder).has_role(Role.CORE),
        "Only the core group and facilitators record advice from a session.",
    )
    if session.is_cancelled or session.starts_at > now:
        raise ValidationError("Advice from a session can be recorded once the session has been held.")
    if not session.agenda.filter(request=help_request, status=SessionAgendaItem.Status.ACCEPTED).exists():
        raise ValidationError("That request is not on the session's agenda.")
    if not session.attendance.filter(user=author).exists():
        raise ValidationError(f"{author} is not recorded as having attended this session.")


@transaction.atomic
def advice_create(
    *,
    help_request: HelpRequest,
    author: User,
    body: str,
    session: PracticeSession | None = None,
    recorder: User | None = None,
    now: datetime | None = None,
) -> Advice:
    """A peer answers. The first advice by someone other than the asker is the first response.

    With ``session``, advice given in that practice session, recorded afterwards by ``recorder`` (a
    member of the core group) in the name of ``author``, who attended.
    """
    now = now or timezone.now()
    if help_request.author_id == author.pk:
        raise ValidationError("This is your own request: edit it, or reply in a discussion under the advice.")
    if not help_request.is_active:
        raise ValidationError("This request is no longer taking advice.")
    if help_request.is_hidden:
        raise ValidationError("This request was hidden by a facilitator.")
    if session is not None:
        _check_session_advice(help_request=help_request, author=author, session=session, recorder=recorder, now=now)
    advice = Advice.objects.create(request=help_request, author=author, body=body, session=session, created_at=now)
    # Conditional update: of two simultaneous first answers, exactly one records the first response.
    first = HelpRequest.objects.filter(pk=help_request.pk, first_response_at__isnull=True).update(
        first_response_at=now, status=HelpRequest.Status.ANSWERED, last_activity_at=now
    )
    if first:
        help_request.first_response_at = now
        help_request.status = HelpRequest.Status.ANSWERED
        _cancel_nudges(help_request)
        figures.changed(help_request.community_id)
    else:
        _touch(help_request, now)
    # A new answer stops a running follow-up cycle and starts a fresh one.
    loops.follow_up_on_new_answer(help_request=help_request, now=now)
    notify(
        recipients=[help_request.author],
        category=Category.ADVICE,
        title=f"{author} advised on “{help_request.title}”"
        + (f" in the session “{session.title}”" if session is not None else ""),
        body=_excerpt(body),
        url=_request_url(help_request, f"advice-{advice.pk}"),
        community=help_request.community,
        actor=author,
        email_template="practice_advice_new",
        email_context={
            "help_request": help_request,
            "advice": advice,
            "adviser": author,
            "session": session,
            "session_url": absolute_url(session.get_absolute_url()) if session is not None else "",
        },
        reply_target=f"a{advice.pk}",
        thread=request_thread(help_request),
        now=now,
    )
    return advice


@transaction.atomic
def advice_edit(*, advice: Advice, editor: User, body: str, reason: str = "", now: datetime | None = None) -> Advice:
    now = now or timezone.now()
    moderated = _authorise_edit(advice, editor=editor, reason=reason, now=now)
    advice.body = body
    advice.edited_at = now
    advice.save(update_fields=["body", "edited_at"])
    if moderated:
        activity_record(
            community=advice.request.community,
            actor=editor,
            action="practice.advice.edit",
            summary=f"{editor} edited advice by {advice.author} on “{advice.request.title}”: {reason}",
        )
    return advice


RESPONSE_TITLES = {
    AdviceResponse.Kind.TRY: "{asker} will try your advice on “{title}”",
    AdviceResponse.Kind.DISCUSS: "{asker} sees it differently and wants to discuss your advice on “{title}”",
    AdviceResponse.Kind.THANKS: "{asker} thanked you for your advice on “{title}”",
}


@transaction.atomic
def advice_respond(
    *, advice: Advice, author: User, kind: str, note: str = "", now: datetime | None = None
) -> tuple[AdviceResponse, bool]:
    """The asker answers a piece of advice; return (response, created). Each kind once per advice."""
    now = now or timezone.now()
    help_request = advice.request
    if help_request.author_id != author.pk:
        raise PermissionDenied("Only the person who asked can respond to advice.")
    if help_request.status in (HelpRequest.Status.WITHDRAWN, HelpRequest.Status.CLOSED):
        raise ValidationError("This request is closed.")
    if advice.is_hidden:
        raise ValidationError("This advice was hidden by a facilitator.")
    kind = AdviceResponse.Kind(kind)
    response, created = AdviceResponse.objects.get_or_create(
        advice=advice,
        kind=kind,
        defaults={"request": help_request, "author": author, "note": note, "created_at": now},
    )
    if not created:
        return response, False
    _touch(help_request, now)
    if kind == AdviceResponse.Kind.TRY:
        # The learning loop: a follow-up row, due later (the sweep sends it; no broker here).
        loops.follow_up_open(help_request=help_request, asker=author, now=now)
    notify(
        recipients=[advice.author] if advice.author else [],
        category=Category.ADVICE,
        title=RESPONSE_TITLES[kind].format(asker=shown_name(help_request, author), title=help_request.title),
        body=_excerpt(note),
        url=_request_url(help_request, f"advice-{advice.pk}"),
        community=help_request.community,
        actor=author,
        email_template="practice_advice_response",
        email_context={"help_request": help_request, "advice": advice, "response": response, "asker": author},
        # "I see it differently" opens a discussion the adviser can join by replying.
        reply_target=f"a{advice.pk}" if kind == AdviceResponse.Kind.DISCUSS else None,
        thread=request_thread(help_request),
        now=now,
    )
    return response, True


def discussion_is_open(advice: Advice) -> bool:
    return advice.responses.filter(kind=AdviceResponse.Kind.DISCUSS).exists()


@transaction.atomic
def comment_create(*, advice: Advice, author: User, body: str, now: datetime | None = None) -> DiscussionComment:
    """A message in the discussion a disagreement opened under ``advice``."""
    now = now or timezone.now()
    help_request = advice.request
    if not discussion_is_open(advice):
        raise ValidationError("A discussion opens when the asker says they see it differently.")
    if help_request.status in (HelpRequest.Status.WITHDRAWN, HelpRequest.Status.CLOSED):
        raise ValidationError("This request is closed.")
    if help_request.is_hidden or advice.is_hidden:
        raise ValidationError("This was hidden by a facilitator.")
    comment = DiscussionComment.objects.create(advice=advice, author=author, body=body, created_at=now)
    _touch(help_request, now)
    earlier = User.objects.filter(pk__in=advice.comments.values("author_id"))
    notify(
        recipients=[help_request.author, advice.author, *earlier],
        category=Category.ADVICE,
        title=f"{shown_name(help_request, author)} replied in the discussion on “{help_request.title}”",
        body=_excerpt(body),
        url=_request_url(help_request, f"comment-{comment.pk}"),
        community=help_request.community,
        actor=author,
        email_template="practice_discussion_comment",
        email_context={"help_request": help_request, "advice": advice, "comment": comment, "commenter": author},
        reply_target=f"a{advice.pk}",
        thread=request_thread(help_request),
        now=now,
    )
    return comment


@transaction.atomic
def comment_edit(
    *, comment: DiscussionComment, editor: User, body: str, reason: str = "", now: datetime | None = None
) -> DiscussionComment:
    now = now or timezone.now()
    moderated = _authorise_edit(comment, editor=editor, reason=reason, now=now)
    comment.body = body
    comment.edited_at = now
    comment.save(update_fields=["body", "edited_at"])
    if moderated:
        activity_record(
            community=comment.advice.request.community,
            actor=editor,
            action="practice.comment.edit",
            summary=f"{editor} edited a discussion message by {shown_name(comment, comment.author)}: {reason}",
        )
    return comment


@transaction.atomic
def kudos_toggle(*, advice: Advice, user: User, now: datetime | None = None) -> bool:
    """Give kudos for ``advice`` (or take them back); return True when kudos are now given."""
    now = now or timezone.now()
    if advice.author_id == user.pk:
        raise ValidationError("Kudos are for other people's advice.")
    if advice.is_hidden or advice.request.is_hidden:
        raise ValidationError("This advice was hidden by a facilitator.")
    deleted, _ = Kudos.objects.filter(user=user, advice=advice).delete()
    if deleted:
        return False
    # get_or_create survives a double click: the unique constraint keeps one row.
    _, created = Kudos.objects.get_or_create(user=user, advice=advice, defaults={"created_at": now})
    if created:
        notify(
            recipients=[advice.author] if advice.author else [],
            category=Category.ADVICE,
            title=f"{user} gave kudos for your advice on “{advice.request.title}”",
            url=_request_url(advice.request, f"advice-{advice.pk}"),
            community=advice.request.community,
            actor=user,
            now=now,
        )
    return True


# --- moderation ------------------------------------------------------------------------------


@transaction.atomic
def content_hide(*, obj: Content, actor: User, reason: str, now: datetime | None = None) -> None:
    """A facilitator hides a request, advice or discussion message, giving a reason (logged)."""
    now = now or timezone.now()
    community = _community_of(obj)
    if not _is_facilitator(community, actor):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError("Give a reason for hiding this.")
    if obj.is_hidden:
        return
    obj.hidden_at, obj.hidden_by, obj.hidden_reason = now, actor, reason[:300]
    obj.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if isinstance(obj, HelpRequest):
        _cancel_nudges(obj)
    activity_record(
        community=community,
        actor=actor,
        action=f"practice.{type(obj).__name__.lower()}.hide",
        summary=(
            f"{actor} hid the {content_label(obj)} by {shown_name(obj, obj.author)} on “{_request_of(obj).title}”: "
            f"{reason}"
        ),
    )


@transaction.atomic
def content_unhide(*, obj: Content, actor: User, reason: str, now: datetime | None = None) -> None:
    community = _community_of(obj)
    if not _is_facilitator(community, actor):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError("Give a reason for showing this again.")
    if not obj.is_hidden:
        return
    obj.hidden_at, obj.hidden_by, obj.hidden_reason = None, None, ""
    obj.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    activity_record(
        community=community,
        actor=actor,
        action=f"practice.{type(obj).__name__.lower()}.unhide",
        summary=(
            f"{actor} showed the {content_label(obj)} by {shown_name(obj, obj.author)} on “{_request_of(obj).title}” "
            f"again: {reason}"
        ),
    )


# --- overdue nudges (an outbox swept by practice.tasks.send_due_nudges) ---------------------


def _waiting() -> Q:
    """The request behind a nudge still waits for its first response."""
    return Q(
        request__status=HelpRequest.Status.OPEN,
        request__first_response_at__isnull=True,
        request__hidden_at__isnull=True,
    )


def nudges_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send the nudges that are due; return how many were sent. Safe to run concurrently."""
    now = now or timezone.now()
    due = list(
        Nudge.objects.filter(state=Nudge.State.PENDING, due_at__lte=now)
        .order_by("request_id", "-level")
        .values_list("pk", "request_id")[:limit]
    )
    sent = 0
    seen: set[int] = set()
    for nudge_id, request_id in due:
        if request_id in seen:
            # A sweep that ran late finds several levels due: the highest one alone is sent.
            Nudge.objects.filter(pk=nudge_id, state=Nudge.State.PENDING).update(state=Nudge.State.CANCELLED)
            continue
        seen.add(request_id)
        if nudge_send(nudge_id=nudge_id, now=now):
            sent += 1
    return sent


@transaction.atomic
def nudge_send(*, nudge_id: int, now: datetime | None = None) -> bool:
    """Claim one nudge with a conditional update and notify; False when someone else had it."""
    now = now or timezone.now()
    # The claim filters on the nudge row alone. A filter through a join becomes
    # "WHERE id IN (subquery)" and PostgreSQL does not re-check a subquery after waiting for
    # the other worker's lock, so both workers would win.
    if Nudge.objects.filter(pk=nudge_id, state=Nudge.State.PENDING).update(state=Nudge.State.SENT, sent_at=now) != 1:
        return False  # another worker has it
    if not Nudge.objects.filter(_waiting(), pk=nudge_id).exists():
        # Answered, concluded or hidden since it was queued: this row is ours to cancel.
        Nudge.objects.filter(pk=nudge_id).update(state=Nudge.State.CANCELLED, sent_at=None)
        return False
    nudge = Nudge.objects.select_related("request__community").get(pk=nudge_id)
    help_request = nudge.request
    community = help_request.community
    recipients = {u.pk: u for u in [*experts_for(help_request), *_facilitators(community)]}
    recipients.pop(help_request.author_id, None)
    hours = community.response_commitment_hours * nudge.level
    notify(
        recipients=recipients.values(),
        category=Category.REQUESTS,
        title=f"Still unanswered after {hours} hours: {help_request.title}",
        body=_excerpt(help_request.situation),
        url=_request_url(help_request),
        community=community,
        email_template="practice_request_overdue",
        email_context={"help_request": help_request, "nudge": nudge, "hours": hours},
        reply_target=f"r{help_request.pk}",
        thread=request_thread(help_request),
        now=now,
    )
    Nudge.objects.filter(pk=nudge_id).update(recipient_count=len(recipients))
    return True
