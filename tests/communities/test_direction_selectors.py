"""The Direction and members pages read through selectors that return page dataclasses."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Membership, VisionDraft
from communities.selectors import direction, members
from tests.factories import MembershipFactory, ObjectiveFactory, VisionDraftFactory, VisionStanceFactory

pytestmark = pytest.mark.django_db


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_direction_page_gives_each_draft_its_alignment_and_my_stance(community, core, member):
    draft = VisionDraftFactory(community=community, author=core)
    VisionStanceFactory(draft=draft, user=member, stance="concerns")
    VisionStanceFactory(draft=draft, user=core, stance="support")
    overdue = ObjectiveFactory(community=community, owner=member, due_date=timezone.localdate().replace(year=2020))
    page = direction.direction_page(community=community, user=member)
    (row,) = page.in_progress
    assert (row.title, row.my_stance) == (draft.title, "Support with concerns")
    assert (row.alignment.support, row.alignment.concerns) == (1, 1)
    assert row.alignment.members == Membership.objects.filter(community=community).count()
    assert [o.pk for o in page.objectives if o.overdue] == [overdue.pk] and page.overdue_count == 1
    assert not hasattr(row.obj, "alignment")  # the model object carries no page facts


def test_the_direction_page_costs_the_same_however_many_drafts(community, core, member):
    VisionDraftFactory(community=community, author=core)
    before = _queries(lambda: direction.direction_page(community=community, user=member))
    for _ in range(4):
        d = VisionDraftFactory(community=community, author=core, status=VisionDraft.Status.ADOPTED)
        VisionStanceFactory(draft=d, user=member)
        ObjectiveFactory(community=community, owner=member)
    assert _queries(lambda: direction.direction_page(community=community, user=member)) == before


def test_the_draft_page_shows_how_each_stance_moved(community, core, member):
    from communities.services import direction as services

    draft = VisionDraftFactory(community=community, author=core)
    services.vision_stance_set(draft=draft, user=member, stance="object", comment="Too vague.")
    services.vision_stance_set(draft=draft, user=member, stance="support")
    page = direction.draft_page(draft=draft, user=member)
    (stance,) = page.stances
    assert [c.stance for c in stance.earlier] == ["object"]
    assert page.my_stance.stance == "support" and page.draft.alignment.support == 1


def test_the_members_page_marks_newcomers_in_its_rows(community, sponsor, member):
    newcomer = MembershipFactory(community=community).user
    me = Membership.objects.get(community=community, user=sponsor)
    page = members.members_page(community=community, membership=me, now=timezone.now())
    marked = {row.user_id: row.newcomer for row in page.rows}
    assert marked[newcomer.pk] is Membership.objects.get(community=community, user=newcomer).is_newcomer(
        now=timezone.now()
    )
    assert page.page.paginator.count == Membership.objects.filter(community=community).count()
    assert page.sponsors_besides_me is False
