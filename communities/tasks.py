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


@shared_task
def build_data_exports() -> int:
    """Build the downloads members asked for on /me/data/ and email their links (idempotent: ready ones are skipped)."""
    from communities.services import data_export

    return data_export.data_exports_build_pending()


@shared_task
def delete_expired_data_exports() -> int:
    """Delete data downloads past DATA_EXPORT_DAYS."""
    from communities.services import data_export

    return data_export.data_exports_delete_expired()
