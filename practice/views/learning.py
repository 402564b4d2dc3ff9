"""Captured learning: the list and search, writing and publishing artefacts, the handbook, the newcomer
path, and the suggestions shown while a member writes a help request ("don't ask twice")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from communities.access import CommunityAccess, community_for_member
from communities.models import Role
from communities.services import privacy
from communities.services.submissions import AlreadySubmitted, submit_once
from practice.forms.learning import ArtefactForm, PathAddForm, PathMoveForm, PathReadForm, UnpublishForm
from practice.forms.requests import HelpRequestForm
from practice.models import KIND_FIELDS, Artefact, HelpRequest, NewcomerPathItem, Outcome
from practice.selectors import learning as selectors
from practice.services import learning as services

PAGE_SIZE = 20
KIND_INTROS = {
    Artefact.Kind.FAQ: "A question members keep asking, and the community's answer.",
    Artefact.Kind.SUMMARY: "The highlights of a period or a discussion, for those who could not take part.",
    Artefact.Kind.CASE_STORY: "A real case: the situation, what we did, and the result.",
    Artefact.Kind.FAILURE_REFLECTION: "Something that went wrong, what we learned, and what we'd do differently.",
    Artefact.Kind.INSIGHT: "One important insight worth remembering.",
}


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _get_artefact(request: HttpRequest, access: CommunityAccess, pk: int) -> Artefact:
    """An artefact the user may see: a draft of someone else is a 404 for members, like a missing id."""
    qs = selectors.visible_artefacts(access.community, request.user, can_see_drafts=access.is_core)
    return get_object_or_404(qs.select_related("community"), pk=pk)


def _context(access: CommunityAccess, **extra) -> dict:
    return {"access": access, "community": access.community, "is_curator": access.is_core, **extra}


# --- list, search, detail ------------------------------------------------------------------------


@login_required
def learning_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug)
    community = access.community
    kind = request.GET.get("kind", "")
    if kind not in KIND_FIELDS:
        kind = ""
    tags = list(community.tags.order_by("name"))
    tag = next((t for t in tags if t.slug == request.GET.get("tag")), None)
    search = request.GET.get("q", "")[:200]
    drafts_only = request.GET.get("status") == "draft"
    artefacts = selectors.artefact_list(
        community=community,
        user=request.user,
        can_see_drafts=access.is_core,
        kind=kind,
        tag=tag,
        search=search,
        drafts_only=drafts_only,
        show_hidden=access.is_facilitator,
    )
    page = Paginator(artefacts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(
        access,
        page=page,
        kinds=Artefact.Kind.choices,
        kind=kind,
        tags=tags,
        tag=tag,
        search=search,
        drafts_only=drafts_only,
        path=selectors.newcomer_path(community=community, user=request.user),
        show_hidden=access.is_facilitator,
    )
    return render(request, "practice/learning/list.html", context)


@login_required
def learning_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    artefact = selectors.artefact_detail(
        community=access.community, pk=pk, user=request.user, can_see_drafts=access.is_core
    )
    if artefact is None:
        raise Http404
    is_author = any(a.pk == request.user.pk for a in artefact.authors.all())
    context = _context(
        access,
        artefact=artefact,
        can_edit=access.is_core or (is_author and not artefact.is_published),
        unpublish_form=UnpublishForm(),
        show_hidden=access.is_facilitator,
        on_path=NewcomerPathItem.objects.filter(artefact=artefact).exists(),
    )
    return render(request, "practice/learning/detail.html", context)


@login_required
def learning_version(request: HttpRequest, slug: str, pk: int, version_pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    artefact = _get_artefact(request, access, pk)
    version = get_object_or_404(artefact.versions.select_related("author"), pk=version_pk)
    if artefact.is_hidden and not access.is_facilitator:
        # Its history holds the same text: hidden too until the privacy review.
        return render(request, "practice/learning/detail.html", _context(access, artefact=artefact, show_hidden=False))
    parts = [(name, label, version.fields.get(name, "")) for name, label in KIND_FIELDS[version.kind]]
    previous, changes = selectors.version_changes(version)
    context = _context(
        access,
        artefact=artefact,
        version=version,
        parts=parts,
        previous=previous,
        changes=changes,
        may_restore=version.number != artefact.version
        and services.may_edit_artefact(artefact, request.user, curator=access.is_core),
    )
    return render(request, "practice/learning/version.html", context)


@login_required
@require_POST
def learning_version_restore(request: HttpRequest, slug: str, pk: int, version_pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    artefact = _get_artefact(request, access, pk)
    version = get_object_or_404(artefact.versions, pk=version_pk)
    if not services.may_edit_artefact(artefact, request.user, curator=access.is_core):
        raise PermissionDenied
    if artefact.is_hidden and not access.is_facilitator:
        raise PermissionDenied  # hidden pending a privacy review
    try:
        services.artefact_restore(artefact=artefact, version=version, editor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("practice:learning-version", slug=access.community.slug, pk=artefact.pk, version_pk=version.pk)
    messages.success(request, f"Version {version.number} restored: it is now version {artefact.version}.")
    return redirect(artefact)


# --- writing --------------------------------------------------------------------------------------


@login_required
def learning_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Capture from scratch: choose the kind (no ``?kind=``), then write it (``?kind=faq``)."""
    access = community_for_member(request, slug)
    kind = request.GET.get("kind", "")
    if not kind:
        kinds = [(value, label, KIND_INTROS[value]) for value, label in Artefact.Kind.choices]
        return render(request, "practice/learning/choose.html", _context(access, kinds=kinds))
    if kind not in KIND_FIELDS:
        raise Http404
    form = ArtefactForm(request.POST or None, community=access.community, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            artefact = submit_once(
                token=form.token(),
                user=request.user,
                create=lambda: services.artefact_create(
                    community=access.community,
                    author=request.user,
                    kind=kind,
                    title=form.cleaned_data["title"],
                    fields=form.part_values(),
                    tags=form.cleaned_data["tags"],
                    new_tags=form.cleaned_data["new_tags"],
                    anonymous=form.cleaned_data.get("anonymous", False),
                ),
            )
        except AlreadySubmitted as repeat:
            return redirect(repeat.target or reverse("practice:learning", kwargs={"slug": slug}))
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            privacy.phi_confirmations_record(
                community=access.community,
                user=request.user,
                findings=form.phi_confirmed,
                where="captured learning",
                anonymous=artefact.anonymous,
            )
            messages.success(
                request,
                "Draft saved. Only you and the core group can see it until a facilitator or core member publishes it.",
            )
            return redirect(artefact)
    label = Artefact.Kind(kind).label
    context = _context(access, form=form, kind=kind, kind_label=label, intro=KIND_INTROS[kind], editing=False)
    return render(request, "practice/learning/form.html", context)


@login_required
def learning_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    artefact = _get_artefact(request, access, pk)
    if not services.may_edit_artefact(artefact, request.user, curator=access.is_core):
        raise PermissionDenied
    if artefact.is_hidden and not access.is_facilitator:
        raise PermissionDenied  # hidden pending a privacy review: only the facilitators read its text
    initial = {
        "title": artefact.title,
        "tags": list(artefact.tags.values_list("pk", flat=True)),
        **artefact.field_values(),
    }
    form = ArtefactForm(
        request.POST or None, initial=initial, community=access.community, kind=artefact.kind, editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.artefact_edit(
                artefact=artefact,
                editor=request.user,
                title=form.cleaned_data["title"],
                fields=form.part_values(),
                tags=form.cleaned_data["tags"],
                new_tags=form.cleaned_data["new_tags"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            privacy.phi_confirmations_record(
                community=access.community, user=request.user, findings=form.phi_confirmed, where="captured learning"
            )
            messages.success(request, f"Saved as version {artefact.version}.")
            return redirect(artefact)
    context = _context(
        access,
        form=form,
        artefact=artefact,
        kind=artefact.kind,
        kind_label=artefact.get_kind_display(),
        intro=KIND_INTROS[artefact.kind],
        editing=True,
    )
    return render(request, "practice/learning/form.html", context)


@login_required
@require_POST
def learning_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    artefact = _get_artefact(request, access, pk)
    if services.artefact_publish(artefact=artefact, actor=request.user):
        messages.success(request, "Published. Members can read it now; its authors have been told.")
    else:
        messages.info(request, "This was already published.")
    return redirect(artefact)


@login_required
@require_POST
def learning_reveal(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    artefact = _get_artefact(request, access, pk)
    if services.artefact_reveal(artefact=artefact, actor=request.user):
        messages.success(request, "You revealed yourself: everyone now sees that you wrote this.")
    return redirect(artefact)


@login_required
@require_POST
def learning_unpublish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    artefact = _get_artefact(request, access, pk)
    form = UnpublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for taking it back to draft.")
        return redirect(artefact)
    try:
        services.artefact_unpublish(artefact=artefact, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Back to draft: members no longer see it. The reason is in the activity log.")
    return redirect(artefact)


@login_required
@require_POST
def learning_from_request(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """ "Summarise this thread": any member drafts a summary pre-filled from the request and its advice."""
    access = community_for_member(request, slug)
    help_request = get_object_or_404(HelpRequest, pk=pk, community=access.community)
    try:
        artefact = services.artefact_draft_from_request(help_request=help_request, author=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(help_request)
    messages.success(request, "A draft summary is ready, pre-filled from the thread. Condense it, then save.")
    return redirect("practice:learning-edit", slug=slug, pk=artefact.pk)


@login_required
@require_POST
def learning_from_outcome(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """ "Capture as learning": a core member or facilitator drafts a case story from a closed loop."""
    access = community_for_member(request, slug, Role.CORE)
    help_request = get_object_or_404(HelpRequest, pk=pk, community=access.community)
    outcome = Outcome.objects.filter(request=help_request).select_related("request", "community").first()
    if outcome is None:
        messages.error(request, "This request has no reported outcome yet: summarise the thread instead.")
        return redirect(help_request)
    existing = Artefact.objects.filter(source_outcomes=outcome).order_by("id").first()
    if existing is not None:
        messages.info(request, "This loop is captured already: here is what was drafted from it.")
        return redirect("practice:learning-detail", slug=slug, pk=existing.pk)
    artefact = services.artefact_draft_from_outcome(outcome=outcome, author=request.user)
    messages.success(
        request,
        f"A draft {artefact.get_kind_display().lower()} is ready, pre-filled from the request, the advice "
        "that helped and the outcome.",
    )
    return redirect("practice:learning-edit", slug=slug, pk=artefact.pk)


# --- the handbook -------------------------------------------------------------------------------


@login_required
def learning_handbook(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything published, to print; ``?kind=`` and ``?tag=`` print one chapter or one topic."""
    access = community_for_member(request, slug)
    kind = request.GET.get("kind", "")
    if kind not in KIND_FIELDS:
        kind = ""
    tags = list(access.community.tags.order_by("name"))
    tag = next((t for t in tags if t.slug == request.GET.get("tag")), None)
    context = _context(
        access,
        chapters=selectors.handbook(community=access.community, kind=kind, tag=tag, show_hidden=access.is_facilitator),
        show_hidden=access.is_facilitator,
        kinds=Artefact.Kind.choices,
        kind=kind,
        kind_label=Artefact.Kind(kind).label if kind else "",
        tags=tags,
        tag=tag,
        printed_at=timezone.now(),
    )
    return render(request, "practice/learning/handbook.html", context)


# --- the newcomer path ---------------------------------------------------------------------------


@login_required
def learning_path(request: HttpRequest, slug: str) -> HttpResponse:
    """Facilitators and the core group curate the path and see how far newcomers got."""
    access = community_for_member(request, slug, Role.CORE)
    community = access.community
    total, progress = selectors.newcomer_progress(community=community)
    context = _context(
        access,
        path=selectors.newcomer_path(community=community, user=None, show_hidden=access.is_facilitator),
        show_hidden=access.is_facilitator,
        add_form=PathAddForm(community=community),
        total=total,
        progress=progress,
    )
    return render(request, "practice/learning/path.html", context)


def _path_item(access: CommunityAccess, item_pk: int) -> NewcomerPathItem:
    return get_object_or_404(
        NewcomerPathItem.objects.select_related("community", "artefact"), pk=item_pk, community=access.community
    )


@login_required
@require_POST
def learning_path_add(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    form = PathAddForm(request.POST, community=access.community)
    if form.is_valid():
        try:
            services.path_add(community=access.community, artefact=form.cleaned_data["artefact"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "Added to the newcomer path.")
    else:
        messages.error(request, "Choose a published artefact that is not on the path yet.")
    return redirect("practice:learning-path", slug=slug)


@login_required
@require_POST
def learning_path_remove(request: HttpRequest, slug: str, item_pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    services.path_remove(item=_path_item(access, item_pk), actor=request.user)
    messages.success(request, "Removed from the newcomer path.")
    return redirect("practice:learning-path", slug=slug)


@login_required
@require_POST
def learning_path_move(request: HttpRequest, slug: str, item_pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    item = _path_item(access, item_pk)
    form = PathMoveForm(request.POST)
    if form.is_valid():
        services.path_move(item=item, actor=request.user, direction=form.cleaned_data["direction"])
        messages.success(request, "Order saved.")
    return redirect(f"{reverse('practice:learning-path', kwargs={'slug': slug})}#path-item-{item.pk}")


def _safe_next(request: HttpRequest, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
@require_POST
def learning_path_read(request: HttpRequest, slug: str, item_pk: int) -> HttpResponse:
    """A member marks an item of the path read (or not read again)."""
    access = community_for_member(request, slug)
    item = _path_item(access, item_pk)
    if not item.artefact.is_published:
        raise Http404
    form = PathReadForm(request.POST)
    read = form.is_valid() and form.cleaned_data["read"]
    services.path_mark_read(item=item, user=request.user, read=read)
    messages.success(request, f"“{item.artefact.title}” marked {'read' if read else 'not read'}.")
    return redirect(_safe_next(request, reverse("communities:home", kwargs={"slug": slug})))


# --- "don't ask twice" --------------------------------------------------------------------------


def learning_preview(request: HttpRequest, community) -> tuple[HelpRequestForm, selectors.Suggestions]:
    """The new-request form's preview step: everything typed kept (no errors yet), and the suggestions.

    Called by ``practice.views.requests.request_new`` when "Preview and check for answers" was pressed.
    """
    data = request.POST
    initial = {name: data.get(name, "") for name in ("title", "situation", "tried", "new_tags", "urgency")}
    initial["tags"] = data.getlist("tags")
    if not initial["urgency"]:
        initial.pop("urgency")
    form = HelpRequestForm(initial=initial, community=community)
    text = f"{initial['title']} {initial['situation'][:500]}"
    return form, selectors.request_suggestions(community=community, text=text)


@login_required
@require_GET
def request_suggestions(request: HttpRequest, slug: str) -> JsonResponse:
    """JSON for the new-request form: published learning and concluded requests matching what is typed."""
    access = community_for_member(request, slug)
    text = request.GET.get("q", "")[:300]
    found = selectors.request_suggestions(community=access.community, text=text)
    return JsonResponse(
        {
            "artefacts": [
                {
                    "title": a.title,
                    "kind": a.get_kind_display(),
                    "url": reverse("practice:learning-detail", kwargs={"slug": slug, "pk": a.pk}),
                }
                for a in found.artefacts
            ],
            "requests": [
                {
                    "title": r.title,
                    "status": r.get_status_display(),
                    "url": reverse("practice:request-detail", kwargs={"slug": slug, "pk": r.pk}),
                }
                for r in found.requests
            ],
        }
    )
