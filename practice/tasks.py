"""Celery tasks of the practice app: thin doors into the services (periodic ones are declared in childsys/celery.py)."""

from __future__ import annotations

from celery import shared_task

from practice import services


@shared_task
def send_due_nudges() -> int:
    """Sweep the nudge outbox: remind experts and facilitators of overdue requests."""
    return services.nudges_send_due()
