"""The facilitators' dashboard: a page of sections that apps register (vibrancy, practice health)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communities import sections
from communities.access import community_for_member
from communities.models import Role


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    context = {
        "access": access,
        "community": access.community,
        "sections": sections.collect("dashboard", request, access),
    }
    return render(request, "communities/dashboard.html", context)
