"""Practice sessions: the list, scheduling and changing, one session's page, RSVPs, the .ics of a
session and each member's personal calendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from communities.access import CommunityAccess, community_for_member
from communities.models import Role
from communities.services import privacy
from communities.services.notify import absolute_url
from communities.services.submissions import AlreadySubmitted, check_not_submitted, submit_once
from practice import ics
from practice.forms.sessions import (
    AgendaPullForm,
    AttendanceForm,
    DecideForm,
    OccurrenceForm,
    ProposeForm,
    RSVPForm,
    SessionAdviceForm,
    SessionForm,
)
from practice.models import PracticeSession, SessionAgendaItem
from practice.selectors import sessions as selectors
from practice.services import requests as request_services
from practice.services import sessions as services


def _get_session(access: CommunityAccess, pk: int) -> PracticeSession:
    return get_object_or_404(
        PracticeSession.objects.select_related("community", "summary"), pk=pk, community=access.community
    )


def _check_not_hidden(access: CommunityAccess, session: PracticeSession) -> None:
    """The forms show the session's words: hidden pending a privacy review, only facilitators open them."""
    if session.is_hidden and not access.is_facilitator:
        raise PermissionDenied


def _context(access: CommunityAccess, **extra) -> dict:
    session = extra.get("session")
    held = session is not None and selectors.session_held(session, timezone.now())
    return {
        "access": access,
        "community": access.community,
        "may_schedule": services.may_schedule(access),
        "session_held": held,
        # Facilitators and sponsors see a session hidden pending a privacy review (marked); others do not.
        "show_hidden": access.is_facilitator,
        **extra,
    }


@login_required
def session_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug)
    listing = selectors.session_list(community=access.community, user=request.user, now=timezone.now())
    return render(request, "practice/sessions/list.html", _context(access, listing=listing))


@login_required
def session_new(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    form = SessionForm(request.POST or None, community=access.community)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(community=access.community, actor=request.user, **form.schedule_fields())
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            privacy.phi_confirmations_record(
                community=access.community, user=request.user, findings=form.phi_confirmed, where="a practice session"
            )
            messages.success(request, "Session scheduled: every member has been sent a calendar invitation.")
            return redirect(session)
    return render(request, "practice/sessions/form.html", _context(access, form=form, editing=False))


@login_required
def session_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    session = _get_session(access, pk)
    now = timezone.now()
    page = selectors.session_page(session=session, user=request.user, now=now)
    proposable = selectors.my_proposable_requests(session=session, user=request.user) if page.upcoming_starts else []
    return render(
        request,
        "practice/sessions/detail.html",
        _context(
            access,
            proposable=proposable,
            session=session,
            page=page,
            when=services.local_when(session),
            answers=RSVPForm.base_fields["answer"].choices,
        ),
    )


@login_required
def session_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    session = _get_session(access, pk)
    _check_not_hidden(access, session)
    if session.is_cancelled:
        messages.info(request, "This session was cancelled; schedule a new one instead.")
        return redirect(session)
    form = SessionForm(
        request.POST or None,
        community=access.community,
        initial=SessionForm.initial_for(session),
        submit="Save changes",
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.session_update(session=session, actor=request.user, **form.schedule_fields())
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            privacy.phi_confirmations_record(
                community=access.community, user=request.user, findings=form.phi_confirmed, where="a practice session"
            )
            messages.success(request, "Saved: members' calendars are updated." if changed else "Nothing changed.")
            return redirect(session)
    return render(request, "practice/sessions/form.html", _context(access, form=form, editing=True, session=session))


@login_required
@require_POST
def session_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    session = _get_session(access, pk)
    if services.session_cancel(session=session, actor=request.user):
        messages.success(request, "Session cancelled: members' calendars are told.")
    else:
        messages.info(request, "This session was already cancelled.")
    return redirect(session)


@login_required
@require_POST
def session_occurrence_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    session = _get_session(access, pk)
    form = OccurrenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the occurrence to cancel.")
        return redirect(session)
    try:
        services.occurrence_cancel(session=session, actor=request.user, start=form.cleaned_data["start"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "That occurrence is cancelled; the rest of the series stays.")
    return redirect(session)


@login_required
@require_POST
def session_rsvp(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    session = _get_session(access, pk)
    form = RSVPForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose going, maybe or not going.")
        return redirect(session)
    try:
        rsvp = services.rsvp_set(session=session, user=request.user, answer=form.cleaned_data["answer"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Your answer: {rsvp.get_answer_display().lower()}.")
    return redirect(f"{session.get_absolute_url()}#rsvp")


@login_required
def session_attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """After the session: who attended (from the RSVPs, plus walk-ins) and the notes."""
    access = community_for_member(request, slug, Role.CORE)
    session = _get_session(access, pk)
    _check_not_hidden(access, session)
    recorded = list(session.attendance.values_list("user_id", flat=True))
    if not recorded:
        recorded = list(session.rsvps.filter(answer__in=["going", "maybe"]).values_list("user_id", flat=True))
    form = AttendanceForm(
        request.POST or None, session=session, initial={"attendees": recorded, "notes": session.notes}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(
                session=session,
                actor=request.user,
                attendees=list(form.cleaned_data["attendees"]),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            privacy.phi_confirmations_record(
                community=access.community, user=request.user, findings=form.phi_confirmed, where="session notes"
            )
            messages.success(request, "Attendance and notes saved.")
            return redirect(session)
    return render(request, "practice/sessions/attendance.html", _context(access, session=session, form=form))


@login_required
def session_advice(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Advice given in a held session, recorded on one of its agenda requests in the name of an attendee."""
    access = community_for_member(request, slug, Role.CORE)
    session = _get_session(access, pk)
    if not selectors.session_held(session, timezone.now()):
        messages.info(request, "Advice from a session can be recorded once the session has been held.")
        return redirect(session)
    choices = selectors.session_advice_choices(session=session)
    form = SessionAdviceForm(
        request.POST if request.method == "POST" else None,
        session=session,
        requests=choices.requests,
        attendees=choices.attendees,
        recorder=request.user,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            help_request = form.cleaned_data["request"]
            try:
                check_not_submitted(token=form.token(), user=request.user)
                advice = submit_once(
                    token=form.token(),
                    user=request.user,
                    create=lambda: request_services.advice_create(
                        help_request=help_request,
                        author=form.cleaned_data["author"],
                        body=form.cleaned_data["body"],
                        session=session,
                        recorder=request.user,
                    ),
                )
            except AlreadySubmitted:
                return redirect(session)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                privacy.phi_confirmations_record(
                    community=access.community, user=request.user, findings=form.phi_confirmed, where="advice"
                )
                messages.success(
                    request, f"Advice recorded on “{help_request.title}” from the session; the asker has been told."
                )
                return redirect(f"{help_request.get_absolute_url()}#advice-{advice.pk}")
        status = 400
    return render(
        request,
        "practice/sessions/advice.html",
        _context(access, session=session, form=form, choices=choices),
        status=status,
    )


@login_required
@require_POST
def session_write_up(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """ "Write up as summary": a draft Summary / highlights from the notes, to edit and publish in Learning."""
    access = community_for_member(request, slug, Role.CORE)
    session = _get_session(access, pk)
    _check_not_hidden(access, session)
    try:
        artefact = services.summary_write_up(session=session, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(session)
    messages.success(request, "A draft summary is ready: check it, then publish it for those who missed the session.")
    return redirect(artefact)


@login_required
def session_agenda(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Pull open, unanswered and overdue requests and the learning agenda's top topics into the agenda."""
    access = community_for_member(request, slug, Role.CORE)
    session = _get_session(access, pk)
    now = timezone.now()
    candidates = selectors.agenda_candidates(session=session, now=now)
    form = AgendaPullForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.agenda_pull(
                session=session,
                actor=request.user,
                # In the order they were offered: unanswered first, then the most overdue.
                requests=[r for r in candidates.requests if r in form.cleaned_data["requests"]],
                tags=[t for t in candidates.tags if t in form.cleaned_data["tags"]],
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, f"Added to the agenda: {added}.")
            return redirect(session)
    return render(
        request,
        "practice/sessions/agenda.html",
        _context(access, session=session, form=form, candidates=candidates, now=now),
    )


@login_required
@require_POST
def session_propose(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    session = _get_session(access, pk)
    choices = selectors.my_proposable_requests(session=session, user=request.user)
    form = ProposeForm(request.POST, choices=choices, community=access.community)
    if form.is_valid():
        try:
            services.agenda_propose(
                session=session,
                user=request.user,
                request=form.cleaned_data["request"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Proposed: the facilitators will accept or decline it.")
            return redirect(f"{session.get_absolute_url()}#agenda")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    # The reason typed is kept: it comes back in the form.
    page = selectors.session_page(session=session, user=request.user, now=timezone.now())
    return render(
        request,
        "practice/sessions/detail.html",
        _context(
            access,
            session=session,
            page=page,
            proposable=choices,
            propose_form=form,
            when=services.local_when(session),
            answers=RSVPForm.base_fields["answer"].choices,
        ),
        status=200,
    )


@login_required
@require_POST
def session_agenda_decide(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    access = community_for_member(request, slug, Role.CORE)
    session = _get_session(access, pk)
    item = get_object_or_404(
        SessionAgendaItem.objects.select_related("session__community", "added_by"), pk=item_pk, session=session
    )
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose accept or decline.")
    elif services.agenda_decide(item=item, actor=request.user, accept=form.cleaned_data["decision"] == "accept"):
        messages.success(request, "Decided; the member who proposed it is told.")
    else:
        messages.info(request, "That proposal was already decided.")
    return redirect(f"{session.get_absolute_url()}#agenda")


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def session_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = community_for_member(request, slug)
    session = _get_session(access, pk)
    answer = session.rsvps.filter(user=request.user).values_list("answer", flat=True).first()
    body = ics.calendar([session], method=ics.PUBLISH, attendee=request.user, answers={session.pk: answer or ""})
    return _ics_response(body, f"{access.community.slug}-session-{session.pk}.ics")


# --- the personal feed (outside communities) ---------------------------------------------------


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The holder of the token gets the user's sessions: no session cookie (calendar apps have none)."""
    user = services.feed_user(token)
    if user is None:
        raise Http404
    sessions, answers = selectors.feed_sessions(user=user, now=timezone.now())
    body = ics.calendar(sessions, name=f"CHILD sessions of {user.name}", attendee=user, answers=answers)
    return _ics_response(body, "child-sessions.ics")


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """My calendar feed: the URL to subscribe to, and a button to revoke it."""
    token = services.feed_token(request.user)
    url = absolute_url(reverse("calendar:feed", kwargs={"token": token}))
    return render(request, "practice/sessions/calendar.html", {"feed_url": url})


@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.feed_revoke(user=request.user)
    messages.success(request, "The old feed address no longer works. Subscribe again with the new one below.")
    return redirect("calendar:settings")
