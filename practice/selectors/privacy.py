"""The facilitators' review queue of privacy concerns."""

from __future__ import annotations

from communities.models import Community
from practice.models import PrivacyFlag


def open_flags(community: Community) -> list[PrivacyFlag]:
    """Open flags, oldest first, with reporter and post loaded: a fixed number of queries per kind of post."""
    return list(
        PrivacyFlag.objects.filter(community=community, state=PrivacyFlag.State.OPEN)
        .select_related("reporter", "content_type")
        .prefetch_related("post")
    )
