"""Template helpers of the practice pages."""

from __future__ import annotations

from datetime import timedelta

from django import template

from communities.selectors.report_figures import DURATION, format_value
from practice.models.requests import ANONYMOUS_NAME

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


@register.simple_tag(takes_context=True)
def asker_name(context, help_request, default: str = "a former member") -> str:
    """``{% asker_name hr %}``: the asker's name, or "A member (anonymous)" for everyone but the asker."""
    return help_request.asker_name_for(context.get("user"), default)


@register.simple_tag(takes_context=True)
def author_name(context, item, help_request, default: str = "a former member") -> str:
    """``{% author_name item hr %}``: the author of ``item`` (advice, a discussion message, an outcome) on
    ``help_request``, hidden as "A member (anonymous)" when it is the anonymous asker's own."""
    if help_request is not None and help_request.masks(item.author_id, context.get("user")):
        return ANONYMOUS_NAME
    return item.author.name if item.author_id else default


@register.simple_tag(takes_context=True)
def name_of(context, person, help_request, default: str = "a former member") -> str:
    """``{% name_of asker help_request %}``: a person acting on ``help_request`` as the viewer (or an email's
    recipient, ``user``) may see them: "A member (anonymous)" for the anonymous asker."""
    return help_request.name_for(person, context.get("user"), default)


@register.simple_tag(takes_context=True)
def artefact_authors(context, artefact, default: str = "a former member") -> str:
    """``{% artefact_authors a %}``: its authors, the anonymous drafter as "A member (anonymous)"."""
    return ", ".join(artefact.author_names_for(context.get("user"))) or default


@register.simple_tag(takes_context=True)
def version_author(context, artefact, version, default: str = "a former member") -> str:
    """``{% version_author a v %}``: who saved a version, the anonymous drafter as "A member (anonymous)"."""
    if artefact.masks(version.author_id, context.get("user")):
        return ANONYMOUS_NAME
    return version.author.name if version.author_id else default
