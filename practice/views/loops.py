"""Learning loops: the outcome form, stopping and resuming reminders, story consent, kudos on outcomes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from communities.access import CommunityAccess, community_for_member
from communities.services import privacy
from communities.services.submissions import AlreadySubmitted, submit_once
from practice.forms.loops import OutcomeForm
from practice.models import FollowUp, HelpRequest, Outcome
from practice.services import loops


def _get_request(access: CommunityAccess, pk: int) -> HelpRequest:
    return get_object_or_404(
        HelpRequest.objects.select_related("community", "author"), pk=pk, community=access.community
    )


def _loop_anchor(help_request: HelpRequest, anchor: str = "learning-loop") -> str:
    return f"{help_request.get_absolute_url()}#{anchor}"


@login_required
def outcome(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The asker says how the advice turned out (the link in every reminder opens this page)."""
    access = community_for_member(request, slug)
    help_request = _get_request(access, pk)
    if help_request.author_id != request.user.pk:
        raise PermissionDenied
    if Outcome.objects.filter(request=help_request).exists():
        messages.info(request, "You already said how this turned out. Thank you!")
        return redirect(_loop_anchor(help_request, "outcome"))
    follow_up = FollowUp.objects.filter(request=help_request).first()
    if follow_up is None:
        messages.info(request, "Say which advice you'll try first (“I'll try this”); then tell us how it went.")
        return redirect(help_request)
    initial = {"share_kind": Outcome.ShareKind.CASE_STORY, **(follow_up.draft or {})}
    form = OutcomeForm(request.POST or None, help_request=help_request, follow_up=follow_up, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = submit_once(
                token=form.token(),
                user=request.user,
                create=lambda: loops.outcome_record(
                    help_request=help_request,
                    author=request.user,
                    result=data["result"],
                    what_worked=data["what_worked"],
                    what_didnt=data["what_didnt"],
                    do_differently=data["do_differently"],
                    helpful_advice=data["helpful_advice"],
                    share_as_learning=data["share_as_learning"],
                    share_kind=data["share_kind"],
                    story_consent=data["story_consent"],
                ),
            )
        except AlreadySubmitted as repeat:
            return redirect(_loop_anchor(help_request, "outcome") if repeat.target else _loop_anchor(help_request))
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            privacy.phi_confirmations_record(
                community=access.community,
                user=request.user,
                findings=form.phi_confirmed,
                where="an outcome",
                anonymous=help_request.anonymous,
            )
            if recorded is None:
                follow_up.refresh_from_db()
                messages.success(
                    request,
                    "Noted: too early to tell. We'll ask again on "
                    f"{loops.local_date(follow_up.due_at, access.community)}; what you wrote is kept.",
                )
                return redirect(_loop_anchor(help_request))
            helped = recorded.helpful_advice.count()
            text = "Thank you: the loop is closed and your outcome shows on the request."
            if helped:
                text += " The advisers whose advice helped have been told."
            if recorded.share_as_learning:
                text += " A draft of your learning is waiting for you in Learning."
            messages.success(request, text)
            return redirect(_loop_anchor(help_request, "outcome"))
    context = {
        "access": access,
        "community": access.community,
        "help_request": help_request,
        "follow_up": follow_up,
        "form": form,
        "tried_on": loops.local_date(follow_up.created_at, access.community),
    }
    return render(request, "practice/loops/outcome_form.html", context, status=400 if form.errors else 200)


def _asker_follow_up(request: HttpRequest, slug: str, pk: int) -> tuple[HelpRequest, FollowUp]:
    access = community_for_member(request, slug)
    help_request = _get_request(access, pk)
    if help_request.author_id != request.user.pk:
        raise PermissionDenied
    return help_request, get_object_or_404(FollowUp, request=help_request)


@login_required
@require_POST
def follow_up_stop(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    help_request, follow_up = _asker_follow_up(request, slug, pk)
    if loops.follow_up_stop(follow_up=follow_up, actor=request.user):
        messages.success(request, "Reminders stopped for this request. You can still say how it went any time.")
    else:
        messages.info(request, "There are no reminders running for this request.")
    return redirect(_loop_anchor(help_request))


@login_required
@require_POST
def follow_up_resume(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    help_request, follow_up = _asker_follow_up(request, slug, pk)
    if loops.follow_up_resume(follow_up=follow_up, actor=request.user):
        messages.success(
            request,
            f"Reminders are back on: we'll ask on {loops.local_date(follow_up.due_at, help_request.community)}.",
        )
    else:
        messages.info(request, "The reminders for this request were not stopped.")
    return redirect(_loop_anchor(help_request))


@login_required
@require_POST
def outcome_consent(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The asker gives or withdraws consent to show the outcome as a value-creation story."""
    access = community_for_member(request, slug)
    help_request = _get_request(access, pk)
    if help_request.author_id != request.user.pk:
        raise PermissionDenied
    outcome = get_object_or_404(Outcome, request=help_request, author=request.user)
    consent = request.POST.get("consent") == "1"
    loops.outcome_story_consent_set(outcome=outcome, actor=request.user, consent=consent)
    messages.success(
        request,
        "The value report may now tell this story."
        if consent
        else "Consent withdrawn: the value report no longer tells this story.",
    )
    return redirect(_loop_anchor(help_request, "outcome"))


@login_required
@require_POST
def outcome_kudos(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    help_request = _get_request(access, pk)
    outcome = get_object_or_404(Outcome.objects.select_related("request"), request=help_request)
    try:
        given = loops.outcome_kudos_toggle(outcome=outcome, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Kudos given." if given else "Kudos taken back.")
    return redirect(_loop_anchor(help_request, "outcome"))
