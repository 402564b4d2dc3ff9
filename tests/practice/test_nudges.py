"""Overdue nudges: an outbox of rows with due times, swept by a periodic task, sent exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from communities.models import Category, Notification, OutboundEmail
from practice import tasks
from practice.models import Nudge
from practice.services import requests as request_services
from practice.services import requests as services

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMMITMENT = timedelta(hours=48)


@pytest.fixture
def overdue_request(post_request, tags, expert, facilitator, sponsor):
    with time_machine.travel(NOW, tick=False):
        return post_request(tags=[tags["medication"]])


def sweep(at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return tasks.send_due_nudges()


def overdue_notifications():
    return Notification.objects.filter(category=Category.REQUESTS, title__startswith="Still unanswered")


def test_it_sends_nothing_before_the_due_time(overdue_request):
    assert sweep(NOW + COMMITMENT - timedelta(minutes=1)) == 0
    assert not overdue_notifications().exists()


def test_it_nudges_experts_and_facilitators_once_when_overdue(overdue_request, expert, facilitator, sponsor, member):
    Notification.objects.all().delete()
    OutboundEmail.objects.all().delete()
    assert sweep(NOW + COMMITMENT) == 1
    assert sweep(NOW + COMMITMENT + timedelta(minutes=1)) == 0  # the next run finds nothing
    assert sweep(NOW + COMMITMENT + timedelta(hours=5)) == 0
    told = sorted(overdue_notifications().values_list("user__email", flat=True))
    assert told == ["core@example.org", "facilitator@example.org", "sponsor@example.org"]
    assert overdue_notifications().first().title == "Still unanswered after 48 hours: Insulin double-checks at night"
    nudge = overdue_request.nudges.get(level=1)
    assert (nudge.state, nudge.sent_at, nudge.recipient_count) == (Nudge.State.SENT, NOW + COMMITMENT, 3)
    emails = OutboundEmail.objects.filter(category=Category.REQUESTS)
    assert sorted(emails.values_list("to", flat=True)) == told
    assert all(e.subject.startswith("[Medication Safety Network] Still unanswered after 48 hours") for e in emails)


def test_it_nudges_once_more_at_twice_the_commitment(overdue_request):
    sweep(NOW + COMMITMENT)
    assert sweep(NOW + 2 * COMMITMENT - timedelta(minutes=1)) == 0
    assert sweep(NOW + 2 * COMMITMENT) == 1
    assert sweep(NOW + 2 * COMMITMENT + timedelta(minutes=1)) == 0
    assert sweep(NOW + 10 * COMMITMENT) == 0
    titles = sorted(set(overdue_notifications().values_list("title", flat=True)))
    assert titles == [
        "Still unanswered after 48 hours: Insulin double-checks at night",
        "Still unanswered after 96 hours: Insulin double-checks at night",
    ]
    assert overdue_notifications().count() == 6  # 3 people × 2 levels


def test_it_sends_only_the_highest_level_when_the_sweep_runs_late(overdue_request):
    assert sweep(NOW + 3 * COMMITMENT) == 1
    states = dict(overdue_request.nudges.values_list("level", "state"))
    assert states == {1: Nudge.State.CANCELLED, 2: Nudge.State.SENT}
    assert overdue_notifications().count() == 3


def test_it_cancels_the_nudges_when_a_response_comes_in_time(overdue_request, newcomer):
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        services.advice_create(help_request=overdue_request, author=newcomer, body="Try the pharmacy.")
    assert sweep(NOW + 3 * COMMITMENT) == 0
    assert set(overdue_request.nudges.values_list("state", flat=True)) == {Nudge.State.CANCELLED}
    assert not overdue_notifications().exists()


@pytest.mark.parametrize("end", ["resolve", "withdraw", "close", "hide"])
def test_it_does_not_nudge_a_request_that_no_longer_waits(overdue_request, member, facilitator, end):
    if end == "resolve":
        services.help_request_resolve(help_request=overdue_request, actor=member)
    elif end == "withdraw":
        services.help_request_withdraw(help_request=overdue_request, actor=member)
    elif end == "close":
        services.help_request_close(help_request=overdue_request, actor=facilitator, reason="Duplicate")
    else:
        services.content_hide(obj=overdue_request, actor=facilitator, reason="Names a patient")
    assert sweep(NOW + 3 * COMMITMENT) == 0
    assert not overdue_notifications().exists()


def test_it_cancels_a_nudge_whose_request_was_answered_behind_its_back(overdue_request):
    # Someone answered without going through the service that cancels nudges (e.g. the admin).
    type(overdue_request).objects.filter(pk=overdue_request.pk).update(first_response_at=NOW + timedelta(hours=1))
    assert sweep(NOW + COMMITMENT) == 0
    assert overdue_request.nudges.get(level=1).state == Nudge.State.CANCELLED


def test_it_sends_one_nudge_when_two_sweeps_overlap(overdue_request, monkeypatch):
    """Worker A lists the due rows; worker B sweeps them all before A claims its first row."""
    real_send = services.nudge_send
    calls = {"n": 0}

    def racing_send(*, nudge_id, now=None):
        calls["n"] += 1
        if calls["n"] == 1:
            assert services.nudges_send_due(now=now) == 1  # worker B, in between
        return real_send(nudge_id=nudge_id, now=now)

    monkeypatch.setattr(request_services, "nudge_send", racing_send)
    with time_machine.travel(NOW + COMMITMENT, tick=False):
        sent_by_a = services.nudges_send_due()
    assert sent_by_a == 0
    assert overdue_notifications().count() == 3
    assert overdue_request.nudges.get(level=1).state == Nudge.State.SENT


def test_it_lets_only_one_claim_of_the_same_row_succeed(overdue_request):
    nudge = overdue_request.nudges.get(level=1)
    at = NOW + COMMITMENT
    assert services.nudge_send(nudge_id=nudge.pk, now=at) is True
    assert services.nudge_send(nudge_id=nudge.pk, now=at) is False
    assert overdue_notifications().count() == 3


@pytest.mark.django_db(transaction=True)
def test_it_sends_one_nudge_when_two_workers_sweep_at_once(community, member, facilitator, core, tags):
    """Two real threads (two database connections) sweep the same due rows at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL (SQLite's shared in-memory test database locks tables)")
    with time_machine.travel(NOW, tick=False):
        requests = [
            services.help_request_create(community=community, author=member, title=f"Problem {i}", situation="…")
            for i in range(20)
        ]
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            results.append(services.nudges_send_due(now=NOW + COMMITMENT))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(results) == len(requests)
    assert Nudge.objects.filter(state=Nudge.State.SENT).count() == len(requests)
    per_request = overdue_notifications().filter(user=facilitator).count()
    assert per_request == len(requests)


def test_it_declares_the_sweep_in_the_beat_schedule():
    from childsys.celery import app

    entry = app.conf.beat_schedule["send-due-nudges"]
    assert entry["task"] == "practice.tasks.send_due_nudges"
    assert entry["schedule"] == 60.0
