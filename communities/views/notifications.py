"""The in-app inbox, email preferences and one-click unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from communities.forms.community import NotificationPreferencesForm
from communities.models import Category, EmailMode, Membership, Notification, NotificationPreference, Role, User
from communities.services import notify as notify_services


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    current = dict(NotificationPreference.objects.filter(user=request.user).values_list("category", "email"))
    is_sponsor = Membership.objects.filter(user=request.user, role=Role.SPONSOR).exists()
    form = NotificationPreferencesForm(request.POST or None, current=current, is_sponsor=is_sponsor)
    if request.method == "POST" and form.is_valid():
        for category, mode in form.cleaned_data.items():
            if current.get(category, EmailMode.IMMEDIATE) != mode:
                notify_services.preference_set(user=request.user, category=category, email=mode)
        messages.success(request, "Email preferences saved.")
        return redirect("communities:notifications")
    page = Paginator(Notification.objects.filter(user=request.user).select_related("community"), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "communities/notifications.html", {"page": page, "form": form})


@login_required
@require_POST  # no GET changes data (tests/guards/test_safe_methods.py): the inbox's links only go, this marks read
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read: the item's "Mark read" button, or static/js/notifications.js when its link
    is followed (it posts the same form in the background and gets 204)."""
    if not Notification.objects.filter(pk=pk, user=request.user).exists():
        raise Http404
    notify_services.notifications_mark_read(user=request.user, ids=[pk])
    if request.POST.get("background"):
        return HttpResponse(status=204)
    page = request.POST.get("page", "")
    target = reverse("communities:notifications")
    return redirect(f"{target}?page={page}" if page.isdigit() and page != "1" else target)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notify_services.notifications_mark_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("communities:notifications")


# One-click unsubscribe (RFC 8058): mail clients POST without a session or CSRF token.
# The signed token in the URL is the credential, so CSRF protection adds nothing here.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id, category = notify_services.read_unsubscribe_token(token)
    except signing.BadSignature:
        raise Http404 from None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    if request.method == "POST":
        notify_services.preference_set(user=user, category=category, email=EmailMode.OFF)
        return render(request, "communities/unsubscribed.html", {"category": Category(category)})
    return render(request, "communities/unsubscribe_confirm.html", {"category": Category(category), "token": token})
