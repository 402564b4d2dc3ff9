"""Home, creating a community, its home page, joining and settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from communities import sections
from communities.access import community_for_member, community_for_viewer
from communities.forms.community import CommunityCreateForm, CommunitySettingsForm
from communities.models import Community, Membership, Role
from communities.services import community as community_services


def index(request: HttpRequest) -> HttpResponse:
    """My communities, and the communities open to join."""
    mine: list[Membership] = []
    joinable = Community.objects.exclude(visibility=Community.Visibility.PRIVATE)
    if request.user.is_authenticated:
        mine = list(
            Membership.objects.filter(user=request.user)
            .select_related("community")
            .annotate(member_count=Count("community__memberships"))
            .order_by("community__name")
        )
        joinable = joinable.exclude(memberships__user=request.user)
    else:
        joinable = joinable.filter(visibility=Community.Visibility.OPEN)
    joinable = joinable.annotate(member_count=Count("memberships")).order_by("name")[:50]
    return render(request, "communities/home.html", {"mine": mine, "joinable": joinable})


@login_required
def community_create(request: HttpRequest) -> HttpResponse:
    form = CommunityCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        community = community_services.community_create(creator=request.user, **form.cleaned_data)
        messages.success(request, f"“{community.name}” is ready. Start by setting its purpose.")
        return redirect(community)
    return render(request, "communities/community_form.html", {"form": form})


def community_home(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        # Anonymous visitors see open communities only; for anything else they log in first,
        # whether or not the slug exists, so nothing leaks.
        community = Community.objects.filter(slug=slug, visibility=Community.Visibility.OPEN).first()
        if community is None:
            return redirect_to_login(request.get_full_path())
    access = community_for_viewer(request, slug)
    context = {
        "access": access,
        "community": access.community,
        "sections": sections.collect("home", request, access),
    }
    return render(request, "communities/community_home.html", context)


@login_required
@require_POST
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_viewer(request, slug)
    if access.is_member:
        messages.info(request, "You are already a member.")
        return redirect(access.community)
    if access.community.visibility != Community.Visibility.OPEN:
        raise PermissionDenied
    community_services.membership_join_open(community=access.community, user=request.user)
    messages.success(request, f"Welcome to {access.community.name}!")
    return redirect(access.community)


@login_required
def community_settings(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    community = access.community
    form = CommunitySettingsForm(request.POST or None, instance=Community.objects.get(pk=community.pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        community_services.community_settings_update(community=community, actor=request.user, **changes)
        messages.success(request, "Settings saved.")
        return redirect("communities:settings", slug=slug)
    return render(request, "communities/settings.html", {"access": access, "community": community, "form": form})
