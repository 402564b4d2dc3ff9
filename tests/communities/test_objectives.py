"""Strategy and objectives: versioned strategy, ordered SMART objectives, overdue made visible."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from communities.models import ActivityLog, Objective, StrategyVersion
from tests.communities.direction_helpers import warm
from tests.factories import MembershipFactory, ObjectiveFactory, UserFactory, VisionDraftFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)


def _u(name: str, community, **kwargs) -> str:
    return reverse(f"communities:direction-{name}", kwargs={"slug": community.slug, **kwargs})


def _form(owner, **overrides) -> dict:
    return {
        "title": "Answer every request within 48 hours",
        "description": "Members commit to a first response.",
        "measure": "share of requests answered within 48 hours",
        "target": "90%",
        "owner": owner.pk,
        "due_date": "2026-09-30",
        "status": "active",
        **overrides,
    }


# --- Strategy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("member", 403),
        ("core", 403),
        ("facilitator", 302),
        ("sponsor", 302),
    ],
)
def test_it_lets_facilitators_and_the_sponsor_write_the_strategy(community, personas, as_user, persona, expected):
    response = as_user(personas[persona]).post(_u("strategy", community), {"text": "Learn in the open."})
    assert response.status_code == expected
    saved = StrategyVersion.objects.filter(community=community)
    assert saved.count() == (1 if persona in ("facilitator", "sponsor") else 0)


def test_it_keeps_strategy_versions_with_author_and_time(community, facilitator, sponsor, as_user):
    with time_machine.travel(NOW, tick=False):
        as_user(facilitator).post(_u("strategy", community), {"text": "First strategy."})
        as_user(sponsor).post(_u("strategy", community), {"text": "Second strategy."})
        response = as_user(sponsor).post(_u("strategy", community), {"text": "  "})
    assert "Write the strategy statement; it cannot be empty." in response.content.decode()
    versions = list(StrategyVersion.objects.filter(community=community).values_list("text", "author", "created_at"))
    assert versions == [("Second strategy.", sponsor.pk, NOW), ("First strategy.", facilitator.pk, NOW)]
    assert ActivityLog.objects.filter(action="strategy.update").count() == 2


# --- Objectives --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("newcomer", 403),
        ("member", 403),
        ("core", 403),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_lets_facilitators_and_the_sponsor_set_objectives(community, personas, as_user, persona, expected):
    client = as_user(personas[persona])
    assert client.get(_u("objective-create", community)).status_code == expected
    with time_machine.travel(NOW, tick=False):
        client = as_user(personas[persona])
        response = client.post(_u("objective-create", community), _form(personas["member"]))
    sets = persona in ("facilitator", "sponsor")
    assert response.status_code == (302 if sets or persona == "anonymous" else expected)
    assert Objective.objects.filter(community=community).count() == (1 if sets else 0)


def test_it_saves_an_objective_linked_to_the_vision_in_force(community, facilitator, member, as_user):
    VisionDraftFactory(community=community, status="adopted", is_current=False, title="Old vision")
    current = VisionDraftFactory(community=community, status="adopted", is_current=True, title="Current vision")
    with time_machine.travel(NOW, tick=False):
        as_user(facilitator).post(_u("objective-create", community), _form(member))
        as_user(facilitator).post(_u("objective-create", community), _form(member, title="Second"))
    first, second = Objective.objects.filter(community=community)
    assert (first.title, first.owner, first.due_date, first.status) == (
        "Answer every request within 48 hours",
        member,
        date(2026, 9, 30),
        "active",
    )
    assert (first.vision, first.created_by, first.position, second.position) == (current, facilitator, 0, 1)
    assert ActivityLog.objects.filter(action="objective.create", actor=facilitator).count() == 2


def test_it_refuses_a_due_date_in_the_past_and_keeps_the_input(community, facilitator, member, as_user):
    with time_machine.travel(NOW, tick=False):
        response = as_user(facilitator).post(_u("objective-create", community), _form(member, due_date="2026-05-19"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The due date is in the past; choose 20 May 2026 or later." in html
    assert 'value="Answer every request within 48 hours"' in html
    assert 'value="2026-05-19"' in html
    assert "Members commit to a first response." in html
    assert not Objective.objects.exists()


def test_it_accepts_today_in_the_communitys_time_zone(community, facilitator, member, as_user):
    community.time_zone = "Pacific/Auckland"  # already 21 May there
    community.save(update_fields=["time_zone"])
    with time_machine.travel(NOW.replace(hour=13), tick=False):
        response = as_user(facilitator).post(_u("objective-create", community), _form(member, due_date="2026-05-20"))
    assert response.status_code == 200
    assert "choose 21 May 2026 or later" in response.content.decode()


def test_it_requires_an_owner_from_this_community(community, facilitator, as_user):
    with time_machine.travel(NOW, tick=False):
        response = as_user(facilitator).post(_u("objective-create", community), _form(UserFactory()))
    assert "The owner must be a member of this community." in response.content.decode()
    assert not Objective.objects.exists()


def test_it_lets_an_overdue_objective_be_updated_without_moving_its_date(community, facilitator, member, as_user):
    objective = ObjectiveFactory(community=community, owner=member, due_date=date(2026, 4, 1), status="active")
    with time_machine.travel(NOW, tick=False):
        response = as_user(facilitator).post(
            _u("objective-edit", community, pk=objective.pk), _form(member, due_date="2026-04-01", status="achieved")
        )
        assert response.status_code == 302
        # Moving it to another past date is refused.
        response = as_user(facilitator).post(
            _u("objective-edit", community, pk=objective.pk), _form(member, due_date="2026-04-02")
        )
    assert "The due date is in the past" in response.content.decode()
    objective.refresh_from_db()
    assert (objective.status, objective.due_date) == ("achieved", date(2026, 4, 1))
    assert ActivityLog.objects.filter(action="objective.status").count() == 1


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("outsider", 404), ("member", 403), ("core", 403), ("facilitator", 200)],
)
def test_it_lets_facilitators_edit_objectives(community, personas, as_user, persona, expected):
    objective = ObjectiveFactory(community=community, owner=personas["core"])
    assert as_user(personas[persona]).get(_u("objective-edit", community, pk=objective.pk)).status_code == expected


def test_it_lets_the_owner_or_a_facilitator_set_the_status(community, core, member, facilitator, as_user):
    objective = ObjectiveFactory(community=community, owner=core, status="planned")
    url = _u("objective-status", community, pk=objective.pk)
    assert as_user(member).post(url, {"status": "dropped"}).status_code == 403
    assert as_user(core).post(url, {"status": "active"}).status_code == 302
    objective.refresh_from_db()
    assert objective.status == "active"
    assert as_user(facilitator).post(url, {"status": "achieved"}).status_code == 302
    objective.refresh_from_db()
    assert objective.status == "achieved"
    as_user(facilitator).post(url, {"status": "nonsense"})
    objective.refresh_from_db()
    assert objective.status == "achieved"


def test_it_reorders_objectives_up_and_down(community, facilitator, member, as_user):
    a, b, c = (
        ObjectiveFactory(community=community, owner=member, title=t, position=p)
        for t, p in [("A", 0), ("B", 1), ("C", 2)]
    )
    client = as_user(facilitator)

    def order() -> list[str]:
        return list(Objective.objects.filter(community=community).values_list("title", flat=True))

    client.post(_u("objective-move", community, pk=c.pk), {"direction": "up"})
    assert order() == ["A", "C", "B"]
    client.post(_u("objective-move", community, pk=a.pk), {"direction": "down"})
    assert order() == ["C", "A", "B"]
    client.post(_u("objective-move", community, pk=b.pk), {"direction": "down"})  # already last
    assert order() == ["C", "A", "B"]
    assert list(Objective.objects.filter(community=community).values_list("position", flat=True)) == [0, 1, 2]
    assert as_user(member).post(_u("objective-move", community, pk=b.pk), {"direction": "up"}).status_code == 403
    assert client.get(_u("objective-move", community, pk=b.pk)).status_code == 405


def test_it_gives_404_for_an_objective_of_another_community(community, facilitator, as_user):
    elsewhere = ObjectiveFactory()
    assert as_user(facilitator).get(_u("objective-edit", community, pk=elsewhere.pk)).status_code == 404
    assert as_user(facilitator).post(_u("objective-move", community, pk=elsewhere.pk)).status_code == 404


def test_it_marks_overdue_objectives_on_the_direction_page(community, member, as_user):
    ObjectiveFactory(community=community, owner=member, title="Late one", due_date=date(2026, 5, 1), status="active")
    ObjectiveFactory(community=community, owner=member, title="Done", due_date=date(2026, 5, 1), status="achieved")
    ObjectiveFactory(community=community, owner=member, title="Future", due_date=date(2026, 8, 1), status="planned")
    with time_machine.travel(NOW, tick=False):
        response = as_user(member).get(reverse("communities:direction", kwargs={"slug": community.slug}))
    overdue = {o.title: o.overdue for o in response.context["objectives"]}
    assert overdue == {"Late one": True, "Done": False, "Future": False}
    html = response.content.decode()
    assert "1 overdue" in html
    assert html.count(">Overdue</span>") == 1


OBJECTIVES_QUERIES = 14


def test_it_renders_objectives_in_constant_queries(community, facilitator, as_user, django_assert_num_queries):
    def grow(n: int) -> None:
        for _ in range(n):
            owner = MembershipFactory(community=community).user
            vision = VisionDraftFactory(community=community, status="adopted")
            ObjectiveFactory(community=community, owner=owner, vision=vision, due_date=date(2026, 1, 1))

    client = as_user(facilitator)
    url = reverse("communities:direction", kwargs={"slug": community.slug})
    grow(3)
    warm(client, url)
    with django_assert_num_queries(OBJECTIVES_QUERIES):
        assert client.get(url).status_code == 200
    grow(6)
    with django_assert_num_queries(OBJECTIVES_QUERIES):
        assert client.get(url).status_code == 200
