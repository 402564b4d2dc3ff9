"""Fixed-window rate limits kept in the shared Django cache (Redis in production).

The counter lives in the cache every web process shares, never in process memory, so a limit
holds however many web processes serve the site.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    def describe(self) -> str:
        unit = {60: "a minute", 3600: "an hour", 86400: "a day"}.get(self.period, f"per {self.period} seconds")
        return f"{self.limit} {unit}"


def _key(scope: str, ident: str | int, rate: Rate, now: float) -> str:
    return f"ratelimit:{scope}:{ident}:{int(now // rate.period)}"


def hit(scope: str, ident: str | int, rate: Rate, *, now: float | None = None) -> bool:
    """Count one action; return False once ``rate`` is used up in the current window."""
    now = time.time() if now is None else now
    key = _key(scope, ident, rate, now)
    # add() is a no-op when the key exists; incr() is atomic on Redis.
    cache.add(key, 0, timeout=rate.period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=rate.period + 5)
        count = 1
    return count <= rate.limit


def remaining(scope: str, ident: str | int, rate: Rate, *, now: float | None = None) -> int:
    now = time.time() if now is None else now
    used = cache.get(_key(scope, ident, rate, now), 0)
    return max(0, rate.limit - used)


def retry_after(rate: Rate, *, now: float | None = None) -> int:
    """Seconds until the current window ends."""
    now = time.time() if now is None else now
    return int(rate.period - (now % rate.period)) + 1
