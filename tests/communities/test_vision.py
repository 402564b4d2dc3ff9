"""Vision co-creation: drafts, one stance per member, alignment, adoption of one current vision."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from communities.models import (
    ActivityLog,
    Alignment,
    Category,
    Notification,
    OutboundEmail,
    Role,
    VisionDraft,
    VisionStance,
    VisionStanceChange,
)
from communities.services import direction as services
from tests.communities.direction_helpers import warm
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    VisionDraftFactory,
    VisionStanceFactory,
)

pytestmark = pytest.mark.django_db

DRAFT_FORM = {"title": "Safer together", "text": "Every ward **learns** from every other ward.", "open_now": "on"}


def _u(name: str, community, **kwargs) -> str:
    return reverse(f"communities:direction-{name}", kwargs={"slug": community.slug, **kwargs})


def _members(community, n: int, role: Role = Role.MEMBER) -> list:
    return [MembershipFactory(community=community, role=role).user for _ in range(n)]


# --- Writing and opening drafts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("newcomer", 403),
        ("member", 403),
        ("core", 200),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_lets_sponsor_facilitators_and_core_write_drafts(community, personas, as_user, persona, expected):
    client = as_user(personas[persona])
    assert client.get(_u("draft-create", community)).status_code == expected
    response = client.post(_u("draft-create", community), DRAFT_FORM)
    writes = persona in ("core", "facilitator", "sponsor")
    assert response.status_code == (302 if writes or persona == "anonymous" else expected)
    assert VisionDraft.objects.filter(community=community).count() == (1 if writes else 0)
    if persona == "anonymous":
        assert response.url.startswith(reverse("account_login"))


def test_it_opens_a_draft_for_stances_and_notifies_the_members(community, personas, as_user):
    facilitator = personas["facilitator"]
    response = as_user(facilitator).post(_u("draft-create", community), DRAFT_FORM)
    draft = VisionDraft.objects.get(community=community)
    assert response.url == draft.get_absolute_url()
    assert (draft.status, draft.author, draft.text) == (VisionDraft.Status.OPEN, facilitator, DRAFT_FORM["text"])
    assert draft.opened_at is not None
    notified = Notification.objects.filter(category=Category.DIRECTION, community=community)
    members = {personas[p] for p in ("sponsor", "core", "member", "newcomer")}
    assert {n.user for n in notified} == members  # every member but the author, nobody outside
    assert all(n.url == draft.get_absolute_url() for n in notified)
    # Emails go to the outbox only (the default preference is "immediately"); nothing is sent here.
    emails = OutboundEmail.objects.filter(category=Category.DIRECTION)
    assert sorted(emails.values_list("to", flat=True)) == sorted(u.email for u in members)
    assert all(e.state == OutboundEmail.State.PENDING for e in emails)
    assert "Safer together" in emails.first().subject
    assert ActivityLog.objects.filter(community=community, action="vision.open", actor=facilitator).exists()


def test_it_keeps_a_draft_private_until_its_author_opens_it(community, core, member, facilitator, as_user):
    as_user(core).post(_u("draft-create", community), {**DRAFT_FORM, "open_now": ""})
    draft = VisionDraft.objects.get()
    assert draft.status == VisionDraft.Status.DRAFT
    assert not Notification.objects.exists()
    # Members cannot take a stance yet, nor open it.
    as_user(member).post(_u("draft-stance", community, pk=draft.pk), {"stance": "support"})
    assert not VisionStance.objects.exists()
    assert as_user(member).post(_u("draft-open", community, pk=draft.pk)).status_code == 403
    assert as_user(core).post(_u("draft-open", community, pk=draft.pk)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == VisionDraft.Status.OPEN
    assert set(Notification.objects.values_list("user", flat=True)) == {member.pk, facilitator.pk}


def test_it_lets_only_the_author_or_a_facilitator_edit_a_draft(community, core, facilitator, as_user):
    draft = VisionDraftFactory(community=community, author=facilitator, status=VisionDraft.Status.DRAFT)
    other_core = _members(community, 1, Role.CORE)[0]
    assert as_user(other_core).get(_u("draft-edit", community, pk=draft.pk)).status_code == 403
    own = VisionDraftFactory(community=community, author=core, status=VisionDraft.Status.DRAFT)
    response = as_user(core).post(_u("draft-edit", community, pk=own.pk), {"title": "Sharper", "text": "New text"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.title, own.text) == ("Sharper", "New text")
    as_user(facilitator).post(_u("draft-edit", community, pk=own.pk), {"title": "Sharper still", "text": "New text"})
    own.refresh_from_db()
    assert own.title == "Sharper still"


def test_it_refuses_an_empty_draft_and_keeps_what_was_typed(community, core, as_user):
    response = as_user(core).post(_u("draft-create", community), {"title": "Kept title", "text": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write the vision: what the community wants to become." in html
    assert 'value="Kept title"' in html
    assert not VisionDraft.objects.exists()


def test_it_gives_404_for_a_draft_of_another_community(community, member, as_user):
    elsewhere = VisionDraftFactory(community=CommunityFactory())
    assert as_user(member).get(_u("draft", community, pk=elsewhere.pk)).status_code == 404
    response = as_user(member).post(_u("draft-stance", community, pk=elsewhere.pk), {"stance": "support"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("newcomer", 200), ("member", 200), ("sponsor", 200)],
)
def test_it_shows_a_draft_to_members(community, personas, as_user, persona, expected):
    draft = VisionDraftFactory(community=community, author=personas["core"], text="We **learn** <b>x</b>")
    response = as_user(personas[persona]).get(draft.get_absolute_url())
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert "<strong>learn</strong>" in html
        assert "<b>x</b>" not in html


# --- Stances and comments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("newcomer", 302), ("member", 302), ("sponsor", 302)],
)
def test_it_lets_every_member_take_a_stance(community, personas, as_user, persona, expected):
    draft = VisionDraftFactory(community=community, author=personas["core"])
    response = as_user(personas[persona]).post(
        _u("draft-stance", community, pk=draft.pk), {"stance": "concerns", "comment": "Name the patients."}
    )
    assert response.status_code == expected
    taken = VisionStance.objects.filter(draft=draft)
    if persona in ("newcomer", "member", "sponsor"):
        stance = taken.get()
        assert (stance.user, stance.stance, stance.comment) == (personas[persona], "concerns", "Name the patients.")
    else:
        assert not taken.exists()


def test_it_keeps_one_stance_per_member_and_lets_them_change_it(community, core, member, as_user):
    draft = VisionDraftFactory(community=community, author=core)
    client = as_user(member)
    with time_machine.travel(datetime(2026, 5, 1, 10, tzinfo=UTC), tick=False):
        client.post(_u("draft-stance", community, pk=draft.pk), {"stance": "object", "comment": "Too vague."})
    with time_machine.travel(datetime(2026, 5, 1, 10, 30, tzinfo=UTC), tick=False):
        client.post(_u("draft-stance", community, pk=draft.pk), {"stance": "support", "comment": ""})
    stance = VisionStance.objects.get(draft=draft, user=member)
    assert (stance.stance, stance.comment) == ("support", "")
    assert stance.created_at == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert stance.updated_at == datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        VisionStance.objects.create(draft=draft, user=member, stance="object")


def test_it_keeps_the_history_of_each_stance_and_shows_how_it_moved(community, core, member, facilitator, as_user):
    draft = VisionDraftFactory(community=community, author=core)
    url = _u("draft-stance", community, pk=draft.pk)
    steps = [
        (datetime(2026, 5, 1, 10, tzinfo=UTC), {"stance": "object", "comment": "Too vague."}),
        (datetime(2026, 5, 4, 9, tzinfo=UTC), {"stance": "concerns", "comment": "Better; name medication."}),
        (datetime(2026, 5, 4, 9, 5, tzinfo=UTC), {"stance": "concerns", "comment": "Better; name medication."}),
        (datetime(2026, 5, 8, 16, tzinfo=UTC), {"stance": "support", "comment": ""}),
    ]
    for at, data in steps:
        with time_machine.travel(at, tick=False):
            as_user(member).post(url, data)
    history = list(
        VisionStanceChange.objects.filter(draft=draft, user=member).values_list("stance", "comment", "created_at")
    )
    assert history == [  # the unchanged save at 09:05 adds nothing
        ("object", "Too vague.", datetime(2026, 5, 1, 10, tzinfo=UTC)),
        ("concerns", "Better; name medication.", datetime(2026, 5, 4, 9, tzinfo=UTC)),
        ("support", "", datetime(2026, 5, 8, 16, tzinfo=UTC)),
    ]
    html = as_user(facilitator).get(_u("draft", community, pk=draft.pk)).content.decode()
    assert "<summary>Changed 2 times</summary>" in html
    assert "Object on <time" in html and "Too vague." in html
    assert "Support since <time" in html


@pytest.mark.parametrize("stance", ["concerns", "object"])
def test_it_asks_for_a_comment_with_concerns_or_an_objection(community, core, member, as_user, stance):
    draft = VisionDraftFactory(community=community, author=core)
    response = as_user(member).post(_u("draft-stance", community, pk=draft.pk), {"stance": stance, "comment": " "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say what concerns you, so the draft can improve." in html
    assert f'value="{stance}"' in html and "checked" in html
    assert response.context["stance_form"]["stance"].value() == stance
    assert not VisionStance.objects.exists()


def test_it_refuses_stances_on_a_draft_not_open(community, core, member, as_user):
    for status in (VisionDraft.Status.DRAFT, VisionDraft.Status.ADOPTED, VisionDraft.Status.WITHDRAWN):
        draft = VisionDraftFactory(community=community, author=core, status=status)
        as_user(member).post(_u("draft-stance", community, pk=draft.pk), {"stance": "support"})
    assert not VisionStance.objects.exists()


def test_it_lets_members_comment_and_keeps_an_empty_comment_out(community, core, member, outsider, as_user):
    draft = VisionDraftFactory(community=community, author=core)
    url = _u("draft-comment", community, pk=draft.pk)
    assert as_user(member).post(url, {"text": "Could we name medication explicitly?"}).status_code == 302
    response = as_user(member).post(url, {"text": ""})
    assert response.status_code == 200
    assert "Write something before posting." in response.content.decode()
    assert as_user(outsider).post(url, {"text": "Hi"}).status_code == 404
    assert list(draft.comments.values_list("author", "text")) == [(member.pk, "Could we name medication explicitly?")]


def test_a_comment_tells_the_draft_author_and_earlier_commenters(
    community, core, member, newcomer, facilitator, as_user
):
    draft = VisionDraftFactory(community=community, author=core, title="Safer together")
    url = _u("draft-comment", community, pk=draft.pk)
    as_user(member).post(url, {"text": "Could we name medication explicitly?"})
    as_user(newcomer).post(url, {"text": "And handovers, please."})
    as_user(member).post(url, {"text": "Agreed with the handovers."})

    def told(user) -> list[str]:
        return list(
            Notification.objects.filter(user=user, category=Category.DIRECTION)
            .order_by("id")
            .values_list("title", flat=True)
        )

    assert told(core) == [
        f"{member} commented on the vision draft “Safer together”",
        f"{newcomer} commented on the vision draft “Safer together”",
        f"{member} commented on the vision draft “Safer together”",
    ]
    assert told(member) == [f"{newcomer} commented on the vision draft “Safer together”"]  # never of their own
    assert told(newcomer) == [f"{member} commented on the vision draft “Safer together”"]
    assert told(facilitator) == []  # neither wrote the draft nor commented
    note = Notification.objects.filter(user=newcomer).get()
    assert note.url.endswith(f"/direction/drafts/{draft.pk}/#comments")
    assert note.body == "Agreed with the handovers."


def test_a_comment_tells_nobody_who_has_left_the_community(community, core, member, as_user):
    draft = VisionDraftFactory(community=community, author=core)
    core.memberships.filter(community=community).delete()
    as_user(member).post(_u("draft-comment", community, pk=draft.pk), {"text": "Still relevant?"})
    assert not Notification.objects.filter(category=Category.DIRECTION).exists()


# --- Alignment ---------------------------------------------------------------------------


def test_it_computes_alignment_from_stances():
    a = Alignment(support=3, concerns=2, objecting=2, members=15)
    assert (a.stances, a.supporting, a.supporting_percent, a.objecting_percent) == (7, 5, 71, 29)
    assert a.participation_percent == 47
    none = Alignment(support=0, concerns=0, objecting=0, members=4)
    assert (none.supporting_percent, none.participation_percent) == (None, 0)


def test_it_shows_each_drafts_alignment_counting_current_members_only(community, sponsor, member, as_user):
    draft = VisionDraftFactory(community=community, author=sponsor)
    others = _members(community, 13)  # 15 members with the sponsor and the member
    for user, stance in zip(others, ["support"] * 3 + ["concerns"] * 2 + ["object"], strict=False):
        VisionStanceFactory(draft=draft, user=user, stance=stance, comment="because")
    VisionStanceFactory(draft=draft, user=member, stance="object", comment="No.")
    # Someone who left the community: their stance no longer counts.
    VisionStanceFactory(draft=draft, user=UserFactory(), stance="object", comment="Gone.")
    # A stance on another draft does not leak into this one.
    VisionStanceFactory(draft=VisionDraftFactory(community=community), user=others[0], stance="object", comment="x")

    counted = VisionDraft.objects.with_counts().get(pk=draft.pk)
    assert (counted.n_support, counted.n_concerns, counted.n_object) == (3, 2, 2)

    html = as_user(member).get(draft.get_absolute_url()).content.decode()
    assert "71% supporting" in html
    assert "2 objecting" in html
    assert "7 of 15 members took a stance" in html
    page = as_user(member).get(reverse("communities:direction", kwargs={"slug": community.slug}))
    assert "7 of 15 members took a stance" in page.content.decode()


# --- Adoption ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("newcomer", 403),
        ("member", 403),
        ("core", 403),
        ("facilitator", 302),
        ("sponsor", 302),
    ],
)
def test_it_lets_the_sponsor_or_a_facilitator_adopt(community, personas, as_user, persona, expected):
    draft = VisionDraftFactory(community=community, author=personas["core"])
    response = as_user(personas[persona]).post(_u("draft-adopt", community, pk=draft.pk))
    assert response.status_code == expected
    draft.refresh_from_db()
    assert draft.is_current is (persona in ("facilitator", "sponsor"))


def test_it_keeps_one_current_vision_and_earlier_visions_readable(community, sponsor, member, as_user):
    first = VisionDraftFactory(community=community, author=sponsor, title="Version one")
    second = VisionDraftFactory(community=community, author=sponsor, title="Version two")
    with time_machine.travel(datetime(2026, 1, 15, 9, tzinfo=UTC), tick=False):
        services.vision_adopt(draft=first, actor=sponsor)
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False):
        response = as_user(sponsor).post(_u("draft-adopt", community, pk=second.pk))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    january = datetime(2026, 1, 15, 9, tzinfo=UTC)
    assert (first.status, first.is_current, first.adopted_at) == ("adopted", False, january)
    assert (second.status, second.is_current, second.adopted_by) == ("adopted", True, sponsor)
    assert VisionDraft.objects.filter(community=community, is_current=True).count() == 1
    html = as_user(member).get(reverse("communities:direction", kwargs={"slug": community.slug})).content.decode()
    assert "Our vision:" in html and "Version two" in html
    assert "Earlier visions" in html and "adopted 15 January 2026" in html
    assert as_user(member).get(first.get_absolute_url()).status_code == 200


def test_it_enforces_a_single_current_vision_in_the_database(community):
    VisionDraftFactory(community=community, status="adopted", is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        VisionDraftFactory(community=community, status="adopted", is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        VisionDraftFactory(community=CommunityFactory(), status="open", is_current=True)
    VisionDraftFactory(community=CommunityFactory(), status="adopted", is_current=True)  # other communities: fine


def test_it_notifies_members_and_logs_the_adoption(community, personas, as_user):
    draft = VisionDraftFactory(community=community, author=personas["core"], title="Safer together")
    as_user(personas["facilitator"]).post(_u("draft-adopt", community, pk=draft.pk))
    notified = Notification.objects.filter(category=Category.DIRECTION, title__contains="new vision")
    assert {n.user for n in notified} == {personas[p] for p in ("sponsor", "core", "member", "newcomer")}
    log = ActivityLog.objects.get(action="vision.adopt")
    assert (log.actor, log.summary) == (personas["facilitator"], "Facilitator adopted “Safer together” as the vision")


def test_it_cannot_adopt_a_withdrawn_draft(community, core, facilitator, as_user):
    draft = VisionDraftFactory(community=community, author=core)
    as_user(core).post(_u("draft-withdraw", community, pk=draft.pk))
    draft.refresh_from_db()
    assert draft.status == VisionDraft.Status.WITHDRAWN
    as_user(facilitator).post(_u("draft-adopt", community, pk=draft.pk))
    draft.refresh_from_db()
    assert (draft.status, draft.is_current) == (VisionDraft.Status.WITHDRAWN, False)


# --- Query counts ------------------------------------------------------------------------


def _grow(community, author, n: int) -> None:
    """n more members, drafts (one with stances and comments from all of them) and an earlier vision."""
    users = _members(community, n)
    for _ in range(n):
        draft = VisionDraftFactory(community=community, author=author)
        for u in users:
            VisionStanceFactory(draft=draft, user=u, stance="concerns", comment="hmm")
            draft.comments.create(author=u, text="a thought")
    VisionDraftFactory(community=community, author=author, status="adopted", adopted_at=timezone.now())


DIRECTION_QUERIES = 14


def test_it_renders_the_direction_page_in_constant_queries(
    community, sponsor, member, as_user, django_assert_num_queries
):
    client = as_user(member)
    url = reverse("communities:direction", kwargs={"slug": community.slug})
    _grow(community, sponsor, 2)
    warm(client, url)
    with django_assert_num_queries(DIRECTION_QUERIES):
        assert client.get(url).status_code == 200
    _grow(community, sponsor, 4)  # 3N
    with django_assert_num_queries(DIRECTION_QUERIES):
        assert client.get(url).status_code == 200


DRAFT_QUERIES = 12  # … and one for the stances' history


def test_it_renders_a_draft_in_constant_queries(community, sponsor, member, as_user, django_assert_num_queries):
    draft = VisionDraftFactory(community=community, author=sponsor)

    def grow(n: int) -> None:
        for u in _members(community, n):
            VisionStanceFactory(draft=draft, user=u, stance="support")
            draft.stance_changes.create(user=u, stance="object", comment="No.")
            draft.stance_changes.create(user=u, stance="support")
            draft.comments.create(author=u, text="yes")

    client = as_user(member)
    grow(3)
    warm(client, draft.get_absolute_url())
    with django_assert_num_queries(DRAFT_QUERIES):
        assert client.get(draft.get_absolute_url()).status_code == 200
    grow(6)
    with django_assert_num_queries(DRAFT_QUERIES):
        assert client.get(draft.get_absolute_url()).status_code == 200
