"""Template helpers of captured learning: the "learning from this thread" card on a request page."""

from __future__ import annotations

from django import template
from django.db.models import Q

from practice.models import HelpRequest, Outcome
from practice.selectors.learning import listed_artefacts

register = template.Library()


@register.inclusion_tag("practice/learning/_request_learning.html", takes_context=True)
def request_learning(context, help_request: HelpRequest) -> dict:
    """Artefacts drawn from this request (as the viewer may see them), and the ways to capture more (two queries)."""
    access = context["access"]
    request = context["request"]
    artefacts = list(
        listed_artefacts(
            access.community, request.user, can_see_drafts=access.is_core, show_hidden=access.is_facilitator
        )
        .filter(Q(source_requests=help_request) | Q(source_outcomes__request=help_request))
        .distinct()
        .order_by("-published_at", "-id")
    )
    return {
        "community": access.community,
        "hr": help_request,
        "artefacts": artefacts,
        "is_curator": access.is_core,
        "has_outcome": access.is_core and Outcome.objects.filter(request=help_request).exists(),
        "csrf_token": context.get("csrf_token"),
    }
