"""A real SMTP server for tests (aiosmtpd, in a thread, on a free 127.0.0.1 port) that counts Message-IDs.

Workers get ``EMAIL_URL=smtp://127.0.0.1:<port>``. ``SmtpSink.received`` counts each Message-ID
the server accepted (a resend of the same email counts twice). ``before_accept`` lets a test act
while a client is in the middle of a DATA exchange, before the server accepts the message; for
instance, kill that client (:func:`pid_of_peer` finds its process from the connection).
"""

from __future__ import annotations

import os
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    def __init__(self, before_accept: Callable[[tuple[str, int], str], bool] | None = None):
        self.received: Counter[str] = Counter()
        # Every accepted message, as the server received it (parse with the ``email`` module).
        self.messages: list[bytes] = []
        self.refused = 0
        self.lock = threading.Lock()
        # Called with (peer address, Message-ID) before accepting; returning True refuses the message.
        self.before_accept = before_accept

    async def handle_DATA(self, server, session, envelope) -> str:
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        message_id = (headers.get("Message-ID") or "").strip()
        if self.before_accept is not None and self.before_accept(session.peer, message_id):
            with self.lock:
                self.refused += 1
            return "451 Requested action aborted: try again later"
        with self.lock:
            self.received[message_id] += 1
            self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())

    def distinct(self, prefix: str = "") -> set[str]:
        with self.lock:
            return {m for m in self.received if m.startswith(prefix)}

    def duplicates(self) -> dict[str, int]:
        with self.lock:
            return {m: n for m, n in self.received.items() if n > 1}


@contextmanager
def smtp_sink(before_accept: Callable[[tuple[str, int], str], bool] | None = None) -> Iterator[tuple[SmtpSink, int]]:
    """Run an SMTP server for the block; yield (sink, port)."""
    sink = SmtpSink(before_accept)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def pid_of_peer(peer: tuple[str, int], pids: Iterable[int]) -> int | None:
    """The process, among ``pids``, that owns the TCP connection whose local end is ``peer`` (Linux /proc)."""
    port = peer[1]
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(fields[9])
        except OSError:
            continue
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return None
