"""Report a privacy concern about a post; the facilitators' review queue (restore or redact)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst

from childsys.lib import phi
from communities.access import CommunityAccess, community_for_member
from communities.models import InquiryContribution, Role, VisionComment
from practice.forms.requests import PrivacyReportForm, RedactionForm
from practice.models import (
    Advice,
    AdviceResponse,
    DiscussionComment,
    HelpRequest,
    Outcome,
    PracticeSession,
    PrivacyFlag,
)
from practice.selectors import learning as learning_selectors
from practice.selectors import privacy as selectors
from practice.services import privacy as services
from practice.views.requests import _error_text, _rate_limited


def _get_post(request: HttpRequest, access: CommunityAccess, post_type: str, pk: int):
    """The post in this community, or 404 (whether missing or elsewhere)."""
    community = access.community
    if post_type == "request":
        return get_object_or_404(HelpRequest.objects.select_related("community"), pk=pk, community=community)
    if post_type == "advice":
        return get_object_or_404(
            Advice.objects.select_related("request__community"), pk=pk, request__community=community
        )
    if post_type == "comment":
        qs = DiscussionComment.objects.select_related("advice__request__community")
        return get_object_or_404(qs, pk=pk, advice__request__community=community)
    if post_type == "response":
        qs = AdviceResponse.objects.select_related("request__community").exclude(note="")
        return get_object_or_404(qs, pk=pk, request__community=community)
    if post_type == "outcome":
        return get_object_or_404(
            Outcome.objects.select_related("community", "request__community"), pk=pk, community=community
        )
    if post_type == "learning":
        # Only what the member can read: a draft is reported by its authors or curators, who see it.
        visible = learning_selectors.visible_artefacts(community, request.user, can_see_drafts=access.is_core)
        return get_object_or_404(visible.select_related("community"), pk=pk)
    if post_type == "session":
        return get_object_or_404(PracticeSession.objects.select_related("community"), pk=pk, community=community)
    if post_type == "vision-comment":
        qs = VisionComment.objects.select_related("draft__community")
        return get_object_or_404(qs, pk=pk, draft__community=community)
    if post_type == "inquiry-contribution":
        qs = InquiryContribution.objects.select_related("inquiry__community")
        return get_object_or_404(qs, pk=pk, inquiry__community=community)
    raise Http404


def _report_url(url_name: str):
    def report_url(post) -> str:
        slug = services.post_community(post).slug
        return reverse(f"practice:{url_name}", kwargs={"slug": slug, "post_pk": post.pk})

    return report_url


# The communities pages show these posts; they find the report URL through ``communities.post_actions``.
DIRECTION_REPORT_URLS = {
    VisionComment: _report_url("vision-comment-privacy-report"),
    InquiryContribution: _report_url("inquiry-contribution-privacy-report"),
}


def _post_url(post) -> str:
    return services.post_url(post)


@login_required
def privacy_report(request: HttpRequest, slug: str, post_type: str, post_pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    post = _get_post(request, access, post_type, post_pk)
    form = PrivacyReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limited = _rate_limited(request, "practice.privacy", services.FLAG_RATE)
        if limited:
            form.add_error(None, limited)
        else:
            try:
                services.privacy_flag_create(post=post, reporter=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, "Thank you. The post is hidden until a facilitator has reviewed it.")
                return redirect(_post_url(post))
    context = {
        "access": access,
        "community": access.community,
        "form": form,
        "post": post,
        "what": services.post_label(post),
        "post_url": _post_url(post),
    }
    return render(request, "practice/privacy/report.html", context)


@login_required
def privacy_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    flags = selectors.open_flags(access.community)
    for flag in flags:  # "Reported outcome #12", not the model's name
        flag.post_label = services.post_label(flag.post) if flag.post is not None else flag.content_type.name
    context = {"access": access, "community": access.community, "flags": flags}
    return render(request, "practice/privacy/reviews.html", context)


def _marked(text: str, patterns) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_finding) runs, so the template marks what the detectors found."""
    pieces, at = [], 0
    for finding in phi.find_identifiers(text, extra_mrn_patterns=patterns):
        if finding.start < at:
            continue
        pieces += [(text[at : finding.start], False), (text[finding.start : finding.end], True)]
        at = finding.end
    pieces.append((text[at:], False))
    return pieces


@login_required
def privacy_review(request: HttpRequest, slug: str, flag_pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.FACILITATOR)
    flag = get_object_or_404(PrivacyFlag.objects.select_related("reporter"), pk=flag_pk, community=access.community)
    post = flag.post
    texts = {name: getattr(post, name) for name in services.text_fields(post)}
    labels = {name: capfirst(type(post)._meta.get_field(name).verbose_name) for name in texts}
    data = request.POST if request.POST.get("action") == "redact" else None
    form = RedactionForm(data, fields=texts, labels=labels)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "restore":
                services.privacy_flag_restore(flag=flag, actor=request.user)
                messages.success(request, "The post is shown again and the reporter was told.")
                return redirect("practice:request-privacy-reviews", slug=slug)
            if form.is_valid():
                services.privacy_flag_redact(flag=flag, actor=request.user, texts=form.cleaned_data)
                messages.success(request, "Redacted. The new text replaced the old one everywhere it was kept.")
                return redirect("practice:request-privacy-reviews", slug=slug)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
    patterns = phi.mrn_patterns()
    context = {
        "access": access,
        "community": access.community,
        "flag": flag,
        "post": post,
        "what": services.post_label(post),
        "post_url": _post_url(post),
        "marked": [(labels[name], _marked(value, patterns)) for name, value in texts.items()],
        "form": form,
    }
    return render(request, "practice/privacy/review.html", context)
