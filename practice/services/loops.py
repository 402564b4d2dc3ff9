"""Learning loops: follow-ups that ask how advice turned out, outcomes, and the weekly digest.

Keyword-only, typed and atomic. A follow-up is a database outbox row with a due time: the web
only writes rows (it never talks to the broker), and the beat task
``practice.tasks.send_due_follow_ups`` sweeps due rows every minute.

Cadence, per community: the first reminder ``follow_up_first_days`` after the asker says
"I'll try this", then one every ``follow_up_every_days``, at most ``follow_up_max_reminders``;
when the next one falls due after the last, the loop lapses and the facilitators are told, once.
"Too early to tell" postpones by ``follow_up_every_days`` (at most ``MAX_POSTPONEMENTS`` times);
a new answer on the request starts a fresh cycle; a reported outcome closes the loop; the asker
can stop (and resume) the reminders for one request.

This module imports nothing from ``practice.services.requests`` (which calls into it).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from childsys.lib.markdown import markdown_excerpt
from communities import figures
from communities.models import (
    Category,
    Community,
    EmailMode,
    Membership,
    NotificationPreference,
    OutboundEmail,
    User,
)
from communities.services.community import activity_record
from communities.services.notify import Notice, absolute_url, email_modes, notify, notify_each, outbound_email_build
from practice.models import (
    MAX_POSTPONEMENTS,
    Advice,
    FollowUp,
    FollowUpReminder,
    HelpRequest,
    Kudos,
    Nudge,
    Outcome,
)
from practice.services import learning

log = logging.getLogger(__name__)

# Due loops claimed and reminded per transaction (a worker killed mid-batch rolls back this many).
SWEEP_BATCH = 50


# --- helpers -------------------------------------------------------------------------------


def _mail_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "child.example"


def reminder_message_id(follow_up_id: int, number: int) -> str:
    """The Message-ID of reminder ``number`` of a follow-up: stable, so a resend is recognisable."""
    return f"<followup.{follow_up_id}.{number}@{_mail_domain()}>"


def lapse_message_id(follow_up_id: int, reminders_sent: int, user_id: int) -> str:
    return f"<followup.{follow_up_id}.lapsed{reminders_sent}.{user_id}@{_mail_domain()}>"


def local_date(moment: datetime, community: Community) -> str:
    """A date as members of ``community`` read it: in its time zone, e.g. "Tuesday 3 March 2026"."""
    local = timezone.localtime(moment, community.tzinfo)
    return f"{local:%A} {local.day} {local:%B %Y}"


def _request_path(help_request: HelpRequest, anchor: str = "") -> str:
    url = reverse("practice:request-detail", kwargs={"slug": help_request.community.slug, "pk": help_request.pk})
    return f"{url}#{anchor}" if anchor else url


def outcome_path(help_request: HelpRequest) -> str:
    return reverse("practice:request-outcome", kwargs={"slug": help_request.community.slug, "pk": help_request.pk})


def _excerpt(text: str, words: int = 40) -> str:
    """A notification's excerpt: the Markdown as one line of plain text (no `**`, no flattened "- ")."""
    return markdown_excerpt(text, words)


def _facilitators(community: Community) -> list[User]:
    return [
        m.user
        for m in Membership.objects.facilitators()
        .filter(community=community, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    ]


# --- opening a loop, and what keeps it going ---------------------------------------------------


def _fresh_cycle(follow_up_qs, *, community_id: int, due_at: datetime) -> int:
    started = follow_up_qs.update(state=FollowUp.State.SCHEDULED, cycle_reminders=0, due_at=due_at, lapsed_at=None)
    if started:
        figures.changed(community_id)
    return started


@transaction.atomic
def follow_up_open(*, help_request: HelpRequest, asker: User, now: datetime | None = None) -> FollowUp:
    """The asker said "I'll try this": open the request's loop, or start a fresh cycle of an open one.

    Called from ``advice_respond`` inside its transaction; it writes one row and talks to no broker.
    A stopped loop stays stopped (the asker chose that) and a closed one stays closed.
    """
    now = now or timezone.now()
    community = help_request.community
    due_at = now + timedelta(days=community.follow_up_first_days)
    follow_up, created = FollowUp.objects.get_or_create(
        request=help_request,
        defaults={"community": community, "asker": asker, "created_at": now, "due_at": due_at},
    )
    if not created and follow_up.state in (*FollowUp.PENDING, FollowUp.State.LAPSED):
        # Another piece of advice to try: give it the full first delay before asking.
        _fresh_cycle(
            FollowUp.objects.filter(pk=follow_up.pk, state__in=[*FollowUp.PENDING, FollowUp.State.LAPSED]),
            community_id=community.pk,
            due_at=due_at,
        )
        follow_up.refresh_from_db()
    return follow_up


def follow_up_on_new_answer(*, help_request: HelpRequest, now: datetime | None = None) -> int:
    """New advice arrived: the running reminder cycle stops and a fresh one starts (first delay again).

    The asker is back in conversation, so asking "how did it go?" on the old schedule would be noise.
    """
    now = now or timezone.now()
    due_at = now + timedelta(days=help_request.community.follow_up_first_days)
    return _fresh_cycle(
        FollowUp.objects.filter(request=help_request, state__in=FollowUp.PENDING),
        community_id=help_request.community_id,
        due_at=due_at,
    )


def _require_asker(help_request: HelpRequest, actor: User) -> None:
    if help_request.author_id != actor.pk:
        raise PermissionDenied("Only the person who asked can do this.")


@transaction.atomic
def follow_up_stop(*, follow_up: FollowUp, actor: User, now: datetime | None = None) -> bool:
    """The asker stops the reminders for this request; True when they were running."""
    _require_asker(follow_up.request, actor)
    now = now or timezone.now()
    stopped = FollowUp.objects.filter(pk=follow_up.pk, state__in=FollowUp.PENDING).update(
        state=FollowUp.State.STOPPED, stopped_at=now
    )
    if stopped:
        figures.changed(follow_up.community_id)
    follow_up.refresh_from_db()
    return bool(stopped)


@transaction.atomic
def follow_up_resume(*, follow_up: FollowUp, actor: User, now: datetime | None = None) -> bool:
    """The asker wants the reminders back: the next one comes after the reminder interval."""
    _require_asker(follow_up.request, actor)
    now = now or timezone.now()
    days = follow_up.request.community.follow_up_every_days
    resumed = FollowUp.objects.filter(pk=follow_up.pk, state=FollowUp.State.STOPPED).update(
        state=FollowUp.State.SCHEDULED, cycle_reminders=0, due_at=now + timedelta(days=days), stopped_at=None
    )
    if resumed:
        figures.changed(follow_up.community_id)
    follow_up.refresh_from_db()
    return bool(resumed)


# --- the sweep (practice.tasks.send_due_follow_ups) -----------------------------------------------


def follow_ups_send_due(*, now: datetime | None = None, limit: int = SWEEP_BATCH, budget_seconds: float = 60) -> int:
    """Send the reminders (and lapse the loops) that are due; return how many loops were handled.

    Safe to run concurrently, any number of times: each batch of ``limit`` due rows is claimed
    and acted on in one transaction (:func:`follow_ups_remind_batch`). Works through batches until
    no due row is left or ``budget_seconds`` have passed.
    """
    now = now or timezone.now()
    started = time.monotonic()
    handled = 0
    while True:
        claimed, done = follow_ups_remind_batch(now=now, limit=limit)
        handled += done
        if claimed < limit or time.monotonic() - started > budget_seconds:
            return handled  # nothing left, or the next run takes up the rest


@transaction.atomic
def follow_ups_remind_batch(*, now: datetime, limit: int = SWEEP_BATCH) -> tuple[int, int]:
    """Claim up to ``limit`` due loops and act on them, in bulk; return (claimed, reminded or lapsed).

    One transaction for the batch: the claim, the reminder rows (unique per loop and number), the
    inbox rows and the rendered outbox rows with their stable Message-IDs, each written by one
    statement for the whole batch. A worker killed half-way rolls all of it back, and the next
    sweep finds those loops due again. On PostgreSQL the due rows are locked with ``FOR UPDATE
    SKIP LOCKED`` (on the loop's own table: the lock re-checks the row's state and due time), so
    concurrent sweeps take disjoint batches instead of waiting for each other; SQLite runs every
    transaction ``IMMEDIATE``, so the batches are serialised.
    """
    rows = list(
        FollowUp.objects.select_for_update(skip_locked=True)
        .filter(state__in=FollowUp.PENDING, due_at__lte=now)
        # The index's order alone (followup_pending_due): a tie-breaker would sort every row due at the
        # same moment (a backlog) before the LIMIT.
        .order_by("due_at")[:limit]
    )
    if not rows:
        return 0, 0
    requests = HelpRequest.objects.select_related("community", "author").in_bulk([r.request_id for r in rows])
    stop, lapse, remind = [], [], []
    for row in rows:
        row.request = help_request = requests[row.request_id]
        if help_request.is_hidden or help_request.status in (
            HelpRequest.Status.WITHDRAWN,
            HelpRequest.Status.CLOSED,
        ):
            stop.append(row)  # nothing left to ask about
        elif row.cycle_reminders >= help_request.community.follow_up_max_reminders:
            lapse.append(row)
        else:
            remind.append(row)
    # A stopped or lapsed loop leaves the dashboard's "waiting for an outcome" (a reminder does not).
    if stop:
        FollowUp.objects.filter(pk__in=[r.pk for r in stop]).update(state=FollowUp.State.STOPPED, stopped_at=now)
    for row in lapse:
        row.state, row.lapsed_at = FollowUp.State.LAPSED, now
        FollowUp.objects.filter(pk=row.pk).update(state=row.state, lapsed_at=now)
        _tell_lapsed(row, row.request, now=now)
    for community_id in {r.community_id for r in stop + lapse}:
        figures.changed(community_id)
    by_next_due: dict[datetime, list[int]] = defaultdict(list)
    for row in remind:
        row.state = FollowUp.State.REMINDED
        row.reminders_sent += 1
        row.cycle_reminders += 1
        row.last_reminded_at = now
        row.due_at = now + timedelta(days=row.request.community.follow_up_every_days)
        by_next_due[row.due_at].append(row.pk)
    # One UPDATE per reminder interval in the batch (usually one): the rows are ours (locked, or
    # SQLite's single writer), so the counters move on by one.
    for next_due, ids in by_next_due.items():
        FollowUp.objects.filter(pk__in=ids).update(
            state=FollowUp.State.REMINDED,
            reminders_sent=F("reminders_sent") + 1,
            cycle_reminders=F("cycle_reminders") + 1,
            last_reminded_at=now,
            due_at=next_due,
        )
    _remind(remind, now=now)
    return len(rows), len(lapse) + len(remind)


def follow_up_remind(
    *, follow_up_id: int, state: str, reminders_sent: int, due_at: datetime, now: datetime | None = None
) -> bool:
    """Claim one due loop and act on it: remind the asker, or lapse the loop. False when someone else had it.

    Everything happens in this one transaction: the claim, the reminder row (unique per loop and
    number), the inbox row and the outbox row with its stable Message-ID. A worker killed half-way
    rolls all of it back, and the next sweep finds the loop due again.
    """
    now = now or timezone.now()
    expected = {"pk": follow_up_id, "state": state, "reminders_sent": reminders_sent, "due_at": due_at}
    # PostgreSQL: skip a row another worker is working on instead of queueing behind its lock (two
    # sweeps walking the same list would otherwise take turns). A no-op on SQLite, which serialises
    # writers anyway. The claim below decides; this only avoids the wait.
    row = (
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("request__community", "request__author")
        .filter(**expected)
        .first()
    )
    if row is None:
        return False
    help_request = row.request
    community = help_request.community
    # The claim filters on the loop's own row alone (primary key, state, counters, due time). A
    # filter through a join becomes "WHERE id IN (subquery)", which PostgreSQL does not re-check
    # after waiting for another worker's lock, so both would win.
    claim = FollowUp.objects.filter(**expected)
    # A stopped or lapsed loop leaves the dashboard's "waiting for an outcome" (a reminder does not).
    if help_request.is_hidden or help_request.status in (HelpRequest.Status.WITHDRAWN, HelpRequest.Status.CLOSED):
        if claim.update(state=FollowUp.State.STOPPED, stopped_at=now):  # nothing left to ask about
            figures.changed(community.pk)
        return False
    if row.cycle_reminders >= community.follow_up_max_reminders:
        if claim.update(state=FollowUp.State.LAPSED, lapsed_at=now) != 1:
            return False
        figures.changed(community.pk)
        _tell_lapsed(row, help_request, now=now)
        return True
    number = reminders_sent + 1
    next_due = now + timedelta(days=community.follow_up_every_days)
    claimed = claim.update(
        state=FollowUp.State.REMINDED,
        reminders_sent=number,
        cycle_reminders=row.cycle_reminders + 1,
        last_reminded_at=now,
        due_at=next_due,
    )
    if claimed != 1:
        return False
    row.reminders_sent, row.cycle_reminders, row.due_at = number, row.cycle_reminders + 1, next_due
    _remind([row], now=now)
    return True


def _tried_advice(requests: list[HelpRequest]) -> dict[int, list[Advice]]:
    """The advice each request's asker decided to try (one query for all of them)."""
    tried: dict[int, list[Advice]] = defaultdict(list)
    for advice in (
        Advice.objects.filter(request__in=requests, responses__kind="try", hidden_at__isnull=True)
        .select_related("author")
        .order_by("created_at", "id")
    ):
        tried[advice.request_id].append(advice)
    return tried


def _remind(follow_ups: list[FollowUp], *, now: datetime) -> None:
    """Write the reminders of loops just claimed (their counters already moved on), in bulk.

    The database's word that each reminder exists once: the (loop, number) constraint, so a
    second insert would fail the transaction.
    """
    if not follow_ups:
        return
    askers = [f.request.author for f in follow_ups if f.request.author and f.request.author.is_active]
    modes = email_modes(askers, Category.FOLLOW_UPS)
    FollowUpReminder.objects.bulk_create(
        FollowUpReminder(
            follow_up=f,
            number=f.reminders_sent,
            sent_at=now,
            message_id=reminder_message_id(f.pk, f.reminders_sent)
            if modes.get(f.request.author_id) == EmailMode.IMMEDIATE
            else "",
        )
        for f in follow_ups
    )
    tried = _tried_advice([f.request for f in follow_ups])
    notices = []
    for follow_up in follow_ups:
        help_request = follow_up.request
        community = help_request.community
        if help_request.author_id not in modes:
            continue  # no asker any more (or deactivated): the reminder is recorded, nobody is told
        advice = tried[help_request.pk]
        notices.append(
            Notice(
                user=help_request.author,
                title=f"How did it go? “{help_request.title}”",
                body=(
                    f"You decided to try advice on {local_date(follow_up.created_at, community)}. "
                    "Tell us how it turned out."
                ),
                url=outcome_path(help_request),
                community=community,
                email_context={
                    "help_request": help_request,
                    "follow_up": follow_up,
                    "advice": advice,
                    "advisers": sorted({a.author.name for a in advice if a.author}),
                    "number": follow_up.reminders_sent,
                    "last_reminder": follow_up.cycle_reminders >= community.follow_up_max_reminders,
                    "tried_on": local_date(follow_up.created_at, community),
                    "next_on": local_date(follow_up.due_at, community),
                    "request_url": absolute_url(_request_path(help_request, "learning-loop")),
                    "postponements_left": MAX_POSTPONEMENTS - follow_up.postponements,
                },
                message_id=reminder_message_id(follow_up.pk, follow_up.reminders_sent),
            )
        )
    notify_each(
        notices=notices,
        category=Category.FOLLOW_UPS,
        email_template="practice_followup_reminder",
        modes=modes,
        now=now,
    )


def _tell_lapsed(follow_up: FollowUp, help_request: HelpRequest, *, now: datetime) -> None:
    community = help_request.community
    # Facilitators are told; the anonymous asker stays "A member (anonymous)" to them.
    asker_name = help_request.asker_name_for(None, "A former member")
    notify(
        recipients=_facilitators(community),
        category=Category.FOLLOW_UPS,
        title=f"Learning loop lapsed: “{help_request.title}”",
        body=(
            f"{asker_name} did not say how the advice turned out after {follow_up.reminders_sent} "
            f"reminder{'s' if follow_up.reminders_sent != 1 else ''}. A personal word may help close the loop."
        ),
        url=_request_path(help_request, "learning-loop"),
        community=community,
        email_template="practice_loop_lapsed",
        email_context={
            "help_request": help_request,
            "follow_up": follow_up,
            "asker_name": asker_name,
            "tried_on": local_date(follow_up.created_at, community),
            "lapsed_on": local_date(now, community),
        },
        message_id_for=lambda user: lapse_message_id(follow_up.pk, follow_up.reminders_sent, user.pk),
        now=now,
    )


# --- outcomes ------------------------------------------------------------------------------------


def _capture_shared_learning(outcome: Outcome, *, now: datetime) -> None:
    """Share this as learning: the emergent-learning area drafts a case story or failure reflection."""
    learning.artefact_draft_from_outcome(outcome=outcome, author=outcome.author, now=now)


@transaction.atomic
def outcome_record(
    *,
    help_request: HelpRequest,
    author: User,
    result: str,
    what_worked: str = "",
    what_didnt: str = "",
    do_differently: str = "",
    helpful_advice: Iterable[Advice] = (),
    share_as_learning: bool = False,
    share_kind: str = "",
    story_consent: bool = False,
    now: datetime | None = None,
) -> Outcome | None:
    """The asker reports how it turned out. Returns the outcome, or None for "too early to tell".

    "Too early to tell" postpones the follow-up by the reminder interval (at most
    ``MAX_POSTPONEMENTS`` times) and keeps what was written as a draft. Any other result closes
    the loop: the advisers whose advice helped are told, and "share this as learning" drafts an
    artefact in the same transaction.
    """
    now = now or timezone.now()
    _require_asker(help_request, author)
    community = help_request.community
    follow_up = FollowUp.objects.filter(request=help_request).first()
    if follow_up is None:
        raise ValidationError("Say which advice you'll try first (“I'll try this”); then tell us how it went.")
    if follow_up.state == FollowUp.State.CLOSED or Outcome.objects.filter(request=help_request).exists():
        raise ValidationError("You already said how this turned out.")
    result = Outcome.Result(result)
    texts = {
        "what_worked": what_worked.strip(),
        "what_didnt": what_didnt.strip(),
        "do_differently": do_differently.strip(),
    }
    if result == Outcome.Result.TOO_EARLY:
        if follow_up.postponements >= MAX_POSTPONEMENTS:
            raise ValidationError(
                f"You have said “too early to tell” {MAX_POSTPONEMENTS} times already: "
                "choose how it has turned out so far, even partly."
            )
        days = community.follow_up_every_days
        postponed = FollowUp.objects.filter(
            pk=follow_up.pk, postponements=follow_up.postponements, state=follow_up.state
        ).update(
            state=FollowUp.State.SCHEDULED,
            postponements=follow_up.postponements + 1,
            cycle_reminders=0,
            due_at=now + timedelta(days=days),
            last_postponed_at=now,
            lapsed_at=None,
            stopped_at=None,
            draft={k: v for k, v in texts.items() if v},
        )
        if postponed != 1:
            raise ValidationError("Your follow-up changed in the meantime: please try again.")
        figures.changed(community.pk)
        return None

    if (
        FollowUp.objects.filter(pk=follow_up.pk)
        .exclude(state=FollowUp.State.CLOSED)
        .update(state=FollowUp.State.CLOSED, closed_at=now, draft={})
        != 1
    ):
        raise ValidationError("You already said how this turned out.")
    helpful = [
        a for a in helpful_advice if a.request_id == help_request.pk and a.author_id != author.pk and not a.is_hidden
    ]
    if share_as_learning and share_kind not in Outcome.ShareKind.values:
        share_kind = (
            Outcome.ShareKind.FAILURE_REFLECTION
            if result == Outcome.Result.NOT_RESOLVED
            else Outcome.ShareKind.CASE_STORY
        )
    try:
        with transaction.atomic():
            outcome = Outcome.objects.create(
                request=help_request,
                community=community,
                author=author,
                result=result,
                share_as_learning=share_as_learning,
                share_kind=share_kind if share_as_learning else "",
                story_consent=story_consent,
                story_consent_changed_at=now if story_consent else None,
                recorded_at=now,
                **texts,
            )
    except IntegrityError:
        raise ValidationError("You already said how this turned out.") from None
    outcome.helpful_advice.set(helpful)
    if result == Outcome.Result.RESOLVED and help_request.is_active:
        HelpRequest.objects.filter(pk=help_request.pk, status__in=HelpRequest.ACTIVE).update(
            status=HelpRequest.Status.RESOLVED, concluded_at=now, last_activity_at=now
        )
        Nudge.objects.filter(request=help_request, state=Nudge.State.PENDING).update(state=Nudge.State.CANCELLED)
    else:
        HelpRequest.objects.filter(pk=help_request.pk).update(last_activity_at=now)
    advisers = [a.author for a in helpful if a.author]
    shown = help_request.name_for(author, None)  # "A member (anonymous)" on an anonymous request
    notify(
        recipients=advisers,
        category=Category.ADVICE,
        title=f"Your advice helped: {shown} reports “{result.label}” on “{help_request.title}”",
        body=_excerpt(outcome.what_worked),
        url=_request_path(help_request, "outcome"),
        community=community,
        actor=author,
        email_template="practice_loop_advice_helped",
        email_context={"help_request": help_request, "outcome": outcome, "asker": author},
        now=now,
    )
    activity_record(
        community=community,
        actor=None if help_request.anonymous else author,
        action="practice.outcome.record",
        summary=f"{shown} closed the learning loop on “{help_request.title}”: {result.label.lower()}",
    )
    if share_as_learning:
        _capture_shared_learning(outcome, now=now)
    return outcome


@transaction.atomic
def outcome_story_consent_set(*, outcome: Outcome, actor: User, consent: bool, now: datetime | None = None) -> bool:
    """The asker gives (or withdraws) consent to show the outcome as a value-creation story."""
    if outcome.author_id != actor.pk:
        raise PermissionDenied("Only the person who reported the outcome can change this.")
    now = now or timezone.now()
    changed = (
        Outcome.objects.filter(pk=outcome.pk)
        .exclude(story_consent=consent)
        .update(story_consent=consent, story_consent_changed_at=now)
    )
    outcome.refresh_from_db()
    return bool(changed)


@transaction.atomic
def outcome_kudos_toggle(*, outcome: Outcome, user: User, now: datetime | None = None) -> bool:
    """Congratulate an outcome (or take it back); True when kudos are now given."""
    now = now or timezone.now()
    if outcome.author_id == user.pk:
        raise ValidationError("Kudos are for other people's outcomes.")
    if outcome.request.is_hidden:
        raise ValidationError("This request was hidden by a facilitator.")
    deleted, _ = Kudos.objects.filter(user=user, outcome=outcome).delete()
    if deleted:
        return False
    _, created = Kudos.objects.get_or_create(user=user, outcome=outcome, defaults={"created_at": now})
    if created:
        notify(
            recipients=[outcome.author] if outcome.author else [],
            category=Category.ADVICE,
            title=f"{user} congratulated you on how “{outcome.request.title}” turned out",
            url=_request_path(outcome.request, "outcome"),
            community=outcome.request.community,
            actor=user,
            now=now,
        )
    return True


# --- the weekly digest (practice.tasks.send_weekly_digests) ---------------------------------------

DIGEST_DAYS = 7
DIGEST_BATCH = 100  # digests queued per INSERT


def digest_week(now: datetime) -> str:
    year, week, _ = now.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def digest_message_id(user_id: int, week: str) -> str:
    """One weekly digest per user and ISO week: the outbox's unique Message-ID makes it so."""
    return f"<digest.{user_id}.{week}@{_mail_domain()}>"


def digest_closed_loops(*, user: User, communities: list[Community], since: datetime, now: datetime) -> dict | None:
    """Loops closed in the week, with their outcomes (one query)."""
    outcomes = list(
        Outcome.objects.filter(
            community__in=communities,
            recorded_at__gte=since,
            recorded_at__lte=now,
            request__hidden_at__isnull=True,
            hidden_at__isnull=True,  # an outcome hidden pending a privacy review is not quoted
        )
        .exclude(author=user)
        .select_related("request__community", "author")
        .order_by("-recorded_at", "-id")[:10]
    )
    if not outcomes:
        return None
    items = [
        {
            "title": o.request.title,
            "community": o.request.community.name,
            "result": o.get_result_display(),
            "who": o.request.name_for(o.author, user, "A former member"),
            "what_worked": _excerpt(o.what_worked, 30),
            "url": absolute_url(_request_path(o.request, "outcome")),
        }
        for o in outcomes
    ]
    return {"key": "closed_loops", "heading": "Loops closed this week: how advice turned out", "items": items}


def digest_matching_requests(
    *, user: User, communities: list[Community], since: datetime, now: datetime
) -> dict | None:
    """Open requests tagged with my expertise that I did not post (one query)."""
    requests = list(
        HelpRequest.objects.filter(
            community__in=communities,
            status__in=HelpRequest.ACTIVE,
            hidden_at__isnull=True,
            tags__experts__user=user,
        )
        .exclude(author=user)
        .select_related("community")
        .distinct()
        .order_by("-created_at", "-id")[:10]
    )
    if not requests:
        return None
    items = [
        {
            "title": r.title,
            "community": r.community.name,
            "unanswered": r.first_response_at is None,
            "url": absolute_url(_request_path(r)),
        }
        for r in requests
    ]
    return {"key": "matching_requests", "heading": "Open requests that match your expertise", "items": items}


# One function per section, in the order they appear: (user, communities, since, now) -> dict | None.
# A section dict has "key", "heading" and "items" (a list of dicts with at least "title" and "url").
DIGEST_SECTIONS: list[Callable[..., dict | None]] = [
    digest_closed_loops,
    digest_matching_requests,
    learning.digest_new_learning,
]


def digest_context(*, user: User, now: datetime) -> dict | None:
    """The weekly digest of one user, or None when there is nothing to tell."""
    communities = list(Community.objects.filter(memberships__user=user).order_by("name"))
    if not communities:
        return None
    since = now - timedelta(days=DIGEST_DAYS)
    sections = [
        s
        for s in (section(user=user, communities=communities, since=since, now=now) for section in DIGEST_SECTIONS)
        if s
    ]
    if not sections:
        return None
    return {"sections": sections, "since": since, "now": now, "week": digest_week(now)}


def weekly_digests_send(*, now: datetime | None = None) -> int:
    """Queue this week's digest for every member who wants it; return how many were queued.

    Idempotent: the digest's Message-ID names the user and the ISO week, and the outbox keeps
    Message-IDs unique, so a second run in the same week queues nothing. Respects preferences:
    "Off (in the portal only)" for the weekly digest means no digest.
    """
    now = now or timezone.now()
    week = digest_week(now)
    off = NotificationPreference.objects.filter(category=Category.DIGEST, email=EmailMode.OFF).values("user_id")
    users = list(
        User.objects.filter(is_active=True, memberships__isnull=False).exclude(pk__in=off).distinct().order_by("pk")
    )
    already = set(
        OutboundEmail.objects.filter(message_id__in=[digest_message_id(u.pk, week) for u in users]).values_list(
            "message_id", flat=True
        )
    )
    queued = 0
    pending: list[OutboundEmail] = []
    for user in users:
        message_id = digest_message_id(user.pk, week)
        if message_id in already:
            continue
        context = digest_context(user=user, now=now)
        if context is None:
            continue
        pending.append(
            outbound_email_build(
                user=user,
                category=Category.DIGEST,
                template="practice_weekly_digest",
                context=context,
                message_id=message_id,
                now=now,
            )
        )
        if len(pending) >= DIGEST_BATCH:
            queued += _queue_digests(pending)
            pending = []
    return queued + _queue_digests(pending)


def _queue_digests(emails: list[OutboundEmail]) -> int:
    """One INSERT for a batch of digests; one another run queued meanwhile is left out (same Message-ID)."""
    if not emails:
        return 0
    with transaction.atomic():
        created = OutboundEmail.objects.bulk_create(emails, ignore_conflicts=True)
        # ignore_conflicts does not say which rows went in: count the batch's Message-IDs that are ours.
        ids = [e.message_id for e in created]
        return OutboundEmail.objects.filter(message_id__in=ids, created_at=emails[0].created_at).count()
