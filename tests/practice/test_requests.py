"""Posting, editing, resolving and withdrawing help requests; the request page per persona."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from communities.models import ActivityLog, Notification
from practice.models import EDIT_WINDOW, HelpRequest, Nudge
from tests.factories import CommunityFactory, MembershipFactory
from tests.practice.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def new_url(community):
    return reverse("practice:request-new", kwargs={"slug": community.slug})


def detail_url(hr):
    return reverse("practice:request-detail", kwargs={"slug": hr.community.slug, "pk": hr.pk})


def form_data(**overrides):
    data = {
        "title": "Handover of patients on insulin pumps",
        "situation": "At shift change the pump settings get lost. What works for you?",
        "tried": "A sticker on the pump.",
        "urgency": "normal",
        "new_tags": "",
    }
    data.update(overrides)
    return data


# --- posting ---------------------------------------------------------------------------------


def test_it_posts_a_request_with_due_time_tags_and_nudges(as_user, member, community, tags, facilitator):
    community.response_commitment_hours = 24
    community.save()
    with time_machine.travel(NOW, tick=False):
        response = as_user(member).post(
            new_url(community),
            form_data(tags=[tags["handover"].pk], new_tags="Insulin pumps, night shift", urgency="urgent"),
        )
    hr = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(hr)
    assert hr.author == member
    assert hr.status == HelpRequest.Status.OPEN
    assert hr.urgency == HelpRequest.Urgency.URGENT
    assert hr.created_at == NOW
    assert hr.response_due_at == NOW + timedelta(hours=24)
    assert hr.last_activity_at == NOW
    assert hr.first_response_at is None
    assert sorted(t.slug for t in hr.tags.all()) == ["handover", "insulin-pumps", "night-shift"]
    nudges = list(hr.nudges.order_by("level").values_list("level", "due_at", "state"))
    assert nudges == [
        (1, NOW + timedelta(hours=24), Nudge.State.PENDING),
        (2, NOW + timedelta(hours=48), Nudge.State.PENDING),
    ]
    assert Notification.objects.filter(user=facilitator, title__startswith="Urgent request:").exists()


def test_it_keeps_everything_typed_when_the_form_is_invalid(as_user, member, community, tags):
    data = form_data(title="Hi", tags=[tags["falls"].pk], new_tags="bed alarms")
    response = as_user(member).post(new_url(community), data)
    assert response.status_code == 200
    assert not HelpRequest.objects.exists()
    html = response.content.decode()
    assert "title of at least a few words" in html
    assert "At shift change the pump settings get lost." in html
    assert "A sticker on the pump." in html
    assert 'value="bed alarms"' in html
    checked = re.findall(r'<input type="checkbox"[^>]*value="(\d+)"[^>]*checked', html)
    assert checked == [str(tags["falls"].pk)]


def test_it_refuses_too_many_tags(as_user, member, community, tags):
    data = form_data(tags=[t.pk for t in tags.values()], new_tags="a1, b2, c3, d4")
    response = as_user(member).post(new_url(community), data)
    assert response.status_code == 200
    assert "at most 6 tags" in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_it_ignores_tags_of_another_community(as_user, member, community, other_community):
    from tests.factories import TagFactory

    foreign = TagFactory(community=other_community, slug="secret")
    response = as_user(member).post(new_url(community), form_data(tags=[foreign.pk]))
    assert response.status_code == 200  # not a valid choice
    assert not HelpRequest.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("newcomer", 200),
        ("member", 200),
        ("core", 200),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_shows_the_new_request_form_per_persona(as_user, personas, community, persona, status):
    response = as_user(personas[persona]).get(new_url(community))
    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_it_lets_a_member_of_an_open_community_only_post_after_joining(as_user, outsider):
    from communities.models import Community

    open_community = CommunityFactory(visibility=Community.Visibility.OPEN)
    assert as_user(outsider).get(new_url(open_community)).status_code == 403
    assert as_user(outsider).post(new_url(open_community), form_data()).status_code == 403
    assert not HelpRequest.objects.exists()


# --- the request page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("newcomer", 200),
        ("member", 200),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_shows_the_request_page_per_persona(as_user, personas, post_request, persona, status):
    hr = post_request()
    response = as_user(personas[persona]).get(detail_url(hr))
    assert response.status_code == status
    if status == 200:
        assert b"Insulin double-checks at night" in response.content
        assert b"<strong>independent</strong>" in response.content


def test_it_answers_404_for_a_request_id_of_another_community(as_user, member, other_community):
    foreign = HelpRequestFactory(community=other_community)
    url = reverse("practice:request-detail", kwargs={"slug": "med-safety", "pk": foreign.pk})
    assert as_user(member).get(url).status_code == 404
    edit = reverse("practice:request-edit", kwargs={"slug": "med-safety", "pk": foreign.pk})
    assert as_user(member).get(edit).status_code == 404


def test_it_shows_overdue_when_no_response_came_in_time(as_user, member, post_request):
    with time_machine.travel(NOW, tick=False):
        hr = post_request()
    with time_machine.travel(NOW + timedelta(hours=47), tick=False):
        assert b"Overdue" not in as_user(member).get(detail_url(hr)).content
    with time_machine.travel(NOW + timedelta(hours=49), tick=False):
        assert b"Overdue" in as_user(member).get(detail_url(hr)).content
        hr.refresh_from_db()
        assert hr.is_overdue()


# --- editing ---------------------------------------------------------------------------------


def test_it_lets_the_author_edit_within_the_window(as_user, member, post_request, tags):
    with time_machine.travel(NOW, tick=False):
        hr = post_request()
    url = reverse("practice:request-edit", kwargs={"slug": hr.community.slug, "pk": hr.pk})
    with time_machine.travel(NOW + EDIT_WINDOW - timedelta(minutes=1), tick=False):
        response = as_user(member).post(url, form_data(title="Insulin double-checks on night shifts"))
    assert response.status_code == 302
    hr.refresh_from_db()
    assert hr.title == "Insulin double-checks on night shifts"
    assert hr.edited_at == NOW + EDIT_WINDOW - timedelta(minutes=1)
    assert not ActivityLog.objects.filter(action="practice.request.edit").exists()


def test_it_stops_the_author_editing_after_the_window(as_user, member, post_request):
    with time_machine.travel(NOW, tick=False):
        hr = post_request()
    url = reverse("practice:request-edit", kwargs={"slug": hr.community.slug, "pk": hr.pk})
    with time_machine.travel(NOW + EDIT_WINDOW + timedelta(minutes=1), tick=False):
        response = as_user(member).post(url, form_data(title="Changed much later"))
    assert response.status_code == 302
    hr.refresh_from_db()
    assert hr.title == "Insulin double-checks at night"


def test_it_forbids_other_members_to_edit(as_user, newcomer, post_request):
    hr = post_request()
    url = reverse("practice:request-edit", kwargs={"slug": hr.community.slug, "pk": hr.pk})
    assert as_user(newcomer).get(url).status_code == 403
    assert as_user(newcomer).post(url, form_data(title="Vandalised title")).status_code == 403
    hr.refresh_from_db()
    assert hr.title == "Insulin double-checks at night"


# --- status machine --------------------------------------------------------------------------


def test_it_lets_the_asker_resolve_and_cancels_nudges(as_user, member, post_request):
    hr = post_request()
    url = reverse("practice:request-resolve", kwargs={"slug": hr.community.slug, "pk": hr.pk})
    response = as_user(member).post(url, {"note": "We now use a second ward's nurse."})
    assert response.status_code == 302
    hr.refresh_from_db()
    assert hr.status == HelpRequest.Status.RESOLVED
    assert hr.conclusion_note == "We now use a second ward's nurse."
    assert hr.concluded_at is not None
    assert set(hr.nudges.values_list("state", flat=True)) == {Nudge.State.CANCELLED}


def test_it_lets_the_asker_withdraw(as_user, member, post_request):
    hr = post_request()
    url = reverse("practice:request-withdraw", kwargs={"slug": hr.community.slug, "pk": hr.pk})
    assert as_user(member).get(url).status_code == 405
    assert as_user(member).post(url).status_code == 302
    hr.refresh_from_db()
    assert hr.status == HelpRequest.Status.WITHDRAWN
    # A second withdrawal changes nothing and says why.
    response = as_user(member).post(url, follow=True)
    assert "already withdrawn" in response.content.decode()


@pytest.mark.parametrize("action", ["request-resolve", "request-withdraw"])
@pytest.mark.parametrize("persona", ["newcomer", "facilitator"])
def test_it_lets_only_the_asker_resolve_or_withdraw(as_user, personas, post_request, action, persona):
    hr = post_request()
    url = reverse(f"practice:{action}", kwargs={"slug": hr.community.slug, "pk": hr.pk})
    assert as_user(personas[persona]).post(url).status_code == 403
    hr.refresh_from_db()
    assert hr.status == HelpRequest.Status.OPEN


def test_it_tells_experts_and_facilitators_but_not_the_asker(post_request, expert, facilitator, sponsor, member, tags):
    outsider_expert = MembershipFactory(community=CommunityFactory()).user
    post_request(tags=[tags["medication"]])
    titles = dict(Notification.objects.values_list("user_id", "title"))
    assert set(titles) == {expert.pk, facilitator.pk, sponsor.pk}
    assert member.pk not in titles and outsider_expert.pk not in titles
    assert titles[expert.pk] == "New request: Insulin double-checks at night"


def test_it_refuses_nul_characters_with_a_form_error(as_user, member, community):
    response = as_user(member).post(new_url(community), form_data(situation="Bad \x00 byte"))
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert not HelpRequest.objects.exists()
