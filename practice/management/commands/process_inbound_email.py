"""``manage.py process_inbound_email FILE... | -``: process raw RFC 5322 messages like the poller does."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practice.inbound.service import process_inbound
from practice.models import InboundEmail


class Command(BaseCommand):
    help = "Process raw email replies (.eml files, or - for standard input) into advice and discussion messages."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", help="raw RFC 5322 messages; - reads one from standard input")

    def handle(self, *args, files: list[str], **options) -> None:
        failed = 0
        for name in files:
            if name == "-":
                raw = sys.stdin.buffer.read()
            else:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"{name}: no such file")
                raw = path.read_bytes()
            row = process_inbound(raw, source="command")
            failed += row.state == InboundEmail.State.FAILED
            self.stdout.write(f"{name}: {row.get_state_display()} - {row.outcome}")
        if failed:
            raise CommandError(f"{failed} message(s) failed; see Inbound emails in the admin")
