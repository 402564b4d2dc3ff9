"""Learning loops: the cadence of follow-ups, postponement, lapse, stop, new answers and outcomes (time-travelled)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from communities.models import Category, Community, Notification, NotificationPreference, OutboundEmail
from practice import tasks
from practice.models import FollowUp, FollowUpReminder, HelpRequest, Kudos, Outcome
from practice.services import loops
from practice.services import requests as services

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def taken(post_request, community, member, core, facilitator, sponsor):
    """A request by ``member``; ``core`` advises; on NOW the asker says "I'll try this"."""
    community.follow_up_first_days, community.follow_up_every_days, community.follow_up_max_reminders = 14, 7, 2
    community.save()
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        help_request = post_request()
        advice = services.advice_create(help_request=help_request, author=core, body="Use a *checklist* at night.")
    with time_machine.travel(NOW, tick=False):
        services.advice_respond(advice=advice, author=member, kind="try")
    help_request.refresh_from_db()
    return help_request


def sweep(at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return tasks.send_due_follow_ups()


def reminders():
    return OutboundEmail.objects.filter(category=Category.FOLLOW_UPS, message_id__startswith="<followup.")


def reminder_emails():
    return reminders().exclude(message_id__contains=".lapsed")


def test_it_opens_one_loop_due_after_the_first_delay(taken, member):
    follow_up = FollowUp.objects.get()
    assert (follow_up.request, follow_up.asker, follow_up.state) == (taken, member, FollowUp.State.SCHEDULED)
    assert follow_up.due_at == NOW + 14 * DAY
    assert follow_up.community_id == taken.community_id
    assert not reminders().exists()


def test_it_attaches_a_later_try_to_the_same_loop_with_a_fresh_cycle(taken, member, community):
    other = services.advice_create(help_request=taken, author=community.memberships.get(role="sponsor").user, body="x")
    with time_machine.travel(NOW + 3 * DAY, tick=False):
        services.advice_respond(advice=other, author=member, kind="try")
    assert FollowUp.objects.count() == 1
    assert FollowUp.objects.get().due_at == NOW + 17 * DAY


def test_it_sends_nothing_before_the_first_reminder_is_due(taken):
    assert sweep(NOW + 14 * DAY - timedelta(minutes=1)) == 0
    assert not reminders().exists()
    assert FollowUpReminder.objects.count() == 0


def test_it_follows_the_cadence_then_lapses_and_tells_the_facilitators_once(taken, member, facilitator, sponsor):
    follow_up = FollowUp.objects.get()
    assert sweep(NOW + 14 * DAY) == 1
    assert sweep(NOW + 14 * DAY + timedelta(minutes=1)) == 0  # the next run finds nothing due
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.reminders_sent, follow_up.due_at) == ("reminded", 1, NOW + 21 * DAY)
    first = reminder_emails().get()
    assert first.to == member.email
    assert first.message_id == f"<followup.{follow_up.pk}.1@child.example>"
    assert f"/requests/{taken.pk}/outcome/" in first.body_text
    assert (
        Notification.objects.filter(
            user=member, category=Category.FOLLOW_UPS, title__startswith="How did it go?"
        ).count()
        == 1
    )

    assert sweep(NOW + 21 * DAY - timedelta(minutes=1)) == 0
    assert sweep(NOW + 21 * DAY) == 1
    assert sorted(reminder_emails().values_list("message_id", flat=True)) == [
        f"<followup.{follow_up.pk}.1@child.example>",
        f"<followup.{follow_up.pk}.2@child.example>",
    ]
    assert "This is the last reminder" in reminder_emails().get(message_id__endswith=".2@child.example>").body_text

    # After the maximum, the next due time lapses the loop: the facilitators are told, the asker is not.
    assert sweep(NOW + 28 * DAY) == 1
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.lapsed_at, follow_up.reminders_sent) == ("lapsed", NOW + 28 * DAY, 2)
    lapsed = reminders().filter(message_id__contains=".lapsed")
    assert sorted(lapsed.values_list("to", flat=True)) == [facilitator.email, sponsor.email]
    assert all("Learning loop lapsed" in e.subject for e in lapsed)
    for later in (NOW + 35 * DAY, NOW + 70 * DAY):
        assert sweep(later) == 0
    assert reminder_emails().count() == 2 and lapsed.count() == 2
    assert FollowUpReminder.objects.filter(follow_up=follow_up).count() == 2


def test_it_reminds_once_when_two_sweeps_run_at_the_same_moment(taken):
    at = NOW + 14 * DAY
    follow_up = FollowUp.objects.get()
    with time_machine.travel(at, tick=False):
        first = loops.follow_up_remind(
            follow_up_id=follow_up.pk, state="scheduled", reminders_sent=0, due_at=follow_up.due_at
        )
        # The second run read the same row before the first claimed it: its claim finds nothing.
        second = loops.follow_up_remind(
            follow_up_id=follow_up.pk, state="scheduled", reminders_sent=0, due_at=follow_up.due_at
        )
    assert (first, second) == (True, False)
    assert reminder_emails().count() == 1


def test_the_database_refuses_a_second_reminder_with_the_same_number(taken):
    sweep(NOW + 14 * DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpReminder.objects.create(follow_up=FollowUp.objects.get(), number=1, sent_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundEmail.objects.create(to="x@example.org", body_text="x", message_id=reminder_emails().get().message_id)


def test_emails_show_local_dates_in_the_community_time_zone(post_request, community, member, core):
    community.time_zone = "Pacific/Auckland"
    community.save()
    tried_at = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # Tuesday 3 March, 09:00 in Auckland
    with time_machine.travel(tried_at - timedelta(hours=1), tick=False):
        help_request = post_request()
        advice = services.advice_create(help_request=help_request, author=core, body="Try a checklist.")
    with time_machine.travel(tried_at, tick=False):
        services.advice_respond(advice=advice, author=member, kind="try")
    sweep(tried_at + 14 * DAY)
    email = reminder_emails().get()
    assert "On Tuesday 3 March 2026 you decided to try the advice of" in email.body_text
    assert "we'll ask again on Tuesday 24 March 2026" in email.body_text  # 14 + 7 days, local date
    assert "Tuesday 3 March 2026" in email.body_html
    assert loops.local_date(tried_at, Community(time_zone="UTC")) == "Monday 2 March 2026"


def test_too_early_to_tell_postpones_by_the_interval_at_most_three_times(taken, member):
    sweep(NOW + 14 * DAY)
    at = NOW + 15 * DAY
    for n in (1, 2, 3):
        with time_machine.travel(at, tick=False):
            assert (
                loops.outcome_record(help_request=taken, author=member, result="too_early", what_worked=f"n{n}") is None
            )
        follow_up = FollowUp.objects.get()
        assert (follow_up.state, follow_up.postponements, follow_up.due_at) == ("scheduled", n, at + 7 * DAY)
        assert follow_up.cycle_reminders == 0 and follow_up.draft == {"what_worked": f"n{n}"}
        assert not Outcome.objects.exists()
        at += 7 * DAY
    with time_machine.travel(at, tick=False), pytest.raises(ValidationError, match="3 times already"):
        loops.outcome_record(help_request=taken, author=member, result="too_early")
    # A postponed loop gets a full new cycle of reminders before it lapses.
    follow_up.refresh_from_db()
    assert sweep(follow_up.due_at) == 1
    assert FollowUp.objects.get().state == "reminded"


def test_a_postponement_skips_the_reminder_that_was_due(taken, member):
    with time_machine.travel(NOW + 10 * DAY, tick=False):
        loops.outcome_record(help_request=taken, author=member, result="too_early")
    assert sweep(NOW + 14 * DAY) == 0
    assert sweep(NOW + 17 * DAY) == 1


def test_the_asker_can_stop_and_resume_the_reminders_for_one_request(taken, member, core):
    follow_up = FollowUp.objects.get()
    with pytest.raises(PermissionDenied):
        loops.follow_up_stop(follow_up=follow_up, actor=core)
    with time_machine.travel(NOW + DAY, tick=False):
        assert loops.follow_up_stop(follow_up=follow_up, actor=member) is True
    assert (follow_up.state, follow_up.stopped_at) == ("stopped", NOW + DAY)
    assert sweep(NOW + 60 * DAY) == 0
    assert not reminders().exists()
    with time_machine.travel(NOW + 60 * DAY, tick=False):
        assert loops.follow_up_resume(follow_up=follow_up, actor=member) is True
    assert (follow_up.state, follow_up.due_at) == ("scheduled", NOW + 67 * DAY)
    assert sweep(NOW + 67 * DAY) == 1


def test_a_new_answer_stops_the_running_cycle_and_starts_a_fresh_one(taken, member, sponsor):
    sweep(NOW + 14 * DAY)  # reminder 1 of 2
    with time_machine.travel(NOW + 16 * DAY, tick=False):
        services.advice_create(help_request=taken, author=sponsor, body="Another idea: pair the night shifts.")
    follow_up = FollowUp.objects.get()
    assert (follow_up.state, follow_up.cycle_reminders, follow_up.due_at) == ("scheduled", 0, NOW + 30 * DAY)
    assert sweep(NOW + 21 * DAY) == 0  # the old cycle's reminder is gone
    assert sweep(NOW + 30 * DAY) == 1
    follow_up.refresh_from_db()
    assert (follow_up.reminders_sent, follow_up.cycle_reminders) == (2, 1)  # numbers keep counting up


def test_a_reported_outcome_closes_the_loop_and_stops_the_reminders(taken, member, core):
    sweep(NOW + 14 * DAY)
    advice = taken.advice.get()
    with time_machine.travel(NOW + 16 * DAY, tick=False):
        outcome = loops.outcome_record(
            help_request=taken,
            author=member,
            result="resolved",
            what_worked="The *checklist* on the med cart.",
            helpful_advice=[advice],
            story_consent=True,
        )
    follow_up = FollowUp.objects.get()
    assert (follow_up.state, follow_up.closed_at) == ("closed", NOW + 16 * DAY)
    assert (outcome.result, outcome.author, outcome.story_consent_changed_at) == ("resolved", member, NOW + 16 * DAY)
    assert list(outcome.helpful_advice.all()) == [advice]
    taken.refresh_from_db()
    assert taken.status == HelpRequest.Status.RESOLVED
    told = Notification.objects.get(user=core, title__startswith="Your advice helped")
    assert "Resolved" in told.title and told.url.endswith("#outcome")
    assert OutboundEmail.objects.filter(to=core.email, subject__contains="Your advice helped").count() == 1
    assert sweep(NOW + 60 * DAY) == 0
    assert reminder_emails().count() == 1
    with pytest.raises(ValidationError, match="already"):
        loops.outcome_record(help_request=taken, author=member, result="partly")


def test_only_the_asker_reports_an_outcome_and_only_after_taking_advice(taken, post_request, core, member):
    with pytest.raises(PermissionDenied):
        loops.outcome_record(help_request=taken, author=core, result="resolved")
    fresh = post_request(title="Another problem entirely")
    with pytest.raises(ValidationError, match="I'll try this"):
        loops.outcome_record(help_request=fresh, author=member, result="resolved")


def test_a_not_resolved_outcome_keeps_the_request_open_and_names_no_unhelpful_adviser(taken, member, core):
    outcome = loops.outcome_record(
        help_request=taken, author=member, result="not_resolved", what_didnt="Nobody had time."
    )
    taken.refresh_from_db()
    assert taken.status == HelpRequest.Status.ANSWERED
    assert outcome.helpful_advice.count() == 0
    assert not Notification.objects.filter(user=core, title__startswith="Your advice helped").exists()


def test_helpful_advice_from_another_request_is_ignored(taken, member, post_request, sponsor):
    other = post_request(title="Something else on the ward")
    foreign = services.advice_create(help_request=other, author=sponsor, body="Unrelated.")
    outcome = loops.outcome_record(help_request=taken, author=member, result="partly", helpful_advice=[foreign])
    assert outcome.helpful_advice.count() == 0


def test_the_asker_can_withdraw_story_consent_later(taken, member, core):
    outcome = loops.outcome_record(help_request=taken, author=member, result="resolved", story_consent=True)
    with pytest.raises(PermissionDenied):
        loops.outcome_story_consent_set(outcome=outcome, actor=core, consent=False)
    with time_machine.travel(NOW + 40 * DAY, tick=False):
        assert loops.outcome_story_consent_set(outcome=outcome, actor=member, consent=False) is True
    assert (outcome.story_consent, outcome.story_consent_changed_at) == (False, NOW + 40 * DAY)


def test_share_as_learning_keeps_the_flag_and_drafts_an_artefact_in_the_same_transaction(taken, member):
    from practice.models import Artefact

    outcome = loops.outcome_record(help_request=taken, author=member, result="not_resolved", share_as_learning=True)
    assert (outcome.share_as_learning, outcome.share_kind) == (True, "failure_reflection")
    draft = Artefact.objects.get(source_outcomes=outcome)
    assert (draft.kind, draft.status, list(draft.authors.all())) == ("failure_reflection", "draft", [member])
    kept = loops.outcome_record(
        help_request=post_case_story(taken, member), author=member, result="resolved", share_as_learning=True
    )
    assert Artefact.objects.get(source_outcomes=kept).kind == "case_story"


def post_case_story(taken, member):
    """A second request with a loop, by the same asker."""
    other = services.help_request_create(community=taken.community, author=member, title="Second ward", situation="x")
    advice = services.advice_create(help_request=other, author=taken.advice.get().author, body="Try it.")
    services.advice_respond(advice=advice, author=member, kind="try")
    return other


def test_nothing_is_drafted_without_share_as_learning(taken, member):
    from practice.models import Artefact

    loops.outcome_record(help_request=taken, author=member, result="resolved")
    assert not Artefact.objects.exists()


def test_members_congratulate_an_outcome_once(taken, member, core):
    outcome = loops.outcome_record(help_request=taken, author=member, result="resolved")
    assert loops.outcome_kudos_toggle(outcome=outcome, user=core) is True
    assert Kudos.objects.get().outcome == outcome
    assert Notification.objects.filter(user=member, title__contains="congratulated you").count() == 1
    assert loops.outcome_kudos_toggle(outcome=outcome, user=core) is False
    assert not Kudos.objects.exists()
    with pytest.raises(ValidationError):
        loops.outcome_kudos_toggle(outcome=outcome, user=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Kudos.objects.create(user=core)  # no target
    with pytest.raises(IntegrityError), transaction.atomic():
        Kudos.objects.create(user=core, outcome=outcome, advice=taken.advice.get())  # two targets


def test_a_withdrawn_or_hidden_request_stops_its_loop_without_a_reminder(taken, member):
    services.help_request_withdraw(help_request=taken, actor=member)
    assert sweep(NOW + 14 * DAY) == 0
    assert FollowUp.objects.get().state == FollowUp.State.STOPPED
    assert not reminders().exists()


def test_a_reminder_respects_the_askers_email_preference(taken, member):
    NotificationPreference.objects.create(user=member, category=Category.FOLLOW_UPS, email="off")
    assert sweep(NOW + 14 * DAY) == 1
    assert not reminders().exists()
    assert Notification.objects.filter(user=member, category=Category.FOLLOW_UPS).count() == 1
    assert FollowUpReminder.objects.get().message_id == ""


def test_taking_advice_never_talks_to_the_broker(post_request, member, core, monkeypatch):
    from celery.app.task import Task

    def refuse(*args, **kwargs):
        raise AssertionError("the web must not enqueue")

    monkeypatch.setattr(Task, "apply_async", refuse)
    monkeypatch.setattr("childsys.celery.app.send_task", refuse)
    help_request = post_request()
    advice = services.advice_create(help_request=help_request, author=core, body="Checklist.")
    services.advice_respond(advice=advice, author=member, kind="try")
    assert FollowUp.objects.count() == 1


def test_a_sweep_stops_at_its_time_budget_and_the_next_takes_up_the_rest(taken, post_request, member, core):
    other = post_request(title="A second loop")
    advice = services.advice_create(help_request=other, author=core, body="Try it.")
    with time_machine.travel(NOW, tick=False):
        services.advice_respond(advice=advice, author=member, kind="try")
    with time_machine.travel(NOW + 14 * DAY, tick=False):
        assert loops.follow_ups_send_due(budget_seconds=-1, limit=1) == 1  # over budget after the first batch
        assert loops.follow_ups_send_due() == 1
        assert loops.follow_ups_send_due() == 0


def _due_loops(post_request, member, core, n: int) -> None:
    for i in range(n):
        help_request = post_request(title=f"Loop {i}")
        advice = services.advice_create(help_request=help_request, author=core, body="Try a checklist.")
        with time_machine.travel(NOW, tick=False):
            services.advice_respond(advice=advice, author=member, kind="try")


@pytest.mark.parametrize("n", [1, 10])
def test_a_sweep_batch_writes_its_reminders_in_a_fixed_number_of_queries(
    n, post_request, member, core, django_assert_num_queries
):
    _due_loops(post_request, member, core, n)
    at = NOW + 30 * DAY
    # Claim, the requests, preferences, counters, reminder rows, tried advice, inbox rows, emails:
    # one statement each for the whole batch (plus savepoints and the user lookups of the email
    # context), whatever its size.
    with django_assert_num_queries(12):
        assert loops.follow_ups_remind_batch(now=at, limit=50) == (n, n)
    assert FollowUpReminder.objects.count() == n
    emails = reminder_emails()
    assert emails.count() == n
    assert {e.to for e in emails} == {member.email}
    assert all(f"the advice of {core.name}" in e.body_text and "How did it go?" in e.subject for e in emails)
    assert Notification.objects.filter(user=member, category=Category.FOLLOW_UPS).count() == n
    assert set(FollowUp.objects.values_list("state", "reminders_sent", "cycle_reminders")) == {("reminded", 1, 1)}
    assert loops.follow_ups_remind_batch(now=at, limit=50) == (0, 0)  # claimed once
