"""``python manage.py seed_demo``: the demo community and accounts (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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
            # Each area adds its own demo data on top of the core (see communities/demo/, practice/demo.py).
            for seeder in _area_seeders():
                seeder(demo)
        self.stdout.write(self.style.SUCCESS(f"Demo community ready: {settings.SITE_URL}/c/{core.SLUG}/"))
        self.stdout.write(f"Log in with any of these (password {core.PASSWORD}):")
        for email in DEMO_LOGINS:
            self.stdout.write(f"  {email}")


def _area_seeders() -> list:
    from communities.demo import direction, members, vibrancy
    from practice import demo as practice_demo
    from practice.demo import learning as demo_learning
    from practice.demo import loops as demo_loops
    from practice.demo import value as demo_value

    # demo_value after the requests: learning loops inside the value report's default period (the last
    # full quarter); demo_learning after both: it captures requests and a closed loop as learning.
    # demo_loops after demo_value: it tells how the remaining loops turned out and leaves reminders due now.
    return [
        members.seed,
        direction.seed,
        vibrancy.seed,
        practice_demo.seed,
        demo_value.seed,
        demo_loops.seed,
        demo_learning.seed,
    ]
