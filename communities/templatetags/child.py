"""Template helpers used across the portal."""

from __future__ import annotations

from django import template
from django.urls import reverse

from communities import sections
from communities.models import Role

register = template.Library()


@register.simple_tag(takes_context=True)
def community_tabs(context) -> list[dict]:
    """The tabs of the community bar this user may see, with the current one marked."""
    access = context.get("access")
    request = context.get("request")
    if access is None or not access.is_member:
        return []
    current = request.resolver_match.view_name if request and request.resolver_match else ""
    out = []
    for tab in sections.tabs():
        if not access.has_role(Role(tab.role)):
            continue
        out.append(
            {
                "label": tab.label,
                "url": reverse(tab.url_name, kwargs={"slug": access.community.slug}),
                "active": current.startswith(tab.active_prefix),
            }
        )
    return out


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    """Render user Markdown through the safe pipeline (markdown-it-py, raw HTML off, then nh3)."""
    from django.utils.safestring import mark_safe

    from childsys.lib.markdown import render_markdown

    return mark_safe(render_markdown(text))


@register.simple_tag
def submit_token() -> str:
    """The one-time token of a hand-written creating form (crispy forms get it from SubmitOnceMixin)."""
    import uuid

    from django.utils.html import format_html

    return format_html('<input type="hidden" name="submit_token" value="{}">', uuid.uuid4())


@register.filter
def without_title(text: str, title: str) -> str:
    """Markdown ``text`` without a first line that only repeats ``title`` (e.g. ``**Title.**``), shown above it."""

    def bare(line: str) -> str:
        return line.strip().strip("#*_ ").rstrip(".!:").strip().casefold()

    lines = (text or "").lstrip("\n").splitlines()
    if lines and bare(lines[0]) and bare(lines[0]) == bare(title or ""):
        return "\n".join(lines[1:]).lstrip("\n")
    return text


@register.filter(name="markdown_text")
def markdown_text_filter(text: str) -> str:
    """User Markdown as readable plain text (an email's text part): bullets kept, markers dropped."""
    from childsys.lib.markdown import markdown_to_text

    return markdown_to_text(text)


@register.filter(name="markdown_excerpt")
def markdown_excerpt_filter(text: str, words: int = 40) -> str:
    """One line of plain text, at most ``words`` words: a notification's or a digest item's excerpt."""
    from childsys.lib.markdown import markdown_excerpt

    return markdown_excerpt(text, int(words))
