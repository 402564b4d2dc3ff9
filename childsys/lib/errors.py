"""Styled error pages. They render without a request context that could itself fail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader


def _render(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return HttpResponse(loader.render_to_string(template, {}, request), status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Rendered without the request (no user menu, no per-render CSRF token), so the body is
    # byte-identical for "never existed" and "private, not yours": nothing leaks which it was.
    return HttpResponse(loader.render_to_string("404.html", {}), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    template = loader.get_template("500.html")
    return HttpResponse(template.render({}), status=500)
