"""Template helpers of the members area."""

from __future__ import annotations

from django import template

from communities.models import Community, JoinRequest

register = template.Library()


@register.simple_tag
def pending_join_request(community: Community, user) -> JoinRequest | None:
    """The signed-in user's pending request to join ``community`` (one query), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return JoinRequest.objects.filter(community=community, user=user, state=JoinRequest.State.PENDING).first()
