"""Deleting one's own account (`/me/delete/`): re-authenticate, confirm, personal data erased."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from communities.forms.data_rights import REMOVE, AccountDeleteForm
from communities.personal_data import REGISTRY, Erase
from communities.services import erasure


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
