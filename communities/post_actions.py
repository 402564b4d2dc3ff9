"""Actions other apps offer on the posts communities owns, such as "Report a privacy concern".

The report and its review live in practice, which ``communities`` must not import: practice registers, in its
``AppConfig.ready``, a function per kind of post that returns the action's URL for one post. A communities
template asks for it with ``{% load post_actions %}{% privacy_report_url post as url %}`` and shows the link
only when the URL is not empty (no app registered the kind, or the post cannot be reported now).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import models

_REPORT_URLS: dict[type[models.Model], Callable[[models.Model], str]] = {}


def register(model: type[models.Model], fn: Callable[[models.Model], str]) -> None:
    """``fn(post)``: the URL where a member reports ``post`` (a ``model`` instance) for a privacy concern."""
    if model in _REPORT_URLS and _REPORT_URLS[model] is not fn:
        raise ImproperlyConfigured(f"A privacy report URL for {model.__name__} is already registered")
    _REPORT_URLS[model] = fn


def report_url(post: models.Model) -> str:
    """Where a member reports ``post`` for a privacy concern, or "" when it cannot be reported."""
    fn = _REPORT_URLS.get(type(post))
    return fn(post) if fn is not None else ""
