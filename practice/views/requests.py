"""Help requests: the list, posting, the request page, advice, responses, discussions, moderation."""

from __future__ import annotations

import math

from crispy_forms.layout import HTML
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from childsys.lib import ratelimit
from communities.access import MODERATOR, CommunityAccess, community_for_member
from communities.models import Role
from communities.services import privacy
from communities.services.submissions import AlreadySubmitted, check_not_submitted, submit_once
from practice.forms.learning import SecondarySubmit
from practice.forms.requests import (
    AskerMessageForm,
    CommentForm,
    HelpRequestForm,
    ModerationForm,
    ResolveForm,
    ResponseForm,
    TextForm,
)
from practice.models import EDIT_WINDOW, Advice, AdviceResponse, DiscussionComment, HelpRequest
from practice.selectors import requests as selectors
from practice.services import requests as services
from practice.views.learning import learning_preview

PAGE_SIZE = 20


def _rate_limited(request: HttpRequest, scope: str, rate: ratelimit.Rate) -> str | None:
    """Count one post; return the message to show when the user is over the limit."""
    if ratelimit.hit(scope, request.user.pk, rate):
        return None
    minutes = max(1, math.ceil(ratelimit.retry_after(scope, request.user.pk, rate) / 60))
    return (
        f"You have reached the limit of {rate.describe()} for this. Nothing you wrote is lost: "
        f"it is still in the form below. Please try again in about {minutes} minute{'s' if minutes != 1 else ''}."
    )


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _get_request(access: CommunityAccess, pk: int) -> HelpRequest:
    qs = HelpRequest.objects.select_related("community", "author")
    return get_object_or_404(qs, pk=pk, community=access.community)


def _get_advice(access: CommunityAccess, pk: int, advice_pk: int) -> Advice:
    return get_object_or_404(
        Advice.objects.select_related("request__community", "author"),
        pk=advice_pk,
        request_id=pk,
        request__community=access.community,
    )


def _get_comment(access: CommunityAccess, pk: int, comment_pk: int) -> DiscussionComment:
    return get_object_or_404(
        DiscussionComment.objects.select_related("advice__request__community", "author"),
        pk=comment_pk,
        advice__request_id=pk,
        advice__request__community=access.community,
    )


# --- list and posting ------------------------------------------------------------------------


@login_required
def request_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug)
    community = access.community
    filter_name = request.GET.get("filter", "all")
    if filter_name not in selectors.FILTERS:
        filter_name = "all"
    tags = list(community.tags.order_by("name"))
    tag = next((t for t in tags if t.slug == request.GET.get("tag")), None)
    search = request.GET.get("q", "")[:200]
    requests = selectors.request_list(
        community=community,
        user=request.user,
        show_hidden=access.is_facilitator,
        filter_name=filter_name,
        tag=tag,
        search=search,
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "access": access,
        "community": community,
        "page": page,
        "filters": selectors.FILTERS,
        "filter_name": filter_name,
        "tags": tags,
        "tag": tag,
        "search": search,
        "now": timezone.now(),
    }
    return render(request, "practice/requests/list.html", context)


@login_required
def request_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug)
    community = access.community
    form = HelpRequestForm(request.POST or None, community=community)
    status = 200
    # "Don't ask twice" without JavaScript: the preview step shows matching learning and concluded requests.
    previewing = request.method == "POST" and "preview" in request.POST
    suggestions = None
    if previewing:
        form, suggestions = learning_preview(request, community)
    elif request.method == "POST" and form.is_valid():
        try:
            check_not_submitted(token=form.token(), user=request.user)
        except AlreadySubmitted as repeat:
            return redirect(repeat.target or reverse("practice:request-list", kwargs={"slug": slug}))
        limited = _rate_limited(request, "practice.request", services.REQUEST_RATE)
        if limited:
            form.add_error(None, limited)
            status = 429
        else:
            try:
                help_request = submit_once(
                    token=form.token(),
                    user=request.user,
                    create=lambda: services.help_request_create(
                        community=community,
                        author=request.user,
                        title=form.cleaned_data["title"],
                        situation=form.cleaned_data["situation"],
                        tried=form.cleaned_data["tried"],
                        tags=form.cleaned_data["tags"],
                        new_tags=form.cleaned_data["new_tags"],
                        urgency=form.cleaned_data["urgency"],
                        anonymous=form.cleaned_data["anonymous"],
                    ),
                )
            except AlreadySubmitted as repeat:
                return redirect(repeat.target or reverse("practice:request-list", kwargs={"slug": slug}))
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                privacy.phi_confirmations_record(
                    community=community,
                    user=request.user,
                    findings=form.phi_confirmed,
                    where="a help request",
                    anonymous=help_request.anonymous,
                )
                messages.success(request, "Your request is posted. Members with matching expertise have been told.")
                return redirect(help_request)
    form.helper.add_input(SecondarySubmit("preview", "Preview and check for answers"))
    # "Already answered?" sits right under the title, where the answers matter while it is typed.
    form.helper.layout.insert(1, HTML('{% include "practice/learning/_request_suggestions.html" %}'))
    context = {
        "access": access,
        "community": community,
        "form": form,
        "editing": False,
        "previewing": previewing,
        "suggestions": suggestions,
    }
    return render(request, "practice/requests/form.html", context, status=status)


# --- the request page --------------------------------------------------------------------


def _render_detail(
    request: HttpRequest,
    access: CommunityAccess,
    pk: int,
    *,
    advice_form: TextForm | None = None,
    comment_form: CommentForm | None = None,
    comment_advice_id: int | None = None,
    response_form: ResponseForm | None = None,
    response_advice_id: int | None = None,
    resolve_form: ResolveForm | None = None,
    message_form: AskerMessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    help_request = selectors.request_detail(community=access.community, pk=pk, user=request.user)
    if help_request is None:
        raise Http404
    now = timezone.now()
    is_asker = help_request.author_id == request.user.pk
    context = {
        "access": access,
        "community": access.community,
        "help_request": help_request,
        "is_asker": is_asker,
        "can_edit": help_request.author_may_edit(request.user, now=now),
        "can_moderate": access.is_facilitator,
        "show_hidden": access.is_facilitator,
        "overdue": help_request.is_overdue(now=now),
        "now": now,
        "edit_window_ends": help_request.created_at + EDIT_WINDOW,
        "advice_form": advice_form
        or TextForm(
            action=reverse("practice:request-advice", kwargs={"slug": access.community.slug, "pk": pk}),
            community=access.community,
        ),
        "comment_form": comment_form,
        "comment_advice_id": comment_advice_id,
        "response_form": response_form,
        "response_advice_id": response_advice_id,
        "resolve_form": resolve_form,
        "message_form": message_form
        or (
            AskerMessageForm(
                action=reverse("practice:request-message-asker", kwargs={"slug": access.community.slug, "pk": pk})
            )
            if help_request.anonymous and access.is_facilitator and not is_asker
            else None
        ),
        "kinds": AdviceResponse.Kind,
    }
    return render(request, "practice/requests/detail.html", context, status=status)


@login_required
def request_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    return _render_detail(request, access, pk)


@login_required
def request_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    help_request = _get_request(access, pk)
    mode = access.content_edit_mode(help_request, request.user)
    moderating = mode == MODERATOR
    if mode is None:
        if help_request.author_id == request.user.pk:
            messages.info(request, "The time to edit this request has passed. Add what changed in a discussion.")
            return redirect(help_request)
        raise PermissionDenied
    form = HelpRequestForm(
        request.POST or None,
        instance=help_request,
        community=access.community,
        moderating=moderating,
        submit="Save changes",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.help_request_edit(
                help_request=help_request,
                editor=request.user,
                title=form.cleaned_data["title"],
                situation=form.cleaned_data["situation"],
                tried=form.cleaned_data["tried"],
                urgency=form.cleaned_data["urgency"],
                tags=form.cleaned_data["tags"],
                new_tags=form.cleaned_data["new_tags"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            privacy.phi_confirmations_record(
                community=access.community,
                user=request.user,
                findings=form.phi_confirmed,
                where="a help request",
                anonymous=help_request.masks(request.user.pk, None),
            )
            messages.success(request, "Request updated.")
            return redirect(help_request)
    context = {
        "access": access,
        "community": access.community,
        "form": form,
        "editing": True,
        "help_request": help_request,
        "moderating": moderating,
    }
    return render(request, "practice/requests/form.html", context)


def _askers_request(request: HttpRequest, slug: str, pk: int) -> tuple[CommunityAccess, HelpRequest]:
    """The request, for its asker only (403 for anyone else): resolving and withdrawing are theirs."""
    access = community_for_member(request, slug)
    help_request = _get_request(access, pk)
    if help_request.author_id != request.user.pk:
        raise PermissionDenied
    return access, help_request


@login_required
@require_POST
def request_resolve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, help_request = _askers_request(request, slug, pk)
    form = ResolveForm(request.POST, community=access.community)
    if not form.is_valid():
        # The note may identify a patient: show the page again with the note kept and the finding marked.
        return _render_detail(request, access, pk, resolve_form=form, status=400)
    try:
        services.help_request_resolve(help_request=help_request, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        privacy.phi_confirmations_record(
            community=access.community,
            user=request.user,
            findings=form.phi_confirmed,
            where="a resolution note",
            anonymous=help_request.anonymous,
        )
        messages.success(request, "Marked resolved. Thank the people who helped, and tell them how it went.")
    return redirect(help_request)


@login_required
@require_POST
def request_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, help_request = _askers_request(request, slug, pk)
    try:
        services.help_request_withdraw(help_request=help_request, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Request withdrawn.")
    return redirect(help_request)


@login_required
@require_POST
def request_reveal(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _, help_request = _askers_request(request, slug, pk)
    if services.help_request_reveal(help_request=help_request, actor=request.user):
        messages.success(request, "You revealed yourself: everyone now sees that you asked this.")
    return redirect(help_request)


@login_required
@require_POST
def request_message_asker(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A facilitator writes to the anonymous asker; the portal delivers it without saying who it is."""
    access = community_for_member(request, slug, Role.FACILITATOR)
    help_request = _get_request(access, pk)
    form = AskerMessageForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, access, pk, message_form=form, status=400)
    try:
        services.help_request_message_asker(
            help_request=help_request, sender=request.user, message=form.cleaned_data["message"]
        )
    except ValidationError as exc:
        form.add_error(None, _error_text(exc))
        return _render_detail(request, access, pk, message_form=form, status=400)
    messages.success(request, "Your message was delivered to the asker. They can answer on the request.")
    return redirect(help_request)


# --- advice, responses, discussion, kudos -------------------------------------------------------


@login_required
@require_POST
def advice_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    help_request = _get_request(access, pk)
    action = reverse("practice:request-advice", kwargs={"slug": slug, "pk": pk})
    form = TextForm(request.POST, action=action, community=access.community)
    if not form.is_valid():
        return _render_detail(request, access, pk, advice_form=form, status=400)
    try:
        check_not_submitted(token=form.token(), user=request.user)
        limited = _rate_limited(request, "practice.advice", services.ADVICE_RATE)
        if limited:
            form.add_error(None, limited)
            return _render_detail(request, access, pk, advice_form=form, status=429)
        advice = submit_once(
            token=form.token(),
            user=request.user,
            create=lambda: services.advice_create(
                help_request=help_request, author=request.user, body=form.cleaned_data["body"]
            ),
        )
    except AlreadySubmitted as repeat:
        anchor = f"#advice-{repeat.target.pk}" if repeat.target is not None else ""
        return redirect(f"{help_request.get_absolute_url()}{anchor}")
    except ValidationError as exc:
        form.add_error(None, _error_text(exc))
        return _render_detail(request, access, pk, advice_form=form, status=400)
    privacy.phi_confirmations_record(
        community=access.community, user=request.user, findings=form.phi_confirmed, where="advice"
    )
    messages.success(request, "Thank you: your advice is posted and the asker has been told.")
    return redirect(f"{help_request.get_absolute_url()}#advice-{advice.pk}")


def _edit_text(
    request: HttpRequest,
    access: CommunityAccess,
    obj: Advice | DiscussionComment,
    *,
    help_request: HelpRequest,
    what: str,
    label: str,
    save,
    anchor: str,
) -> HttpResponse:
    """Edit advice or a discussion message: the author within the edit window, else a facilitator with a reason."""
    mode = access.content_edit_mode(obj, request.user)
    moderating = mode == MODERATOR
    if mode is None:
        if obj.author_id == request.user.pk:
            messages.info(request, f"The time to edit this {what} has passed.")
            return redirect(help_request)
        raise PermissionDenied
    form = TextForm(
        request.POST or None,
        initial={"body": obj.body},
        moderating=moderating,
        label=label,
        submit="Save changes",
        community=access.community,
    )
    if request.method == "POST" and form.is_valid():
        try:
            save(editor=request.user, body=form.cleaned_data["body"], reason=form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            privacy.phi_confirmations_record(
                community=access.community,
                user=request.user,
                findings=form.phi_confirmed,
                where=what,
                anonymous=help_request.masks(request.user.pk, None),
            )
            messages.success(request, f"{label} updated.")
            return redirect(f"{help_request.get_absolute_url()}#{anchor}")
    context = {
        "access": access,
        "community": access.community,
        "form": form,
        "help_request": help_request,
        "what": what,
        "moderating": moderating,
    }
    return render(request, "practice/requests/text_edit.html", context)


@login_required
def advice_edit(request: HttpRequest, slug: str, pk: int, advice_pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    advice = _get_advice(access, pk, advice_pk)
    return _edit_text(
        request,
        access,
        advice,
        help_request=advice.request,
        what="advice",
        label="Advice",
        save=lambda **kw: services.advice_edit(advice=advice, **kw),
        anchor=f"advice-{advice.pk}",
    )


@login_required
@require_POST
def advice_respond(request: HttpRequest, slug: str, pk: int, advice_pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    advice = _get_advice(access, pk, advice_pk)
    if advice.request.author_id != request.user.pk:
        raise PermissionDenied
    form = ResponseForm(request.POST, community=access.community)
    if not form.is_valid():
        if "note" in form.errors:  # the note may identify a patient: the page again, the note kept
            return _render_detail(request, access, pk, response_form=form, response_advice_id=advice.pk, status=400)
        messages.error(request, "Choose how you respond to this advice.")
        return redirect(f"{advice.request.get_absolute_url()}#advice-{advice.pk}")
    try:
        response, created = services.advice_respond(
            advice=advice, author=request.user, kind=form.cleaned_data["kind"], note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(f"{advice.request.get_absolute_url()}#advice-{advice.pk}")
    privacy.phi_confirmations_record(
        community=access.community,
        user=request.user,
        findings=form.phi_confirmed,
        where="a response to advice",
        anonymous=advice.request.anonymous,
    )
    if not created:
        messages.info(request, f"You already answered “{response.get_kind_display()}” to this advice.")
    elif response.kind == AdviceResponse.Kind.TRY:
        messages.success(request, "Noted: you'll try this. We'll ask you later how it turned out.")
    elif response.kind == AdviceResponse.Kind.DISCUSS:
        messages.success(request, "Discussion opened under the advice. The adviser has been told.")
    else:
        messages.success(request, "Your thanks are passed on.")
    return redirect(f"{advice.request.get_absolute_url()}#advice-{advice.pk}")


@login_required
@require_POST
def comment_create(request: HttpRequest, slug: str, pk: int, advice_pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    advice = _get_advice(access, pk, advice_pk)
    form = CommentForm(request.POST, community=access.community)
    if not form.is_valid():
        return _render_detail(request, access, pk, comment_form=form, comment_advice_id=advice.pk, status=400)
    try:
        check_not_submitted(token=form.token(), user=request.user)
        limited = _rate_limited(request, "practice.advice", services.ADVICE_RATE)
        if limited:
            form.add_error(None, limited)
            return _render_detail(request, access, pk, comment_form=form, comment_advice_id=advice.pk, status=429)
        comment = submit_once(
            token=form.token(),
            user=request.user,
            create=lambda: services.comment_create(advice=advice, author=request.user, body=form.cleaned_data["body"]),
        )
    except AlreadySubmitted as repeat:
        anchor = f"#comment-{repeat.target.pk}" if repeat.target is not None else ""
        return redirect(f"{advice.request.get_absolute_url()}{anchor}")
    except ValidationError as exc:
        form.add_error(None, _error_text(exc))
        return _render_detail(request, access, pk, comment_form=form, comment_advice_id=advice.pk, status=400)
    privacy.phi_confirmations_record(
        community=access.community,
        user=request.user,
        findings=form.phi_confirmed,
        where="a discussion message",
        anonymous=advice.request.masks(request.user.pk, None),
    )
    messages.success(request, "Your reply is posted.")
    return redirect(f"{advice.request.get_absolute_url()}#comment-{comment.pk}")


@login_required
def comment_edit(request: HttpRequest, slug: str, pk: int, comment_pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    comment = _get_comment(access, pk, comment_pk)
    return _edit_text(
        request,
        access,
        comment,
        help_request=comment.advice.request,
        what="message",
        label="Message",
        save=lambda **kw: services.comment_edit(comment=comment, **kw),
        anchor=f"comment-{comment.pk}",
    )


@login_required
@require_POST
def advice_kudos(request: HttpRequest, slug: str, pk: int, advice_pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    advice = _get_advice(access, pk, advice_pk)
    try:
        given = services.kudos_toggle(advice=advice, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Kudos given." if given else "Kudos taken back.")
    return redirect(f"{advice.request.get_absolute_url()}#advice-{advice.pk}")


# --- moderation ------------------------------------------------------------------------------


def _moderate(request: HttpRequest, access: CommunityAccess, obj, *, help_request: HelpRequest) -> HttpResponse:
    is_request = isinstance(obj, HelpRequest)
    form = ModerationForm(
        request.POST or None,
        allow_close=is_request and help_request.is_active,
        hidden=obj.is_hidden,
    )
    if request.method == "POST" and form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == "hide":
                services.content_hide(obj=obj, actor=request.user, reason=reason)
            elif action == "unhide":
                services.content_unhide(obj=obj, actor=request.user, reason=reason)
            else:
                services.help_request_close(help_request=help_request, actor=request.user, reason=reason)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            done = {"hide": "Hidden", "unhide": "Shown again", "close": "Request closed"}[action]
            messages.success(request, f"{done}. The reason is in the activity log.")
            return redirect(help_request)
    context = {
        "access": access,
        "community": access.community,
        "form": form,
        "help_request": help_request,
        "target": obj,
        "what": services.content_label(obj),
    }
    return render(request, "practice/requests/moderate.html", context)


@login_required
def request_moderate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    help_request = _get_request(access, pk)
    return _moderate(request, access, help_request, help_request=help_request)


@login_required
def advice_moderate(request: HttpRequest, slug: str, pk: int, advice_pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    advice = _get_advice(access, pk, advice_pk)
    return _moderate(request, access, advice, help_request=advice.request)


@login_required
def comment_moderate(request: HttpRequest, slug: str, pk: int, comment_pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    comment = _get_comment(access, pk, comment_pk)
    return _moderate(request, access, comment, help_request=comment.advice.request)
