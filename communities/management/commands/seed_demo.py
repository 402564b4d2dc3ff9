"""``python manage.py seed_demo``: the demo community and accounts (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communities import demo as demo_registry
from communities.demo import core

DEMO_LOGINS = [email for email, *_ in core.ACCOUNTS]


class Command(BaseCommand):
    help = "Create the demo community and accounts (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a real site).")

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates accounts with a known password; with DEBUG off, pass --force.")
        with transaction.atomic():
            demo = core.seed()
            # Each app adds its own demo data on top of the core, in the order it registered it
            # (communities/apps.py, practice/apps.py).
            for seeder in demo_registry.seeders():
                seeder(demo)
        self.stdout.write(self.style.SUCCESS(f"Demo community ready: {settings.SITE_URL}/c/{core.SLUG}/"))
        self.stdout.write(f"Log in with any of these (password {core.PASSWORD}):")
        for email in DEMO_LOGINS:
            self.stdout.write(f"  {email}")
