"""The world of the guard-rail tests: one object of every kind in ``community`` and in ``other_community``.

``world.mine[kind]`` and ``world.other[kind]`` are what the route table's URL arguments name
(``pk="help_request"``). Tokens (``*_token``) are credentials, not ids: they are not swapped for
another community's. A new kind of object gets a line in ``_seed`` (it is called for both communities).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from communities.models import (
    ActivityLog,
    Community,
    DataExport,
    FocusDimension,
    Membership,
    Role,
    StrategyVersion,
    User,
    VibrancyScore,
)
from communities.services.notify import unsubscribe_token
from communities.vibrancy_guidance import ensure_dimensions
from practice.models import Advice, FollowUp, Outcome, PrivacyFlag
from practice.services.sessions import feed_token
from tests.factories import (
    ContributionFactory,
    InquiryFactory,
    InvitationFactory,
    JoinRequestFactory,
    NotificationFactory,
    ObjectiveFactory,
    PurposeVersionFactory,
    TagFactory,
    UserFactory,
    ValuePropositionFactory,
    VibrancyRoundFactory,
    VisionDraftFactory,
    VisionStanceFactory,
)
from tests.practice.factories import (
    AdviceFactory,
    AdviceResponseFactory,
    DiscussionCommentFactory,
    HelpRequestFactory,
    KudosFactory,
)
from tests.practice.factories_learning import ArtefactFactory, NewcomerPathItemFactory
from tests.practice.factories_sessions import PracticeSessionFactory, SessionRSVPFactory


@dataclass(frozen=True)
class World:
    community: Community
    other_community: Community
    mine: dict[str, Any]
    other: dict[str, Any]


def _seed(
    community: Community, *, asker: User, writer: User, facilitator: User, reader: User, target: User
) -> dict[str, Any]:
    """One object of every kind in ``community``, by kind. ``asker`` asks, owns and discusses; ``writer``
    drafts and advises; ``reader`` receives the notification; ``target``'s membership is acted on."""
    from communities.models import Dimension

    ensure_dimensions(Dimension)
    voice = Dimension.objects.get(slug="voice")
    tag = TagFactory(community=community, name="medication safety", slug="medication-safety")
    PurposeVersionFactory(community=community, author=facilitator)
    StrategyVersion.objects.create(community=community, text="Learn from every incident, together.", author=facilitator)
    draft = VisionDraftFactory(community=community, author=writer, status="open")
    VisionStanceFactory(draft=draft, user=asker)
    vision_comment = draft.comments.create(author=asker, text="Closer to the wards, please.")
    inquiry = InquiryFactory(community=community, opened_by=facilitator)
    inquiry_contribution = ContributionFactory(inquiry=inquiry, author=asker)
    objective = ObjectiveFactory(community=community, owner=asker, created_by=facilitator)
    ValuePropositionFactory(community=community, updated_by=facilitator, published_at=timezone.now())
    applicant = UserFactory(display_name=f"Applicant to {community.slug}")
    join_request = JoinRequestFactory(community=community, user=applicant)
    invitation_token = f"guards-{community.slug}-invitation-0123456789"
    invitation = InvitationFactory(community=community, invited_by=facilitator, token=invitation_token)
    round_ = VibrancyRoundFactory(community=community, opened_by=facilitator)
    VibrancyScore.objects.create(round=round_, dimension=voice, user=asker, now=3, should_be=8, comment="Louder!")
    FocusDimension.objects.create(community=community, dimension=voice, set_by=facilitator)
    help_request = HelpRequestFactory(community=community, author=asker)
    help_request.tags.add(tag)
    advice = AdviceFactory(request=help_request, author=writer)
    advice_response = AdviceResponseFactory(advice=advice, kind="discuss", note="I see it differently")
    comment = DiscussionCommentFactory(advice=advice, author=asker)
    KudosFactory(advice=advice, user=asker)
    # A closed learning loop: the asker tried the advice and reported how it turned out.
    FollowUp.objects.create(request=help_request, community=community, asker=asker, due_at=timezone.now(),
                            state="closed", closed_at=timezone.now())  # fmt: skip
    outcome = Outcome.objects.create(request=help_request, community=community, author=asker, result="resolved")
    ActivityLog.objects.create(community=community, actor=facilitator, action="purpose", summary="Purpose set")
    notification = NotificationFactory(user=reader, community=community, url=help_request.get_absolute_url())
    artefact = ArtefactFactory(community=community, authors=[writer], published=True, tags=[tag])
    artefact_version = artefact.versions.create(number=1, kind=artefact.kind, title=artefact.title, author=writer)
    path_item = NewcomerPathItemFactory(artefact=artefact)
    practice_session = PracticeSessionFactory(community=community, created_by=facilitator)
    SessionRSVPFactory(session=practice_session, user=asker)
    privacy_flag = PrivacyFlag.objects.create(
        community=community, content_type=ContentType.objects.get_for_model(Advice), object_id=advice.pk, reporter=asker
    )
    agenda_item = practice_session.agenda.create(request=help_request, added_by=asker, status="proposed", reason="Hard")
    return {
        "membership": Membership.objects.get(community=community, user=target),
        "vision_draft": draft,
        "vision_comment": vision_comment,
        "inquiry": inquiry,
        "inquiry_contribution": inquiry_contribution,
        "objective": objective,
        "join_request": join_request,
        "invitation": invitation,
        "vibrancy_round": round_,
        "help_request": help_request,
        "advice": advice,
        "comment": comment,
        "advice_response": advice_response,
        "outcome": outcome,
        "notification": notification,
        "artefact": artefact,
        "artefact_version": artefact_version,
        "path_item": path_item,
        "practice_session": practice_session,
        "agenda_item": agenda_item,
        "privacy_flag": privacy_flag,
        "invitation_token": invitation_token,  # the link's token (only its digest is stored)
        "unsubscribe_token": unsubscribe_token(user=reader, category="requests"),
        "calendar_token": feed_token(reader),
        "data_export_token": DataExport.objects.create(
            user=reader,
            status="ready",
            content=b"PK",
            size=2,
            ready_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=7),
        ).token,
    }


@pytest.fixture
def world(community, other_community, personas) -> World:
    """The private ``community`` with its personas, and ``other_community`` (the stranger's), fully seeded."""
    p = personas
    other_asker = UserFactory(display_name="Other asker")
    Membership.objects.create(community=other_community, user=other_asker, role=Role.MEMBER)
    mine = _seed(
        community,
        asker=p["member"],
        writer=p["core"],
        facilitator=p["facilitator"],
        reader=p["sponsor"],
        target=p["newcomer"],  # a facilitator changes the newcomer's role, not the world's authors'
    )
    other = _seed(
        other_community,
        asker=other_asker,
        writer=p["stranger"],
        facilitator=p["stranger"],
        reader=p["stranger"],
        target=other_asker,
    )
    return World(community=community, other_community=other_community, mine=mine, other=other)
