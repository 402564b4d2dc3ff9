"""Small middleware shared by the whole portal."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

_LAST_SEEN = "_last_seen"


class IdleSessionTimeoutMiddleware:
    """End a signed-in session that has been idle longer than ``SESSION_IDLE_TIMEOUT`` seconds.

    The absolute lifetime is ``SESSION_COOKIE_AGE``; this adds the idle limit on the server,
    so a stolen cookie stops working even if the browser keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            # Write at most once a minute so every page view does not rewrite the session row.
            elif now - last_seen >= 60 or _LAST_SEEN not in request.session:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


class TimeZoneMiddleware:
    """Every request starts, and ends, in the site's time zone (``TIME_ZONE``).

    A community's pages switch to the community's own zone when they load it
    (``communities.access``), so its members read times as they live them. The reset keeps a
    server thread from carrying one community's zone into the next request it serves.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
