"""The Celery application and its beat schedule (the one place periodic work is declared)."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childsys.settings")

app = Celery("childsys")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks only sweep database rows (an outbox): the web never enqueues work itself,
# so a slow or absent broker cannot slow a page down.
app.conf.beat_schedule = {
    "send-outbound-email": {
        "task": "communities.tasks.send_outbound_email",
        "schedule": 30.0,
    },
    "send-daily-digests": {
        "task": "communities.tasks.send_daily_digests",
        "schedule": crontab(minute=0, hour=7),
    },
    "send-due-nudges": {
        "task": "practice.tasks.send_due_nudges",
        "schedule": 60.0,
    },
    "send-due-follow-ups": {
        "task": "practice.tasks.send_due_follow_ups",
        "schedule": 60.0,
    },
    # Replies by email from an IMAP mailbox (a no-op unless INBOUND_IMAP_URL is set).
    "poll-inbound-email": {
        "task": "practice.tasks.poll_inbound_email",
        "schedule": 60.0,
    },
    "send-session-reminders": {
        "task": "practice.tasks.send_session_reminders",
        "schedule": 60.0,
    },
    "send-weekly-digests": {
        "task": "practice.tasks.send_weekly_digests",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    "close-due-vibrancy-rounds": {
        "task": "communities.tasks.close_due_vibrancy_rounds",
        "schedule": 300.0,
    },
    # Downloads asked for on /me/data/ (pending rows): built within half a minute, their links emailed.
    "build-data-exports": {
        "task": "communities.tasks.build_data_exports",
        "schedule": 30.0,
    },
    "delete-expired-data-exports": {
        "task": "communities.tasks.delete_expired_data_exports",
        "schedule": crontab(minute=20),
    },
    # Daily, so a community's month (in its own time zone) starts with its report; once per sponsor and month.
    "send-monthly-value-reports": {
        "task": "communities.tasks.send_monthly_value_reports",
        "schedule": crontab(minute=0, hour=6),
    },
    # Daily: warn, then anonymise, accounts unused for ACCOUNT_INACTIVE_DAYS (a no-op unless it is set).
    "sweep-inactive-accounts": {
        "task": "communities.tasks.sweep_inactive_accounts",
        "schedule": crontab(minute=30, hour=3),
    },
}
