"""Helpers shared by the Direction tests."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext


def without_csrf(response) -> str:
    """The page without its (per-response) CSRF tokens, to compare two pages."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def warm(client, url: str) -> None:
    """One request first: the session records its first activity (a write) only once."""
    assert client.get(url).status_code == 200


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)
