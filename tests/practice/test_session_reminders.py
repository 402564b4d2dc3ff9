"""Session reminders through the outbox: the day before and an hour before, to those going or maybe,
exactly once with any number of workers; a cancellation (of the session or of one occurrence) stops them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from childsys.celery import app
from communities.models import Membership, Notification, OutboundEmail, Role
from practice.models import PracticeSession, SessionReminder, SessionRSVP
from practice.services import sessions as services
from tests.conftest import skip_or_fail
from tests.factories import CommunityFactory, UserFactory
from tests.practice.factories_sessions import PracticeSessionFactory, SessionRSVPFactory
from tests.support.workers import celery_workers, wait_until

START = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)


def _session(community, **extra) -> PracticeSession:
    fields = {"starts_at": START, "ends_at": START + timedelta(hours=1), "until": START + timedelta(hours=1)}
    return PracticeSessionFactory(community=community, **{**fields, **extra})


def _sweep(at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return services.session_reminders_send_due(now=at)


@pytest.mark.django_db
def test_those_going_or_maybe_get_one_reminder_the_day_before_and_one_an_hour_before(
    community, member, core, newcomer, facilitator
):
    session = _session(community)
    SessionRSVPFactory(session=session, user=member, answer=SessionRSVP.Answer.GOING)
    SessionRSVPFactory(session=session, user=core, answer=SessionRSVP.Answer.MAYBE)
    SessionRSVPFactory(session=session, user=newcomer, answer=SessionRSVP.Answer.NOT_GOING)
    assert _sweep(START - timedelta(hours=25)) == 0  # not yet
    assert _sweep(START - timedelta(hours=24)) == 2
    assert _sweep(START - timedelta(hours=23)) == 0  # once
    assert _sweep(START - timedelta(minutes=59)) == 2
    assert _sweep(START - timedelta(minutes=30)) == 0
    assert _sweep(START + timedelta(minutes=1)) == 0  # started
    rows = OutboundEmail.objects.filter(category="sessions").order_by("created_at", "to")
    assert sorted((r.to, r.subject.split(": ", 1)[1]) for r in rows) == sorted(
        [
            (member.email, f"{session.title} starts tomorrow"),
            (core.email, f"{session.title} starts tomorrow"),
            (member.email, f"{session.title} starts soon"),
            (core.email, f"{session.title} starts soon"),
        ]
    )
    assert all(r.message_id.startswith("<session-reminder.") for r in rows)
    assert "Seminar room 2" in rows[0].body_text and session.get_absolute_url() in rows[0].body_text
    assert Notification.objects.filter(user=newcomer).count() == 0
    assert set(SessionReminder.objects.values_list("kind", flat=True)) == {"day", "hour"}


@pytest.mark.django_db
def test_someone_who_answers_late_gets_only_the_reminder_still_ahead(community, member):
    session = _session(community)
    SessionRSVPFactory(session=session, user=member)
    assert _sweep(START - timedelta(minutes=45)) == 1
    assert SessionReminder.objects.get().kind == "hour"


@pytest.mark.django_db
def test_a_cancelled_session_or_occurrence_sends_no_reminder(community, facilitator, member):
    cancelled = _session(community, title="Cancelled clinic")
    SessionRSVPFactory(session=cancelled, user=member)
    with time_machine.travel(START - timedelta(days=3), tick=False):
        services.session_cancel(session=cancelled, actor=facilitator)
    series = _session(
        community, title="Weekly huddle", repeat="weekly", occurrences=3, until=START + timedelta(weeks=2, hours=1)
    )
    SessionRSVPFactory(session=series, user=member)
    with time_machine.travel(START - timedelta(days=3), tick=False):
        services.occurrence_cancel(session=series, actor=facilitator, start=START)
    OutboundEmail.objects.all().delete()
    assert _sweep(START - timedelta(minutes=30)) == 0
    assert _sweep(START + timedelta(weeks=1) - timedelta(minutes=30)) == 1  # the next one of the series
    assert SessionReminder.objects.get().occurrence == START + timedelta(weeks=1)


def _succeeded(log_dir: Path) -> int:
    """How many reminder sweeps the workers finished (Celery logs one "succeeded" line per task)."""
    return sum(
        1
        for p in log_dir.glob("sessions-*.log")
        for line in p.read_text().splitlines()
        if "practice.tasks.send_session_reminders[" in line and " succeeded in " in line
    )


def _multi_worker_stack() -> bool:
    if connection.vendor == "postgresql":
        if not settings.REDIS_URL:
            skip_or_fail("the multi-worker test on PostgreSQL needs Redis (REDIS_URL)")
        return True
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_reminders_go_out_exactly_once_with_two_workers_sweeping_at_once(tmp_path: Path):
    from django.utils import timezone

    workers = 2 if _multi_worker_stack() else 1
    community = CommunityFactory(name="Ward Safety Circle", slug="ward-safety")
    start = (timezone.now() + timedelta(minutes=30)).replace(microsecond=0)
    users = [UserFactory(email=f"going{i}@example.org") for i in range(20)]
    for user in users:
        Membership.objects.create(community=community, user=user, role=Role.MEMBER)
    for i in range(10):
        session = _session(
            community,
            title=f"Huddle {i}",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            until=start + timedelta(hours=1),
        )
        SessionRSVP.objects.bulk_create(SessionRSVP(session=session, user=u, answer="going") for u in users)
    expected = 10 * len(users)
    with celery_workers(workers, pool="solo", log_dir=tmp_path, name="sessions") as procs:
        assert wait_until(
            lambda: all(" ready." in (tmp_path / f"sessions-{i}.log").read_text() for i in range(workers))
        )
        for _ in range(6):
            app.send_task("practice.tasks.send_session_reminders")
        assert wait_until(
            lambda: SessionReminder.objects.filter(sent_at__isnull=False).count() == expected, timeout=60
        ), "\n".join(p.read_text()[-2000:] for p in tmp_path.glob("*.log"))
        # Every queued sweep has finished (the workers log each task's success): none added a second email.
        assert wait_until(lambda: _succeeded(tmp_path) == 6, timeout=60), _succeeded(tmp_path)
        assert all(p.poll() is None for p in procs)
    emails = OutboundEmail.objects.filter(category="sessions")
    assert emails.count() == expected
    assert emails.values("message_id").distinct().count() == expected
    assert sorted(emails.values_list("to", flat=True)) == sorted(u.email for u in users for _ in range(10))
    assert Notification.objects.filter(category="sessions").count() == expected
