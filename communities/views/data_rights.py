"""A member's own data: downloading it (`/me/data/`) and deleting the account (`/me/delete/`)."""

from __future__ import annotations

import contextlib
import uuid

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from communities.forms.data_rights import REMOVE, AccountDeleteForm, DataExportForm
from communities.models import DataExport
from communities.personal_data import REGISTRY, Erase
from communities.services import data_export as data_export_services
from communities.services import erasure
from communities.services.submissions import AlreadySubmitted, submit_once


@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """What the download holds, the button that asks for one, and the downloads ready or being prepared."""
    form = DataExportForm(request.POST if request.method == "POST" else None)  # a POST may carry no field
    if request.method == "POST" and form.is_valid():

        def ask() -> None:
            # Returns nothing, so the form's token points at no row: a form sent again after its download
            # expired (and was deleted) is still answered.
            data_export_services.data_export_request(user=request.user)

        with contextlib.suppress(AlreadySubmitted):  # a double click: the first one asked for it
            submit_once(token=form.token(), user=request.user, create=ask)
        messages.success(
            request, "Your download is being prepared. We will email you a link when it is ready, usually in a minute."
        )
        return redirect("communities:data-export")
    mine = DataExport.objects.defer("content").filter(user=request.user, expires_at__gt=timezone.now())
    exports = list(mine.order_by("-created_at"))
    context = {
        "form": form,
        "exports": exports,
        "pending": any(e.status == DataExport.Status.PENDING for e in exports),
        "holdings": [h.what for h in REGISTRY],
        "days": settings.DATA_EXPORT_DAYS,
    }
    return render(request, "communities/data_export.html", context)


@login_required
def data_export_download(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """The zip, to its owner only (anyone else: 404), after a recent sign-in."""
    export = get_object_or_404(
        DataExport.objects.filter(user=request.user, status=DataExport.Status.READY, expires_at__gt=timezone.now()),
        token=token,
    )
    return _download(request, export)


@reauthentication_required  # a left-open browser must not hand out everything about its owner
def _download(request: HttpRequest, export: DataExport) -> HttpResponse:
    response = HttpResponse(bytes(export.content), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@reauthentication_required(allow_get=True)  # the POST that deletes needs a sign-in within the last few minutes
def account_delete(request: HttpRequest) -> HttpResponse:
    blocked = erasure.sole_sponsor_communities(user=request.user)
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and not blocked and form.is_valid():
        remove = form.cleaned_data["contributions"] == REMOVE
        erasure.account_delete(user=request.user, remove_contributions=remove)
        logout(request)
        if remove:
            text = (
                "Your account is deleted, with what you wrote that nobody else's posts depended on; "
                "the rest stays as “Former member”."
            )
        else:
            text = "Your account is deleted. What you wrote stays in its communities as “Former member”."
        messages.success(request, text)
        return redirect("communities:index")
    context = {
        "form": form,
        "blocked": blocked,
        "deleted": sorted({h.what for h in REGISTRY if h.erase is Erase.DELETE}),
        "kept": sorted({h.what for h in REGISTRY if h.erase is Erase.KEEP}),
        "removal": [c for c in erasure.contributions_removal_plan(user=request.user) if c.removed or c.kept],
    }
    return render(request, "communities/account_delete.html", context, status=400 if form.errors else 200)
