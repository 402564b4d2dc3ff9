"""Reads of the members page: the members (by role, then name), filtered by expertise, one page at a time.

A fixed number of queries whatever the number of members. What the page computes about a member
(being a newcomer) is a field of its row, never an attribute written onto the membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Value, When

from communities.models import Community, Membership, Role, Tag
from communities.selectors.rows import Row

MEMBERS_PER_PAGE = 30
ROLE_ORDER = Case(*(When(role=r.value, then=Value(r.rank)) for r in Role), output_field=IntegerField())


@dataclass(frozen=True)
class MemberRow(Row):
    newcomer: bool


@dataclass(frozen=True)
class MembersPage:
    page: Page  # of memberships: its numbers and links
    rows: list[MemberRow]  # the memberships of this page
    tag: Tag | None  # the expertise filtered on, None when not filtering
    sponsors_besides_me: bool


def members_page(
    *, community: Community, membership: Membership, tag_slug: str = "", page: str | None = None, now: datetime
) -> MembersPage:
    """Members of ``community`` as ``membership`` sees them, with ``tag_slug``'s experts only when given."""
    qs = (
        Membership.objects.filter(community=community)
        .select_related("user")
        .prefetch_related("expertise")
        .annotate(role_order=ROLE_ORDER)
        .order_by("-role_order", "user__display_name", "user__email")
    )
    tag = None
    if tag_slug:
        tag = Tag.objects.filter(community=community, slug=tag_slug).first()
        qs = qs.filter(expertise=tag) if tag else qs.none()
    current = Paginator(qs, MEMBERS_PER_PAGE).get_page(page)
    rows = [MemberRow(m, newcomer=m.is_newcomer(now=now)) for m in current]
    others = False
    if membership.role == Role.SPONSOR:
        others = Membership.objects.filter(community=community, role=Role.SPONSOR).exclude(pk=membership.pk).exists()
    return MembersPage(page=current, rows=rows, tag=tag, sponsors_besides_me=others)
