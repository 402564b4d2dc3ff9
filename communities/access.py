"""Who may see and do what in a community: one helper per question, used by every view.

A private community does not exist for outsiders: they get the same 404 as a slug that was
never used. Members who try an action above their role get 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone

from communities.models import Community, Membership, Role

if TYPE_CHECKING:
    from communities.models import Objective, User, VisionDraft


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

    @classmethod
    def of(cls, community: Community, user: User | None) -> CommunityAccess:
        """``user``'s access to ``community`` (one query): for services that check a rule themselves."""
        membership = None
        if user is not None and user.pk is not None:
            membership = Membership.objects.filter(community=community, user=user).first()
        return cls(community=community, membership=membership)

    @property
    def user_id(self) -> int | None:
        return self.membership.user_id if self.membership else None

    # --- Rules: views show and check them; the services check them again (PermissionDenied). ------

    def may_edit_draft(self, draft: VisionDraft) -> bool:
        """Edit, open or withdraw a vision draft: facilitators any, core members their own."""
        return self.is_facilitator or (self.is_core and draft.author_id == self.user_id)

    def may_draft_from_inquiry(self) -> bool:
        """Build a vision draft from an appreciative inquiry: a facilitator's tool."""
        return self.is_facilitator

    def may_change_objective(self, objective: Objective, fields: Iterable[str]) -> bool:
        """Facilitators change any field; the owner changes the status only."""
        if self.is_facilitator:
            return True
        return self.is_member and objective.owner_id == self.user_id and set(fields) <= {"status"}

    def content_edit_mode(self, post: Editable, user: User | None, *, now: datetime | None = None) -> str | None:
        """How ``user`` may edit a request, advice or discussion message: ``AUTHOR`` within the edit
        window, ``MODERATOR`` for a facilitator (who gives a reason), None when not at all."""
        if post.author_may_edit(user, now=now):
            return AUTHOR
        if self.is_facilitator:
            return MODERATOR
        return None


AUTHOR, MODERATOR = "author", "moderator"


class Editable(Protocol):
    author_id: int | None

    def author_may_edit(self, user: User | None, *, now: datetime | None = None) -> bool: ...


def check(allowed: bool, message: str = "") -> None:
    """Raise PermissionDenied unless ``allowed`` (services checking a rule the view already showed)."""
    if not allowed:
        raise PermissionDenied(message)


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
