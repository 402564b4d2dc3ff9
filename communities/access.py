"""Who may see and do what in a community: one helper per question, used by every view.

A private community does not exist for outsiders: they get the same 404 as a slug that was
never used. Members who try an action above their role get 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone

from communities.models import Community, Membership, Role


@dataclass(frozen=True)
class CommunityAccess:
    """A community as seen by the current user, with their membership (None for non-members)."""

    community: Community
    membership: Membership | None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    def has_role(self, role: Role) -> bool:
        return self.membership is not None and self.membership.has_role(role)

    @property
    def is_core(self) -> bool:
        return self.has_role(Role.CORE)

    @property
    def is_facilitator(self) -> bool:
        return self.has_role(Role.FACILITATOR)

    @property
    def is_sponsor(self) -> bool:
        return self.has_role(Role.SPONSOR)

    @property
    def is_newcomer(self) -> bool:
        return self.membership is not None and self.membership.is_newcomer(now=timezone.now())

    def require(self, role: Role = Role.MEMBER) -> None:
        """Raise 403 unless the user holds ``role`` or one with more responsibility."""
        if not self.has_role(role):
            raise PermissionDenied


def _load(request: HttpRequest, slug: str) -> CommunityAccess:
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    membership = None
    if request.user.is_authenticated:
        membership = Membership.objects.filter(community=community, user=request.user).first()
    if membership is None and community.is_private:
        raise Http404  # indistinguishable from a slug that never existed
    # The page shows times in the community's zone (TimeZoneMiddleware resets it after the request).
    timezone.activate(community.tzinfo)
    return CommunityAccess(community=community, membership=membership)


def community_for_viewer(request: HttpRequest, slug: str) -> CommunityAccess:
    """Pages anyone may read for a visible community (home): 404 only when private."""
    return _load(request, slug)


def community_for_member(request: HttpRequest, slug: str, role: Role = Role.MEMBER) -> CommunityAccess:
    """Pages for members: 404 for outsiders of a private community, 403 below ``role``."""
    access = _load(request, slug)
    access.require(role)
    return access
