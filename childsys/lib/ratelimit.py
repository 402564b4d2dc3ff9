"""Rate limits kept in the shared Django cache (Redis in production), as sliding-window counters.

Each identity has one counter per fixed window (a minute, an hour); a hit is weighed against the
current window's count plus the previous window's, scaled by how much of the previous window still
lies inside the sliding one. So the limit holds over any stretch of ``period`` seconds (assuming
the previous window's hits were spread evenly), and nobody gets twice the limit by posting either
side of a window boundary, as a plain fixed window allows.

The counters live in the cache every web process shares, never in process memory, so a limit
holds however many web processes serve the site. Refused hits are not counted.
"""

from __future__ import annotations

import math
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


def _key(scope: str, ident: str | int, rate: Rate, window: int) -> str:
    return f"ratelimit:{scope}:{ident}:{window}"


def _counts(scope: str, ident: str | int, rate: Rate, now: float) -> tuple[int, int, float]:
    """(previous window's count, current window's count, share of the current window gone by)."""
    window = int(now // rate.period)
    previous_key, current_key = _key(scope, ident, rate, window - 1), _key(scope, ident, rate, window)
    counts = cache.get_many([previous_key, current_key])
    return counts.get(previous_key, 0), counts.get(current_key, 0), (now % rate.period) / rate.period


def hit(scope: str, ident: str | int, rate: Rate, *, now: float | None = None) -> bool:
    """Count one action; return False (and count nothing) when it would go over ``rate``."""
    now = time.time() if now is None else now
    key = _key(scope, ident, rate, int(now // rate.period))
    # Kept two periods: the next window reads it as its previous one. add() is a no-op when the
    # key exists; incr() is atomic on Redis, so two simultaneous hits never both take the last place.
    cache.add(key, 0, timeout=2 * rate.period + 5)
    try:
        current = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=2 * rate.period + 5)
        current = 1
    previous, _, elapsed = _counts(scope, ident, rate, now)
    if previous * (1 - elapsed) + current <= rate.limit:
        return True
    cache.decr(key)
    return False


def remaining(scope: str, ident: str | int, rate: Rate, *, now: float | None = None) -> int:
    now = time.time() if now is None else now
    previous, current, elapsed = _counts(scope, ident, rate, now)
    return max(0, math.floor(rate.limit - previous * (1 - elapsed) - current))


def retry_after(scope: str, ident: str | int, rate: Rate, *, now: float | None = None) -> int:
    """Seconds until one more hit would be allowed (0 when it is allowed now)."""
    now = time.time() if now is None else now
    previous, current, elapsed = _counts(scope, ident, rate, now)
    room = rate.limit - 1  # what the weighed counts may add up to, for one more hit to fit
    if current <= room:
        if previous * (1 - elapsed) <= room - current:
            return 0
        # Within this window, once the previous window's weight has shrunk enough.
        needed = 1 - (room - current) / previous
        return math.ceil((needed - elapsed) * rate.period) + 1
    # Not before the next window, in which this window's count becomes the weighed one.
    needed = 1 - room / current
    return math.ceil((1 - elapsed + needed) * rate.period) + 1
