"""The activity log: who changed what and when, for facilitators and sponsors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import ActivityLog
from communities.services.community import activity_record
from tests.factories import UserFactory

URL = "/c/med-safety/activity/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("site_admin", 404),
        ("newcomer", 403),
        ("member", 403),
        ("core", 403),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_shows_the_log_to_facilitators_and_sponsors_only(personas, as_user, persona, status):
    response = as_user(personas[persona]).get(URL)
    assert response.status_code == status
    if persona == "anonymous":
        assert response["Location"] == f"/accounts/login/?next={URL}"


def test_it_lists_entries_newest_first_with_who_and_when(community, sponsor, facilitator, other_community, as_user):
    now = timezone.now()
    activity_record(
        community=community,
        actor=sponsor,
        action="purpose.update",
        summary="Sponsor set the purpose",
        now=now - timedelta(days=2),
    )
    activity_record(
        community=community,
        actor=facilitator,
        action="membership.role",
        summary="Facilitator changed Member's role",
        now=now - timedelta(days=1),
    )
    activity_record(community=other_community, actor=None, action="x", summary="Elsewhere")
    body = as_user(facilitator).get(URL).content.decode()
    assert body.index("Facilitator changed Member&#x27;s role") < body.index("Sponsor set the purpose")
    assert "Elsewhere" not in body
    assert "membership.role" in body


def test_it_shows_times_in_the_community_time_zone(community, sponsor, as_user):
    community.time_zone = "Europe/Amsterdam"
    community.save()
    when = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    activity_record(community=community, actor=sponsor, action="x", summary="Summer change", now=when)
    assert "1 Jul 2026 12:00" in as_user(sponsor).get(URL).content.decode()


def test_it_paginates(community, sponsor, as_user):
    for i in range(55):
        activity_record(community=community, actor=sponsor, action="x", summary=f"entry {i}")
    body = as_user(sponsor).get(URL).content.decode()
    assert "Page 1 of 2" in body
    assert body.count("<tr>") == 51  # header row + 50
    assert as_user(sponsor).get(URL + "?page=2").content.decode().count("<tr>") == 6


def test_it_renders_in_a_constant_number_of_queries(community, facilitator, as_user, django_assert_num_queries):
    client = as_user(facilitator)
    client.get(URL)

    def add(n: int) -> None:
        for _ in range(n):
            activity_record(community=community, actor=UserFactory(), action="x", summary="something changed")

    add(5)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    add(10)
    # session, user, community, membership, count, page (with actors), the navbar's two figures
    with django_assert_num_queries(8):
        client.get(URL)
    assert len(few) == 8
    assert ActivityLog.objects.filter(community=community).count() == 15
