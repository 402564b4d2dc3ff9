"""The Direction sections of the community home: purpose, adopted vision, objectives, recent activity."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from communities.models import ActivityLog, Community
from communities.services import direction as services
from tests.communities.direction_helpers import count_queries, warm
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    ObjectiveFactory,
    PurposeVersionFactory,
    VisionDraftFactory,
    VisionStanceFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)


def _home(community) -> str:
    return reverse("communities:home", kwargs={"slug": community.slug})


def test_it_shows_purpose_vision_objectives_and_activity_to_members(community, sponsor, facilitator, member, as_user):
    with time_machine.travel(NOW, tick=False):
        services.purpose_set(community=community, author=sponsor, text="We exist to make **medication** safer.")
        draft = VisionDraftFactory(
            community=community, author=facilitator, title="No harm twice", text="Every lesson travels to every ward."
        )
        services.vision_adopt(draft=draft, actor=sponsor)
        ObjectiveFactory(
            community=community, owner=member, title="Huddles on every ward", due_date=date(2026, 5, 1), status="active"
        )
        ObjectiveFactory(
            community=community, owner=member, title="Pharmacist on call", due_date=date(2026, 9, 1), status="planned"
        )
        ObjectiveFactory(
            community=community, owner=member, title="Old win", due_date=date(2026, 1, 1), status="achieved"
        )
        response = as_user(member).get(_home(community))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="lead-purpose markdown"><p>We exist to make <strong>medication</strong> safer.</p>' in html
    assert "No harm twice" in html and "Every lesson travels to every ward." in html
    assert "Adopted on 20 May 2026" in html
    assert "Huddles on every ward" in html and "Pharmacist on call" in html
    assert "Old win" not in html  # achieved objectives are counted, not listed
    assert "1 overdue" in html and ">Overdue</span>" in html
    assert "2 open · 1 achieved" in html
    assert "Sponsor set the purpose" in html
    assert "Sponsor adopted “No harm twice” as the vision" in html


def test_it_keeps_moderation_out_of_the_members_activity(community, facilitator, member, as_user):
    ActivityLog.objects.create(
        community=community, actor=facilitator, action="membership.remove", summary="Facilitator removed Someone"
    )
    ActivityLog.objects.create(
        community=community, actor=facilitator, action="community.settings", summary="Facilitator changed visibility"
    )
    ActivityLog.objects.create(
        community=community,
        actor=facilitator,
        action="objective.create",
        summary="Facilitator set the objective “Huddles”",
    )
    html = as_user(member).get(_home(community)).content.decode()
    assert "Facilitator set the objective “Huddles”" in html
    assert "removed Someone" not in html
    assert "changed visibility" not in html


def test_it_invites_the_sponsor_to_set_a_missing_purpose(community, sponsor, member, as_user):
    assert "Set the purpose" in as_user(sponsor).get(_home(community)).content.decode()
    html = as_user(member).get(_home(community)).content.decode()
    assert "The sponsor has not set the purpose yet." in html
    assert "No vision adopted yet." in html


def test_it_shows_visitors_of_an_open_community_the_purpose_and_vision_only(client):
    community = CommunityFactory(visibility=Community.Visibility.OPEN)
    owner = MembershipFactory(community=community).user
    PurposeVersionFactory(community=community, author=owner, text="Open purpose text.")
    VisionDraftFactory(
        community=community, status="adopted", is_current=True, adopted_at=timezone.now(), title="Open vision"
    )
    ObjectiveFactory(community=community, owner=owner, title="Members-only objective")
    ActivityLog.objects.create(community=community, actor=owner, action="purpose.update", summary="Owner set it")
    html = client.get(_home(community)).content.decode()
    assert "Open purpose text." in html and "Open vision" in html
    assert "Members-only objective" not in html
    assert "Owner set it" not in html
    assert f'href="/c/{community.slug}/direction/' not in html


def test_it_hides_a_private_home_from_outsiders(community, outsider, stranger, as_user):
    PurposeVersionFactory(community=community)
    assert as_user(outsider).get(_home(community)).status_code == 404
    assert as_user(stranger).get(_home(community)).status_code == 404
    assert as_user(None).get(_home(community)).status_code == 302


def _grow(community, sponsor, n: int) -> None:
    """n more members, drafts with stances, objectives (some overdue), purposes and log lines."""
    for _ in range(n):
        user = MembershipFactory(community=community).user
        draft = VisionDraftFactory(community=community, author=user)
        VisionStanceFactory(draft=draft, user=user, stance="support")
        ObjectiveFactory(community=community, owner=user, due_date=date(2020, 1, 1), status="active")
        ObjectiveFactory(community=community, owner=user, status="planned")
        PurposeVersionFactory(community=community, author=sponsor)
        ActivityLog.objects.create(community=community, actor=user, action="vision.draft", summary="drafted")


def test_it_renders_the_home_page_in_constant_queries(community, sponsor, member, as_user, django_assert_num_queries):
    VisionDraftFactory(community=community, status="adopted", is_current=True, adopted_at=timezone.now())
    client = as_user(member)
    url = _home(community)
    _grow(community, sponsor, 3)
    warm(client, url)
    # Other areas add their own home sections; what this proves is that the count does not grow.
    queries = count_queries(client, url)
    _grow(community, sponsor, 6)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_it_costs_one_query_per_direction_section(community, sponsor, member, django_assert_num_queries, rf):
    from communities.access import CommunityAccess
    from communities.models import Membership
    from communities.sections import home as views

    _grow(community, sponsor, 4)
    access = CommunityAccess(community=community, membership=Membership.objects.get(community=community, user=member))
    request = rf.get("/")
    request.user = member
    with django_assert_num_queries(1):
        views.home_purpose(request, access)
    with django_assert_num_queries(1):
        views.home_vision(request, access)
    with django_assert_num_queries(2):  # the open objectives, and the counts
        section = views.home_objectives(request, access)
    with django_assert_num_queries(1):
        views.home_activity(request, access)
    assert len(section["objectives"]) == views.HOME_OBJECTIVES
    assert section["counts"]["overdue"] == 4


def test_it_seeds_the_direction_demo_story_once(db, as_user):
    from communities.demo import core as demo_core
    from communities.demo import direction as demo_direction
    from communities.models import (
        InquiryContribution,
        Objective,
        PurposeVersion,
        VisionDraft,
        VisionStance,
        VisionStanceChange,
    )

    demo = demo_core.seed()
    demo_direction.seed(demo)
    demo_direction.seed(demo)  # idempotent
    community = demo.community
    assert PurposeVersion.objects.filter(community=community).count() == 2
    drafts = VisionDraft.objects.filter(community=community)
    assert drafts.filter(is_current=True).count() == 1 and drafts.filter(status="open").count() == 1
    open_stances = set(VisionStance.objects.filter(draft__status="open").values_list("stance", flat=True))
    assert open_stances == {"support", "concerns", "object"}
    moved = VisionStanceChange.objects.filter(draft__status="open", user=demo.users["bram.core"])
    assert list(moved.values_list("stance", flat=True)) == ["concerns", "support"]  # once, despite two seeds
    phases = set(InquiryContribution.objects.filter(inquiry__community=community).values_list("phase", flat=True))
    assert phases == {"discover", "dream", "design", "destiny"}
    objectives = Objective.objects.filter(community=community)
    assert objectives.filter(status="achieved").count() == 1
    assert objectives.overdue(today=services.community_today(community)).count() == 1
    assert community.value_proposition.is_published
    html = as_user(demo.users["member"]).get(_home(community)).content.decode()
    assert "no patient in our hospital is harmed twice" in html
    assert "Learning travels faster than incidents" in html
    assert "1 overdue" in html


@pytest.mark.parametrize(
    "first_line", ["**Learning travels faster.**", "# Learning travels faster", "Learning travels faster"]
)
def test_it_shows_the_adopted_visions_title_once(community, sponsor, facilitator, member, as_user, first_line):
    draft = VisionDraftFactory(
        community=community,
        author=facilitator,
        title="Learning travels faster",
        text=f"{first_line}\n\n- Every question answered within 48 hours.",
    )
    services.vision_adopt(draft=draft, actor=sponsor)
    html = as_user(member).get(_home(community)).content.decode()
    section = html[html.index('aria-labelledby="home-vision-heading"') :]
    section = section[: section.index("</section>")]
    assert section.count("Learning travels faster") == 1
    assert "Every question answered within 48 hours." in section


def test_it_keeps_a_first_line_that_says_more_than_the_title(community, sponsor, facilitator, member, as_user):
    draft = VisionDraftFactory(
        community=community, author=facilitator, title="No harm twice", text="No harm twice, on any ward.\n\nMore."
    )
    services.vision_adopt(draft=draft, actor=sponsor)
    html = as_user(member).get(_home(community)).content.decode()
    assert "No harm twice, on any ward." in html
