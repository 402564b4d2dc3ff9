"""The learning loop on the request page: ``{% request_loop help_request %}`` (three queries)."""

from __future__ import annotations

from django import template

from practice.models import Advice, FollowUp
from practice.selectors.loops import request_loop
from practice.services.loops import local_date

register = template.Library()


@register.inclusion_tag("practice/loops/_request_loop.html", takes_context=True)
def request_loop_section(context, help_request) -> dict:
    user = context["request"].user
    community = context["community"]
    data = request_loop(help_request=help_request, user=user)
    follow_up: FollowUp | None = data["follow_up"]
    outcome = data["outcome"]
    advice = list(help_request.advice.all())  # prefetched by the request page's selector
    helped: list[Advice] = [a for a in advice if a.pk in data["helped_ids"]]
    return {
        **data,
        "help_request": help_request,
        "community": community,
        "user": user,
        "show_hidden": context.get("show_hidden", False),
        "is_asker": help_request.author_id == user.pk,
        "helped": helped,
        "my_advice_helped": any(a.author_id == user.pk for a in helped),
        "next_on": local_date(follow_up.due_at, community) if follow_up and follow_up.is_pending else "",
        "tried_on": local_date(follow_up.created_at, community) if follow_up else "",
        "recorded_on": local_date(outcome.recorded_at, community) if outcome else "",
        "csrf_token": context.get("csrf_token"),
    }
