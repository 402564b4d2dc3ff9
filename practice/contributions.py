"""Which posts of a deleted account others' content depends on, per kind (registered in PracticeConfig.ready).

A member who deletes their account may ask for what they wrote to be removed. A post stays (as "Former
member") when someone else's content hangs off it or was built from it; otherwise it is deleted, with the
notifications and emails that link to it, and its text is replaced wherever a digest or the activity log
quotes it (``communities.services.erasure.copies_remove``). What keeps a post is other people's content and
the community's record of learning (a reported outcome, captured learning); every rule is read before anything
is removed, and a post that would take a kept row with it (a request and the advice on it) is kept as well.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from communities import figures
from communities.contributions import Contribution
from communities.models import User
from communities.services.erasure import copies_remove, quotes_of
from practice.models import (
    Advice,
    AdviceResponse,
    Artefact,
    ArtefactVersion,
    DiscussionComment,
    HelpRequest,
    InboundEmail,
    Kudos,
    NewcomerPathItem,
    Outcome,
    PracticeSession,
    PrivacyFlag,
    SessionAgendaItem,
)
from practice.models.learning import ALL_TEXT_FIELDS


def _others(queryset: QuerySet, user: User, field: str = "author") -> QuerySet:
    return queryset.exclude(**{field: user})  # NULL (an erased author) is someone else too


def _flags_remove(model, pks: list[int]) -> None:
    """Privacy concerns about a removed post: the post is gone, so there is nothing left to review."""
    from django.contrib.contenttypes.models import ContentType

    PrivacyFlag.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=pks).delete()


def _changed(community_ids: set[int]) -> None:
    for community_id in community_ids:
        figures.changed(community_id)


# --- Help requests ------------------------------------------------------------------------------------


def _requests_written(user: User) -> QuerySet:
    return HelpRequest.objects.filter(author=user)


def _requests_depended_on(requests: QuerySet, user: User) -> QuerySet:
    """Someone else advised or commented on it, its outcome was reported, learning was captured from it,
    it is on a session's agenda, or advice on it is kept (which removing the request would take with it)."""
    here = OuterRef("pk")
    return requests.filter(
        Exists(_others(Advice.objects.filter(request=here), user))
        | Exists(_advice_depended_on(Advice.objects.filter(request=here), user))
        | Exists(_others(DiscussionComment.objects.filter(advice__request=here), user))
        | Exists(Outcome.objects.filter(request=here))
        | Exists(Artefact.source_requests.through.objects.filter(helprequest=here))
        | Exists(SessionAgendaItem.objects.filter(request=here))
    )


def _requests_remove(requests: list[HelpRequest]) -> None:
    pks = [r.pk for r in requests]
    # Everything on a removable request is the person's own (else it would be kept): it goes with it.
    advice = list(Advice.objects.filter(request__in=pks))
    comments = list(DiscussionComment.objects.filter(advice__request__in=pks))
    quotes = quotes_of(
        *(t for r in requests for t in (r.title, r.situation, r.tried)),
        *(a.body for a in advice),
        *(c.body for c in comments),
    )
    links = [r.get_absolute_url() for r in requests]
    _flags_remove(HelpRequest, pks)
    _flags_remove(Advice, [a.pk for a in advice])
    _flags_remove(DiscussionComment, [c.pk for c in comments])
    InboundEmail.objects.filter(Q(advice__in=advice) | Q(comment__in=comments)).update(raw=b"", subject="")
    HelpRequest.objects.filter(pk__in=pks).delete()
    copies_remove(links=links, quotes=quotes)
    _changed({r.community_id for r in requests})


# --- Advice -------------------------------------------------------------------------------------------


def _advice_written(user: User) -> QuerySet:
    return Advice.objects.filter(author=user)


def _advice_depended_on(advice: QuerySet, user: User) -> QuerySet:
    """The asker responded to it, someone gave kudos or discussed it, an outcome names it as helpful,
    or learning was captured from it."""
    here = OuterRef("pk")
    return advice.filter(
        Exists(_others(AdviceResponse.objects.filter(advice=here), user))
        | Exists(_others(Kudos.objects.filter(advice=here), user, "user"))
        | Exists(_others(DiscussionComment.objects.filter(advice=here), user))
        | Exists(Outcome.helpful_advice.through.objects.filter(advice=here))
        | Exists(Artefact.source_advice.through.objects.filter(advice=here))
    )


def _advice_link(advice: Advice) -> str:
    return f"{advice.request.get_absolute_url()}#advice-{advice.pk}"


def _advice_remove(advice: list[Advice]) -> None:
    advice = list(Advice.objects.filter(pk__in=[a.pk for a in advice]).select_related("request__community"))
    pks = [a.pk for a in advice]
    comments = list(DiscussionComment.objects.filter(advice__in=pks))  # the person's own (else it is kept)
    quotes = quotes_of(*(a.body for a in advice), *(c.body for c in comments))
    links = [_advice_link(a) for a in advice]
    _flags_remove(Advice, pks)
    _flags_remove(DiscussionComment, [c.pk for c in comments])
    InboundEmail.objects.filter(Q(advice__in=pks) | Q(comment__in=comments)).update(raw=b"", subject="")
    Advice.objects.filter(pk__in=pks).delete()
    copies_remove(links=links, quotes=quotes)
    # A request left without anyone's advice is open again, so it does not read as answered; its first
    # response time stays what it was (the figures keep the fact that someone answered in time).
    answered = HelpRequest.objects.filter(pk__in={a.request_id for a in advice}, status=HelpRequest.Status.ANSWERED)
    for help_request in answered:
        if not Advice.objects.filter(request=help_request).exclude(author=help_request.author_id).exists():
            help_request.status = HelpRequest.Status.OPEN
            help_request.save(update_fields=["status"])
    _changed({a.request.community_id for a in advice})


# --- Discussion comments ------------------------------------------------------------------------------


def _comments_written(user: User) -> QuerySet:
    return DiscussionComment.objects.filter(author=user)


def _comments_depended_on(comments: QuerySet, user: User) -> QuerySet:
    """Someone else wrote in the discussion after it (a discussion's replies follow what they answer)."""
    later = DiscussionComment.objects.filter(advice=OuterRef("advice"), created_at__gt=OuterRef("created_at"))
    return comments.filter(Exists(_others(later, user)))


def _comments_remove(comments: list[DiscussionComment]) -> None:
    comments = list(
        DiscussionComment.objects.filter(pk__in=[c.pk for c in comments]).select_related("advice__request__community")
    )
    pks = [c.pk for c in comments]
    links = [f"{c.advice.request.get_absolute_url()}#comment-{c.pk}" for c in comments]
    quotes = quotes_of(*(c.body for c in comments))
    _flags_remove(DiscussionComment, pks)
    InboundEmail.objects.filter(comment__in=pks).update(raw=b"", subject="")
    DiscussionComment.objects.filter(pk__in=pks).delete()
    copies_remove(links=links, quotes=quotes)


# --- Captured learning --------------------------------------------------------------------------------


def _artefacts_written(user: User) -> QuerySet:
    return Artefact.objects.filter(Q(created_by=user) | Q(authors=user)).distinct()


def _artefacts_depended_on(artefacts: QuerySet, user: User) -> QuerySet:
    """Someone else started it, wrote or edited it, put it on the newcomer path, or a session's summary
    is it."""
    here = OuterRef("pk")
    return artefacts.filter(
        ~Q(created_by=user)
        | Exists(_others(Artefact.authors.through.objects.filter(artefact=here), user, "user"))
        | Exists(_others(ArtefactVersion.objects.filter(artefact=here), user))
        | Exists(NewcomerPathItem.objects.filter(artefact=here))
        | Exists(PracticeSession.objects.filter(summary=here))
    )


def _artefacts_remove(artefacts: list[Artefact]) -> None:
    artefacts = list(Artefact.objects.filter(pk__in=[a.pk for a in artefacts]).select_related("community"))
    versions = ArtefactVersion.objects.filter(artefact__in=artefacts)
    quotes = quotes_of(
        *(t for a in artefacts for t in (a.title, *(getattr(a, f) for f in ALL_TEXT_FIELDS))),
        *(t for v in versions for t in (v.title, *(str(x) for x in v.fields.values()))),
    )
    links = [a.get_absolute_url() for a in artefacts]
    Artefact.objects.filter(pk__in=[a.pk for a in artefacts]).delete()
    copies_remove(links=links, quotes=quotes)
    _changed({a.community_id for a in artefacts})


PRACTICE_CONTRIBUTIONS = (
    # Leaves first, so a count never includes a row a later kind's removal takes with it.
    Contribution(
        "Discussion comments",
        "someone else wrote in the discussion after you",
        _comments_written,
        _comments_depended_on,
        _comments_remove,
    ),
    Contribution(
        "Advice",
        "the asker responded to it, someone gave kudos or discussed it, an outcome names it as helpful, "
        "or learning was captured from it",
        _advice_written,
        _advice_depended_on,
        _advice_remove,
    ),
    Contribution(
        "Help requests",
        "someone else advised or commented, an outcome was reported, learning was captured from it, "
        "it is on a session's agenda, or advice on it is kept",
        _requests_written,
        _requests_depended_on,
        _requests_remove,
    ),
    Contribution(
        "Captured learning (artefacts)",
        "someone else wrote or edited it, it is on the newcomer path, or it is a session's summary",
        _artefacts_written,
        _artefacts_depended_on,
        _artefacts_remove,
    ),
)


def last_email_reply() -> QuerySet:
    """The latest email reply the user in ``OuterRef("pk")`` sent: replying posts without signing in."""
    return InboundEmail.objects.filter(user=OuterRef("pk")).order_by("-received_at").values("received_at")[:1]
