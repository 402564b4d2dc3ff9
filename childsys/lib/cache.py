"""The shared cache (Redis), kept usable while Redis is down or hung.

Everything the portal keeps in the cache can be lost without harm: rate-limit counters (ours in
``childsys.lib.ratelimit`` and allauth's), the dashboard's figures. So when Redis refuses a
connection or does not answer within the socket timeouts of ``OPTIONS``, the portal goes on with a
per-process memory cache instead of answering 500:

- the first failure is logged once (``childsys.cache``, ERROR), and Redis is marked *away* for the
  whole process: every later cache call goes straight to the memory cache, without waiting on a
  socket. A hung Redis costs one request its socket timeout, not every request;
- a background thread re-probes Redis (PING, same timeouts) every ``RETRY_SECONDS``; once it
  answers, the process uses Redis again and logs that it is back (WARNING);
- while Redis is away, rate limits are counted per web process. That is a deliberate choice over
  counting in the database: an outage then costs no extra writes on the one service still up, and a
  limit stays within (number of processes x limit), which still stops a brute-force run. Nobody is
  locked out, which a database fallback could not promise if it were the database that struggled.

Sessions live in the database (``SESSION_ENGINE`` is Django's default), never only in the cache,
so nobody is signed out by an outage.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("childsys.cache")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class _Reachability:
    """Whether one Redis location answers, shared by every thread (and cache instance) of the process."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.lock = threading.Lock()
        self.away = False
        self.prober: threading.Thread | None = None

    def went_away(self, error: Exception, probe) -> None:
        with self.lock:
            if self.away:
                return
            self.away = True
            logger.error(
                "Cache at %s unreachable (%s: %s): using a per-process memory cache until it answers",
                self.location,
                type(error).__name__,
                error,
            )
            if self.prober is None or not self.prober.is_alive():
                self.prober = threading.Thread(
                    target=self._probe_until_back, args=(probe,), name="cache-probe", daemon=True
                )
                self.prober.start()

    def _probe_until_back(self, probe) -> None:
        while True:
            time.sleep(ResilientRedisCache.RETRY_SECONDS)
            try:
                probe()
            except UNREACHABLE:
                continue
            except Exception as error:  # an answer, even an error reply, means Redis is there again
                logger.info("Cache at %s answered the probe with %s", self.location, error)
            with self.lock:
                self.away = False
                logger.warning("Cache at %s answers again: back to the shared cache", self.location)
            return


_reachability: dict[str, _Reachability] = {}
_reachability_lock = threading.Lock()


def reachability(location: str) -> _Reachability:
    with _reachability_lock:
        if location not in _reachability:
            _reachability[location] = _Reachability(location)
        return _reachability[location]


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that falls back to a per-process memory cache while Redis is unreachable."""

    RETRY_SECONDS = 5.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        location = server if isinstance(server, str) else ",".join(server)
        self._reachability = reachability(location)
        fallback_params = {k: v for k, v in params.items() if k in {"TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION"}}
        fallback_params["OPTIONS"] = {"MAX_ENTRIES": 10_000}
        # LocMemCache instances with one name share their memory across threads.
        self._fallback = LocMemCache(f"redis-fallback:{location}", fallback_params)

    @property
    def is_away(self) -> bool:
        return self._reachability.away

    def _ping(self) -> None:
        self._cache.get_client(write=True).ping()

    def _call(self, name: str, *args, **kwargs):
        if not self._reachability.away:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self._reachability.went_away(error, self._ping)
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        self._fallback.clear()
        return self._call("clear")
