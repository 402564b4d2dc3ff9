"""Template helpers of the practice pages."""

from __future__ import annotations

from datetime import timedelta

from django import template

from communities.selectors.report_figures import DURATION, format_value

register = template.Library()

STATUS_CLASSES = {
    "open": "text-bg-warning",
    "answered": "text-bg-info",
    "resolved": "text-bg-success",
    "closed": "text-bg-secondary",
    "withdrawn": "text-bg-light border",
}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light border")


@register.filter
def duration(value: timedelta | None) -> str:
    """A wait such as "3 h 20 min" or "2 d 4 h"; an em dash when there is none."""
    return format_value(value, DURATION)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def editable_by(post, user) -> bool:
    """``{% if item|editable_by:user %}``: the author may still edit this advice or message (the edit window)."""
    return post.author_may_edit(user)
