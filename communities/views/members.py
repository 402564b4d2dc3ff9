"""Members, roles, join requests, invitations, expertise, and the activity log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_POST

from communities.access import CommunityAccess, community_for_member, community_for_viewer
from communities.forms.members import ExpertiseForm, InvitationForm, JoinRequestForm, RoleForm
from communities.forms.privacy import CONFIRM_FIELD
from communities.models import ActivityLog, Community, Invitation, JoinRequest, Membership, Role
from communities.selectors import members as selectors
from communities.services import members as member_services
from communities.services import privacy
from communities.services.submissions import AlreadySubmitted, submit_once

ACTIVITY_PER_PAGE = 50


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _members_redirect(slug: str, anchor: str = "") -> HttpResponse:
    return redirect(reverse("communities:members", kwargs={"slug": slug}) + anchor)


def _expertise_form(access: CommunityAccess, data=None) -> ExpertiseForm:
    form = ExpertiseForm(
        data,
        community=access.community,
        initial={"tags": list(access.membership.expertise.all())} if data is None else None,
    )
    return form


def _invitation_form(access: CommunityAccess, data=None) -> InvitationForm:
    form = InvitationForm(data, community=access.community, roles=member_services.invitable_roles(access.membership))
    return form


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """Everyone in the community with role, newcomer badge and expertise; facilitators also manage."""
    access = community_for_member(request, slug)
    community = access.community
    now = timezone.now()
    listing = selectors.members_page(
        community=community,
        membership=access.membership,
        tag_slug=request.GET.get("tag", ""),
        page=request.GET.get("page"),
        now=now,
    )
    context = {
        "access": access,
        "community": community,
        "page": listing.page,
        "rows": listing.rows,
        "tag": listing.tag,
        "expertise_form": _expertise_form(access),
        "role_choices": Role.choices,
        "is_last_sponsor": access.is_sponsor and not listing.sponsors_besides_me,
    }
    if access.is_facilitator:
        context["join_requests"] = list(
            JoinRequest.objects.filter(community=community, state=JoinRequest.State.PENDING).select_related("user")
        )
        context["invitations"] = list(
            Invitation.objects.filter(community=community, state=Invitation.State.PENDING).select_related("invited_by")
        )
        context["invite_form"] = _invitation_form(access)
        context["now"] = now
    return render(request, "communities/members/members.html", context)


@login_required
def member_expertise(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit my own expertise tags (the form also sits on the members page)."""
    access = community_for_member(request, slug)
    form = _expertise_form(access, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            tags = member_services.membership_expertise_set(
                membership=access.membership,
                tags=form.cleaned_data["tags"],
                new_tags_text=form.cleaned_data["new_tags"],
            )
        except ValidationError as exc:
            form.add_error("new_tags", exc)
        else:
            listed = ", ".join(t.name for t in tags) or "none"
            messages.success(request, f"Your expertise is saved: {listed}.")
            return _members_redirect(slug)
    return render(
        request,
        "communities/members/expertise.html",
        {"access": access, "community": access.community, "form": form},
    )


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=pk, community=access.community)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return _members_redirect(slug)
    try:
        member_services.membership_role_change(actor=access.membership, target=target, role=form.cleaned_data["role"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"{target.user} is now {target.get_role_display()}.")
    return _members_redirect(slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=pk, community=access.community)
    if target.pk == access.membership.pk:
        return member_leave(request, slug)
    try:
        member_services.membership_remove(actor=access.membership, target=target)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"{target.user} was removed from the community.")
    return _members_redirect(slug)


@login_required
@require_POST
def member_leave(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug)
    try:
        member_services.membership_leave(membership=access.membership)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _members_redirect(slug)
    messages.success(request, f"You left {access.community.name}.")
    return redirect("communities:index")


# --- join requests ---------------------------------------------------------------------------


@login_required
def join_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask to join a by-request community (the form also sits on the community home)."""
    access = community_for_viewer(request, slug)
    community = access.community
    if access.is_member:
        messages.info(request, "You are already a member.")
        return redirect(community)
    if community.visibility == Community.Visibility.OPEN:
        messages.info(request, "This community is open: join it directly.")
        return redirect(community)
    if community.visibility != Community.Visibility.BY_REQUEST:
        raise PermissionDenied
    form = JoinRequestForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            member_services.join_request_create(
                community=community, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            messages.info(request, _error_text(exc))
        else:
            privacy.phi_confirmations_record(
                community=community, user=request.user, findings=form.phi_confirmed, where="a request to join"
            )
            messages.success(request, "Your request was sent. The facilitators will let you know.")
        return redirect(community)
    pending = JoinRequest.objects.filter(
        community=community, user=request.user, state=JoinRequest.State.PENDING
    ).first()
    return render(
        request,
        "communities/members/join_request.html",
        {"access": access, "community": community, "form": form, "pending": pending},
    )


@login_required
@require_POST
def join_request_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_viewer(request, slug)
    if member_services.join_request_withdraw(community=access.community, user=request.user):
        messages.success(request, "Your request to join was withdrawn.")
    return redirect(access.community)


@login_required
@require_POST
def join_request_decide(request: HttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user", "community"), pk=pk, community=access.community
    )
    try:
        if decision == "approve":
            member_services.join_request_approve(join_request=join_request, actor=access.membership)
            messages.success(request, f"{join_request.user} is now a member.")
        else:
            member_services.join_request_decline(join_request=join_request, actor=access.membership)
            messages.success(request, f"You declined {join_request.user}'s request.")
    except ValidationError as exc:
        messages.info(request, _error_text(exc))
    return _members_redirect(slug, "#join-requests")


# --- invitations -----------------------------------------------------------------------------


@login_required
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    form = _invitation_form(access, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("submit_token", CONFIRM_FIELD)}
        try:
            invitation = submit_once(
                token=form.token(),
                user=request.user,
                create=lambda: member_services.invitation_create(actor=access.membership, **fields)[0],
            )
        except AlreadySubmitted:
            return _members_redirect(slug, "#invitations")
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            privacy.phi_confirmations_record(
                community=access.community,
                user=request.user,
                findings=form.phi_confirmed,
                where="an invitation's note",
            )
            messages.success(
                request,
                f"Invitation sent to {invitation.email} as {invitation.get_role_display()}. "
                "The link works until "
                f"{dateformat.format(timezone.localtime(invitation.expires_at, access.community.tzinfo), 'j F Y')}.",
            )
            return _members_redirect(slug, "#invitations")
    return render(
        request,
        "communities/members/invite.html",
        {"access": access, "community": access.community, "form": form},
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    invitation = get_object_or_404(Invitation, pk=pk, community=access.community)
    try:
        member_services.invitation_revoke(invitation=invitation, actor=access.membership)
    except ValidationError as exc:
        messages.info(request, _error_text(exc))
    else:
        messages.success(request, f"The invitation to {invitation.email} was revoked; its link no longer works.")
    return _members_redirect(slug, "#invitations")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email. Anyone may read it; accepting needs a signed-in account.

    The token is the credential (a community's outsiders never reach this page without it), so
    a person signed in under another address than the one invited may still accept.
    """
    invitation = member_services.invitation_by_token(token)
    if invitation is None:
        raise Http404
    community = invitation.community
    status = invitation.status()
    context = {"invitation": invitation, "invited_community": community, "status": status}
    if status != Invitation.State.PENDING:
        already = (
            request.user.is_authenticated and Membership.objects.filter(community=community, user=request.user).exists()
        )
        if already:
            messages.info(request, f"You are a member of {community.name}.")
            return redirect(community)
        return render(request, "communities/members/invitation_unusable.html", context, status=410)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.path)
        try:
            membership = member_services.invitation_accept(invitation=invitation, user=request.user)
        except member_services.InvitationUnusable as exc:
            context["status"] = exc.status
            return render(request, "communities/members/invitation_unusable.html", context, status=410)
        messages.success(request, f"Welcome to {community.name}! You joined as {membership.get_role_display()}.")
        return redirect(community)
    if request.user.is_authenticated:
        context["email_differs"] = request.user.email.lower() != invitation.email
        context["already_member"] = Membership.objects.filter(community=community, user=request.user).exists()
    return render(request, "communities/members/invitation.html", context)


# --- activity log ----------------------------------------------------------------------------


@login_required
def activity(request: HttpRequest, slug: str) -> HttpResponse:
    """Who changed what and when: facilitators and sponsors only."""
    access = community_for_member(request, slug, Role.FACILITATOR)
    page = Paginator(
        ActivityLog.objects.filter(community=access.community).select_related("actor"), ACTIVITY_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "communities/members/activity.html",
        {"access": access, "community": access.community, "page": page},
    )
