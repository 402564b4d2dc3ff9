"""Signing in again withdraws an inactivity warning (``ACCOUNT_INACTIVE_DAYS``).

Connected in ``CommunitiesConfig.ready`` to Django's own ``user_logged_in``: allauth's password, SSO and
passkey sign-ins all send it (through ``django.contrib.auth.login``), and so does the admin's sign-in.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in


def _signed_in(sender, request, user, **kwargs) -> None:
    from communities.services import inactivity

    inactivity.inactivity_warning_clear(user=user)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="communities.inactivity_warning_clear")
