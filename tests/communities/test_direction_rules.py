"""Direction's permission rules live on CommunityAccess; the services check them too (PermissionDenied)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from communities.models import Objective, VisionDraft
from communities.services import direction as services
from tests.factories import InquiryFactory, ObjectiveFactory, VisionDraftFactory

pytestmark = pytest.mark.django_db


def test_a_core_member_changes_their_own_draft_but_not_anothers(community, core, facilitator):
    own = VisionDraftFactory(community=community, author=core, status=VisionDraft.Status.DRAFT)
    theirs = VisionDraftFactory(community=community, author=facilitator, status=VisionDraft.Status.DRAFT)
    services.vision_draft_update(draft=own, actor=core, title="Ours", text="Better together.")
    with pytest.raises(PermissionDenied):
        services.vision_draft_update(draft=theirs, actor=core, title="Mine now", text="No.")
    with pytest.raises(PermissionDenied):
        services.vision_draft_open(draft=theirs, actor=core)
    with pytest.raises(PermissionDenied):
        services.vision_draft_withdraw(draft=theirs, actor=core)
    theirs.refresh_from_db()
    assert theirs.title != "Mine now"
    assert theirs.status == VisionDraft.Status.DRAFT
    own.refresh_from_db()
    assert own.title == "Ours"


def test_members_neither_propose_nor_adopt_and_core_cannot_draft_from_an_inquiry(community, member, core, sponsor):
    with pytest.raises(PermissionDenied):
        services.vision_draft_create(community=community, author=member, title="T", text="Text")
    inquiry = InquiryFactory(community=community, opened_by=sponsor)
    with pytest.raises(PermissionDenied):
        services.vision_draft_create(community=community, author=core, title="T", text="Text", inquiry=inquiry)
    draft = VisionDraftFactory(community=community, author=core)
    with pytest.raises(PermissionDenied):
        services.vision_adopt(draft=draft, actor=member)
    assert not VisionDraft.objects.filter(title="T").exists()
    draft.refresh_from_db()
    assert not draft.is_current
    services.vision_adopt(draft=draft, actor=sponsor)
    draft.refresh_from_db()
    assert draft.is_current


def test_an_objectives_owner_updates_its_status_only(community, member, facilitator):
    objective = ObjectiveFactory(community=community, owner=member)
    services.objective_update(objective=objective, actor=member, status=Objective.Status.ACTIVE)
    with pytest.raises(PermissionDenied):
        services.objective_update(objective=objective, actor=member, title="Renamed by the owner")
    objective.refresh_from_db()
    assert objective.status == Objective.Status.ACTIVE
    assert objective.title != "Renamed by the owner"
    services.objective_update(objective=objective, actor=facilitator, title="Renamed by a facilitator")
    objective.refresh_from_db()
    assert objective.title == "Renamed by a facilitator"


def test_another_member_cannot_touch_someone_elses_objective(community, member, core):
    objective = ObjectiveFactory(community=community, owner=core)
    with pytest.raises(PermissionDenied):
        services.objective_update(objective=objective, actor=member, status=Objective.Status.ACHIEVED)
    objective.refresh_from_db()
    assert objective.status != Objective.Status.ACHIEVED
