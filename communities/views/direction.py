"""Direction: purpose, vision co-creation, appreciative inquiry, strategy and objectives, value pitch.

Also the Direction sections of the community home (purpose, vision, objectives, recent activity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from communities.access import CommunityAccess, check, community_for_member
from communities.forms.direction import (
    CommentForm,
    ContributionForm,
    InquiryForm,
    ObjectiveForm,
    ObjectiveStatusForm,
    PurposeForm,
    StanceForm,
    StrategyForm,
    ValuePropositionForm,
    VisionDraftForm,
)
from communities.forms.privacy import CONFIRM_FIELD
from communities.models import (
    AppreciativeInquiry,
    InquiryContribution,
    Objective,
    Phase,
    PurposeVersion,
    Role,
    ValueProposition,
    VisionDraft,
    VisionStance,
)
from communities.selectors import direction as selectors
from communities.services import direction as services
from communities.services import privacy
from communities.services.direction import community_today
from communities.services.submissions import AlreadySubmitted, submit_once


def _ctx(access: CommunityAccess, **extra) -> dict:
    return {"access": access, "community": access.community, **extra}


def _direction_url(access: CommunityAccess, anchor: str = "") -> str:
    url = reverse("communities:direction", kwargs={"slug": access.community.slug})
    return f"{url}#{anchor}" if anchor else url


def _phi_record(request: HttpRequest, access: CommunityAccess, form, where: str) -> None:
    """Log the findings the writer confirmed are not patient information (their kind, never the text)."""
    privacy.phi_confirmations_record(
        community=access.community, user=request.user, findings=form.phi_confirmed, where=where
    )


def _fields(form) -> dict:
    """The form's cleaned values without the guard's confirmation boxes (they are not the service's)."""
    return {name: value for name, value in form.cleaned_data.items() if name != CONFIRM_FIELD}


def _form_page(
    request: HttpRequest,
    access: CommunityAccess,
    form,
    *,
    title: str,
    intro: str = "",
    back: str = "",
    extra: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _ctx(
        access, form=form, page_title=title, intro=intro, back_url=back or _direction_url(access), **(extra or {})
    )
    return render(request, "communities/direction/form.html", context, status=status)


# --- The Direction page ------------------------------------------------------------------


@login_required
def direction(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug)
    page = selectors.direction_page(community=access.community, user=request.user)
    context = _ctx(access, **{f.name: getattr(page, f.name) for f in fields(page)})
    context.update(overdue_count=page.overdue_count, status_choices=Objective.Status.choices)
    return render(request, "communities/direction/direction.html", context)


# --- Purpose -----------------------------------------------------------------------------


def _edit_versioned_text(
    request: HttpRequest,
    slug: str,
    *,
    role: Role,
    form_class: type[forms.Form],
    read: Callable,
    write: Callable,
    anchor: str,
    saved: str,
    title: str,
    intro: str,
    where: str,
) -> HttpResponse:
    """The purpose and the strategy: a text whose every saved version is kept (``read`` gives the current one)."""
    access = community_for_member(request, slug, role)
    current = read(community=access.community)
    form = form_class(
        request.POST or None, initial={"text": current.text if current else ""}, community=access.community
    )
    if request.method == "POST" and form.is_valid():
        write(community=access.community, author=request.user, text=form.cleaned_data["text"])
        _phi_record(request, access, form, where)
        messages.success(request, saved)
        return redirect(_direction_url(access, anchor))
    return _form_page(request, access, form, title=title, intro=intro, back=_direction_url(access, anchor))


@login_required
def purpose_edit(request: HttpRequest, slug: str) -> HttpResponse:
    return _edit_versioned_text(
        request,
        slug,
        role=Role.SPONSOR,
        form_class=PurposeForm,
        read=services.purpose_current,
        write=services.purpose_set,
        anchor="purpose",
        saved="Purpose saved. The earlier version stays in its history.",
        title="Set the purpose",
        intro="The purpose is why the community exists. Only the sponsor sets it; every version is kept.",
        where="the purpose",
    )


@login_required
def purpose_history(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug)
    versions = PurposeVersion.objects.filter(community=access.community).select_related("author")
    return render(request, "communities/direction/purpose_history.html", _ctx(access, versions=versions))


# --- Vision co-creation ------------------------------------------------------------------


def _can_edit_draft(access: CommunityAccess, draft: VisionDraft) -> bool:
    return draft.is_in_progress and access.may_edit_draft(draft)


def _draft(access: CommunityAccess, pk: int) -> VisionDraft:
    return get_object_or_404(
        VisionDraft.objects.select_related("author", "adopted_by", "inquiry", "community"),
        pk=pk,
        community=access.community,
    )


@login_required
def draft_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    community = access.community
    initial: dict = {}
    inquiry = None
    if request.method == "GET" and "inquiry" in request.GET:
        # Pre-filled from an inquiry's selected contributions (a facilitator's tool).
        check(access.may_draft_from_inquiry())
        inquiry_id = request.GET.get("inquiry", "")
        inquiry = get_object_or_404(
            AppreciativeInquiry, pk=int(inquiry_id) if inquiry_id.isdigit() else 0, community=community
        )
        ids = [int(i) for i in request.GET.getlist("c") if i.isdigit()]
        # A contribution hidden pending a privacy review never reaches a draft.
        chosen = list(
            InquiryContribution.objects.filter(inquiry=inquiry, pk__in=ids, hidden_at__isnull=True).select_related(
                "author"
            )
        )
        if not chosen:
            messages.error(request, "Select at least one contribution to build a draft from.")
            return redirect(inquiry.get_absolute_url())
        initial = {
            "title": f"Our vision, from “{inquiry.title}”",
            "text": services.inquiry_draft_text(contributions=chosen),
            "inquiry": inquiry.pk,
        }
    form = VisionDraftForm(request.POST or None, initial=initial, community=community)
    if request.method == "POST" and form.is_valid():
        inquiry = form.cleaned_data.get("inquiry")
        check(inquiry is None or access.may_draft_from_inquiry())
        try:
            draft = submit_once(
                token=form.token(),
                user=request.user,
                create=lambda: services.vision_draft_create(
                    community=community,
                    author=request.user,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    open_for_stances=form.cleaned_data["open_now"],
                    inquiry=inquiry,
                ),
            )
        except AlreadySubmitted as repeat:
            return redirect(repeat.target or _direction_url(access, "vision"))
        _phi_record(request, access, form, "a vision draft")
        if draft.status == VisionDraft.Status.OPEN:
            messages.success(request, "Draft saved and opened for stances; members have been notified.")
        else:
            messages.success(request, "Draft saved. Open it for stances when it is ready.")
        return redirect(draft)
    return _form_page(
        request,
        access,
        form,
        title="Propose a vision draft",
        intro="A vision says what the community wants to become. Members comment and take a stance; "
        "the sponsor or a facilitator adopts the draft that aligns the community.",
        back=inquiry.get_absolute_url() if inquiry else _direction_url(access, "vision"),
        extra={"source_inquiry": inquiry},
    )


def _render_draft(
    request: HttpRequest,
    access: CommunityAccess,
    draft: VisionDraft,
    *,
    stance_form: StanceForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    community = access.community
    page = selectors.draft_page(draft=draft, user=request.user)
    mine = page.my_stance
    url = draft.get_absolute_url()
    if stance_form is None:
        stance_form = StanceForm(
            instance=mine,
            community=community,
            action=reverse("communities:direction-draft-stance", kwargs={"slug": community.slug, "pk": draft.pk}),
        )
    if comment_form is None:
        comment_form = CommentForm(
            community=community,
            action=reverse("communities:direction-draft-comment", kwargs={"slug": community.slug, "pk": draft.pk}),
        )
    context = _ctx(
        access,
        show_hidden=access.is_facilitator,
        draft=page.draft,
        stances=page.stances,
        my_stance=mine,
        comments=page.comments,
        stance_form=stance_form,
        comment_form=comment_form,
        can_edit=_can_edit_draft(access, draft),
        can_adopt=draft.is_in_progress and access.is_facilitator,
        member_count=page.member_count,
        draft_url=url,
    )
    return render(request, "communities/direction/draft_detail.html", context, status=status)


@login_required
def draft_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    return _render_draft(request, access, _draft(access, pk))


@login_required
def draft_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    draft = _draft(access, pk)
    if not _can_edit_draft(access, draft):
        raise PermissionDenied
    form = VisionDraftForm(request.POST or None, instance=draft, community=access.community, creating=False)
    if request.method == "POST" and form.is_valid():
        services.vision_draft_update(
            draft=draft, actor=request.user, title=form.cleaned_data["title"], text=form.cleaned_data["text"]
        )
        _phi_record(request, access, form, "a vision draft")
        messages.success(request, "Draft updated.")
        return redirect(draft)
    return _form_page(request, access, form, title="Edit the vision draft", back=draft.get_absolute_url())


@login_required
@require_POST
def draft_open(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    draft = _draft(access, pk)
    if not _can_edit_draft(access, draft):
        raise PermissionDenied
    try:
        services.vision_draft_open(draft=draft, actor=request.user)
    except ValidationError as e:
        messages.error(request, e.messages[0])
    else:
        messages.success(request, "The draft is open for stances; members have been notified.")
    return redirect(draft)


@login_required
@require_POST
def draft_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    draft = _draft(access, pk)
    if not _can_edit_draft(access, draft):
        raise PermissionDenied
    services.vision_draft_withdraw(draft=draft, actor=request.user)
    messages.success(request, "Draft withdrawn. It stays readable on the Direction page.")
    return redirect(_direction_url(access, "vision"))


@login_required
@require_POST
def draft_adopt(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    draft = _draft(access, pk)
    try:
        services.vision_adopt(draft=draft, actor=request.user)
    except ValidationError as e:
        messages.error(request, e.messages[0])
        return redirect(draft)
    messages.success(request, f"“{draft.title}” is now the community's vision; members have been notified.")
    return redirect(_direction_url(access, "vision"))


@login_required
@require_POST
def draft_stance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    draft = _draft(access, pk)
    mine = VisionStance.objects.filter(draft=draft, user=request.user).first()
    form = StanceForm(request.POST, instance=mine, community=access.community, action=request.path)
    if draft.status != VisionDraft.Status.OPEN:
        messages.error(request, "This draft is not open for stances.")
        return redirect(draft)
    if not form.is_valid():
        return _render_draft(request, access, draft, stance_form=form)
    try:
        submit_once(
            token=form.token(),
            user=request.user,
            create=lambda: services.vision_stance_set(
                draft=draft, user=request.user, stance=form.cleaned_data["stance"], comment=form.cleaned_data["comment"]
            ),
        )
    except AlreadySubmitted:
        return redirect(draft)
    _phi_record(request, access, form, "a stance on a vision draft")
    messages.success(request, "Your stance is recorded. You can change it while the draft is open.")
    return redirect(draft)


@login_required
@require_POST
def draft_comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    draft = _draft(access, pk)
    form = CommentForm(request.POST, community=access.community, action=request.path)
    if not draft.is_in_progress:
        messages.error(request, "Comments are closed on this draft.")
        return redirect(draft)
    if not form.is_valid():
        return _render_draft(request, access, draft, comment_form=form)
    services.vision_comment_add(draft=draft, author=request.user, text=form.cleaned_data["text"])
    _phi_record(request, access, form, "a comment on a vision draft")
    messages.success(request, "Comment posted.")
    return redirect(f"{draft.get_absolute_url()}#comments")


# --- Appreciative inquiry ----------------------------------------------------------------


def _inquiry(access: CommunityAccess, pk: int) -> AppreciativeInquiry:
    return get_object_or_404(
        AppreciativeInquiry.objects.select_related("opened_by", "community"), pk=pk, community=access.community
    )


@login_required
def inquiry_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    form = InquiryForm(request.POST or None, community=access.community)
    if request.method == "POST" and form.is_valid():
        inquiry = services.inquiry_open(
            community=access.community, actor=request.user, title=form.cleaned_data["title"], prompts=form.prompts()
        )
        _phi_record(request, access, form, "an appreciative inquiry")
        messages.success(request, "Inquiry opened. Members can now add their stories and ideas to each phase.")
        return redirect(inquiry)
    return _form_page(
        request,
        access,
        form,
        title="Open an appreciative inquiry",
        intro="Appreciative inquiry builds a vision from what already works: Discover (the community at its best), "
        "Dream (what might be), Design (what should be) and Destiny (commitments). The prompts below are a good "
        "start; adapt them to your community.",
        back=_direction_url(access, "inquiry"),
    )


@login_required
def inquiry_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    inquiry = _inquiry(access, pk)
    form = InquiryForm(request.POST or None, instance=inquiry, community=access.community, creating=False)
    if request.method == "POST" and form.is_valid():
        services.inquiry_update(
            inquiry=inquiry, actor=request.user, title=form.cleaned_data["title"], prompts=form.prompts()
        )
        _phi_record(request, access, form, "an appreciative inquiry")
        messages.success(request, "Inquiry updated.")
        return redirect(inquiry)
    return _form_page(request, access, form, title="Edit the inquiry", back=inquiry.get_absolute_url())


def _render_inquiry(
    request: HttpRequest,
    access: CommunityAccess,
    inquiry: AppreciativeInquiry,
    *,
    bound: ContributionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    action = reverse(
        "communities:direction-inquiry-contribute", kwargs={"slug": access.community.slug, "pk": inquiry.pk}
    )
    by_phase: dict[str, list[InquiryContribution]] = {p.value: [] for p in Phase}
    for c in InquiryContribution.objects.filter(inquiry=inquiry).select_related("author", "inquiry__community"):
        by_phase[c.phase].append(c)
    phases = []
    for p in inquiry.phases():
        form = bound if bound is not None and bound.data.get("phase") == p["value"] else None
        phases.append(
            {
                **p,
                "contributions": by_phase[p["value"]],
                "form": form or ContributionForm(community=access.community, phase=p["value"], action=action),
            }
        )
    context = _ctx(
        access,
        show_hidden=access.is_facilitator,
        inquiry=inquiry,
        phases=phases,
        drafts=selectors.in_community(list(inquiry.drafts.all()), access.community),
    )
    return render(request, "communities/direction/inquiry_detail.html", context, status=status)


@login_required
def inquiry_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    return _render_inquiry(request, access, _inquiry(access, pk))


@login_required
@require_POST
def inquiry_contribute(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    inquiry = _inquiry(access, pk)
    phase = request.POST.get("phase", "")
    if phase not in Phase.values:
        messages.error(request, "Choose a phase to contribute to.")
        return redirect(inquiry)
    if not inquiry.is_open:
        messages.error(request, "This inquiry is closed.")
        return redirect(inquiry)
    form = ContributionForm(request.POST, community=access.community, phase=phase, action=request.path)
    if not form.is_valid():
        return _render_inquiry(request, access, inquiry, bound=form)
    services.inquiry_contribute(inquiry=inquiry, author=request.user, phase=phase, text=form.cleaned_data["text"])
    _phi_record(request, access, form, "an appreciative inquiry contribution")
    messages.success(request, f"Thank you: your {Phase(phase).label} contribution is added.")
    return redirect(f"{inquiry.get_absolute_url()}#phase-{phase}")


@login_required
@require_POST
def inquiry_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    inquiry = _inquiry(access, pk)
    services.inquiry_close(inquiry=inquiry, actor=request.user)
    messages.success(request, "Inquiry closed. Its contributions stay readable.")
    return redirect(inquiry)


# --- Strategy and objectives -------------------------------------------------------------


@login_required
def strategy_edit(request: HttpRequest, slug: str) -> HttpResponse:
    return _edit_versioned_text(
        request,
        slug,
        role=Role.FACILITATOR,
        form_class=StrategyForm,
        read=services.strategy_current,
        write=services.strategy_set,
        anchor="strategy",
        saved="Strategy saved.",
        title="Strategy",
        intro="How the community will pursue its vision. Break it into objectives below.",
        where="the strategy",
    )


@login_required
def objective_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    community = access.community
    form = ObjectiveForm(request.POST or None, community=community, today=community_today(community))
    if request.method == "POST" and form.is_valid():
        services.objective_create(community=community, actor=request.user, **_fields(form))
        _phi_record(request, access, form, "an objective")
        messages.success(request, "Objective added.")
        return redirect(_direction_url(access, "objectives"))
    return _form_page(
        request,
        access,
        form,
        title="Add an objective",
        intro="A high-level objective in support of the vision: how it is measured, the target, "
        "who owns it and by when. It is linked to the vision in force now.",
        back=_direction_url(access, "objectives"),
    )


def _objective(access: CommunityAccess, pk: int) -> Objective:
    return get_object_or_404(Objective.objects.select_related("community"), pk=pk, community=access.community)


@login_required
def objective_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    objective = _objective(access, pk)
    community = access.community
    form = ObjectiveForm(
        request.POST or None, instance=objective, community=community, today=community_today(community)
    )
    if request.method == "POST" and form.is_valid():
        # The model form already wrote the values onto ``objective``; compare against a fresh copy.
        fresh = Objective.objects.get(pk=objective.pk)
        services.objective_update(objective=fresh, actor=request.user, **_fields(form))
        _phi_record(request, access, form, "an objective")
        messages.success(request, "Objective saved.")
        return redirect(_direction_url(access, "objectives"))
    return _form_page(request, access, form, title="Edit the objective", back=_direction_url(access, "objectives"))


@login_required
@require_POST
def objective_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    objective = _objective(access, pk)
    services.objective_move(objective=objective, actor=request.user, up=request.POST.get("direction") == "up")
    return redirect(_direction_url(access, "objectives"))


@login_required
@require_POST
def objective_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The owner, or a facilitator, updates an objective's status."""
    access = community_for_member(request, slug)
    objective = _objective(access, pk)
    check(access.may_change_objective(objective, ["status"]))
    form = ObjectiveStatusForm(request.POST)
    if form.is_valid():
        services.objective_update(objective=objective, actor=request.user, status=form.cleaned_data["status"])
        messages.success(request, f"“{objective.title}” is now {objective.get_status_display().lower()}.")
    else:
        messages.error(request, "Choose a valid status.")
    return redirect(_direction_url(access, "objectives"))


# --- Value proposition and the public pitch ----------------------------------------------


@login_required
def value_edit(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    proposition = ValueProposition.objects.filter(community=access.community).first()
    form = ValuePropositionForm(request.POST or None, instance=proposition, community=access.community)
    if request.method == "POST" and form.is_valid():
        services.value_proposition_save(community=access.community, actor=request.user, **_fields(form))
        _phi_record(request, access, form, "the value proposition")
        messages.success(
            request,
            "Value proposition saved."
            + (
                " The published pitch shows the new text."
                if proposition and proposition.is_published
                else " Publish it when you want anyone to read the pitch."
            ),
        )
        return redirect(_direction_url(access, "value"))
    return _form_page(
        request,
        access,
        form,
        title="Value proposition",
        intro="Pitch the community's value: for whom, what problem, what value, and what proof. "
        "Once published it is readable by anyone at the pitch address, even when the community is private.",
        back=_direction_url(access, "value"),
    )


@login_required
@require_POST
def value_publish(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    proposition = get_object_or_404(ValueProposition, community=access.community)
    publish = request.POST.get("publish") == "1"
    services.value_proposition_publish(proposition=proposition, actor=request.user, publish=publish)
    if publish:
        messages.success(request, "The pitch is published: anyone with the link can read it.")
    else:
        messages.success(request, "The pitch is no longer public.")
    return redirect(_direction_url(access, "value"))


def pitch(request: HttpRequest, slug: str) -> HttpResponse:
    """The published pitch, for anyone: the community's name and pitch, nothing else."""
    proposition = (
        ValueProposition.objects.filter(community__slug=slug, published_at__isnull=False)
        .select_related("community")
        .first()
    )
    if proposition is None:
        raise Http404  # the same answer as a slug that never existed
    # No ``access``/``community`` in the context: the community bar stays off this page.
    return render(
        request, "communities/direction/pitch.html", {"pitch": proposition, "pitch_community": proposition.community}
    )
