"""``{% privacy_report_url post as url %}``: the registered "Report a privacy concern" URL of a post, or ""."""

from __future__ import annotations

from django import template

from communities import post_actions

register = template.Library()


@register.simple_tag
def privacy_report_url(post) -> str:
    return post_actions.report_url(post)
