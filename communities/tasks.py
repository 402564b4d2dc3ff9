"""Celery tasks of the communities app: thin doors into the services."""

from __future__ import annotations

from celery import shared_task

from communities.services import outbox


@shared_task
def send_outbound_email() -> int:
    return outbox.outbound_email_send_due()


@shared_task
def send_daily_digests() -> int:
    return outbox.daily_digests_send()


@shared_task
def close_due_vibrancy_rounds() -> int:
    """Close vibrancy rounds past their closing date (idempotent: a closed round is skipped)."""
    from communities.services import vibrancy

    return vibrancy.rounds_close_due()


@shared_task
def send_monthly_value_reports() -> int:
    """Each sponsor's monthly value report (idempotent: one per sponsor, community and month)."""
    from communities.services import value

    return value.value_reports_send_monthly()


@shared_task
def sweep_inactive_accounts() -> dict[str, int]:
    """Warn, then anonymise, accounts unused for ACCOUNT_INACTIVE_DAYS (a no-op while it is unset)."""
    from communities.services import inactivity

    return inactivity.inactive_accounts_sweep()
