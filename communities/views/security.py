"""The account's security log: every sign-in method added or removed, with where it came from."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communities.models import SecurityEvent


@login_required
def security_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(SecurityEvent.objects.filter(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "communities/security_log.html", {"page": page})
