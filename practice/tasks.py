"""Celery tasks of the practice app: thin doors into the services (periodic ones are declared in childsys/celery.py)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from practice.services import requests as services


@shared_task
def send_due_nudges() -> int:
    """Sweep the nudge outbox: remind experts and facilitators of overdue requests."""
    return services.nudges_send_due()


@shared_task
def send_due_follow_ups(budget_seconds: float = 50) -> int:
    """Sweep the learning loops: remind askers how advice turned out; lapse loops past the last reminder.

    Works through batches of due rows for at most ``budget_seconds`` (below the task time limits);
    the next run, a minute later, takes up what is left.
    """
    from practice.services import loops

    return loops.follow_ups_send_due(budget_seconds=budget_seconds)


@shared_task
def send_weekly_digests() -> int:
    """Queue each member's weekly digest (once per user and week; the outbox delivers it)."""
    from practice.services import loops

    return loops.weekly_digests_send()


@shared_task
def poll_inbound_email() -> int:
    """Fetch replies from the INBOUND_IMAP_URL mailbox (nothing to do when it is not set)."""
    if not settings.INBOUND_IMAP_URL:
        return 0
    from practice.inbound import imap

    return imap.poll().seen


@shared_task
def send_session_reminders() -> int:
    """Sweep practice sessions: remind those going or maybe the day before and an hour before."""
    from practice.services import sessions

    return sessions.session_reminders_send_due()
