"""The pages of the page benchmark run the same number of queries at 1× and at 10× of a small data set.

One "unit" of data: communities of the viewer's, members (some new) with slider scores, help
requests with advice, responses, discussion and kudos, objectives, drafts, activity and
notifications; the request under test gets advice and discussion of its own. Each page is counted
at one unit, the data grows to ten units, and the count must not move.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils import timezone

from communities.models import ActivityLog, Community, Role
from tests.communities.vibrancy_helpers import make_round, rate
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    NotificationFactory,
    ObjectiveFactory,
    TagFactory,
    UserFactory,
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

pytestmark = pytest.mark.django_db

SLUG = "med-safety"


def _exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


PAGES = {
    "home": "/",
    "community home": f"/c/{SLUG}/",
    "request list": f"/c/{SLUG}/requests/",
    "request list, overdue": f"/c/{SLUG}/requests/?filter=overdue",
    "request detail": f"/c/{SLUG}/requests/{{request}}/",
    "dashboard": f"/c/{SLUG}/dashboard/",
    "learning": f"/c/{SLUG}/learning/",  # runs once the learning page exists (issue 7)
}


class Data:
    """Grows the community by units; ``self.request`` is the help request whose page is counted."""

    def __init__(self, community: Community, sponsor, member) -> None:
        self.community, self.sponsor, self.member = community, sponsor, member
        self.tag = TagFactory(community=community)
        self.request = HelpRequestFactory(community=community, author=member)
        self.request.tags.add(self.tag)
        self.open_round = make_round(community)
        self.closed_round = make_round(community, opened_days_ago=60, closed=True)
        self.units = 0

    def grow(self, units: int) -> None:
        for _ in range(units):
            self._unit()
        self.units += units

    def _unit(self) -> None:
        community, now = self.community, timezone.now()
        MembershipFactory(community=CommunityFactory(), user=self.sponsor, role=Role.SPONSOR)  # for "/"
        CommunityFactory(visibility=Community.Visibility.OPEN)  # joinable, for "/"
        people = []
        for i in range(5):
            user = UserFactory(verified=False)
            MembershipFactory(community=community, user=user, joined_at=now - timedelta(days=5 if i == 0 else 200))
            rate(self.open_round, user, {"voice": (3 + i, 8), "practice": (5, 7)}, comment="More please" if i else "")
            rate(self.closed_round, user, {"voice": (2 + i, 8)})
            people.append(user)
        for i in range(3):
            hr = HelpRequestFactory(community=community, author=people[i], created_at=now - timedelta(days=3 * i))
            hr.tags.add(self.tag)
            advice = AdviceFactory(request=hr, author=people[i + 1])
            AdviceFactory(request=hr, author=people[i + 2])
            AdviceResponseFactory(advice=advice, kind="try")
            DiscussionCommentFactory(advice=advice, author=people[i])
            KudosFactory(advice=advice, user=people[4])
        advice = AdviceFactory(request=self.request, author=people[0])
        AdviceResponseFactory(advice=advice, kind="discuss")
        DiscussionCommentFactory(advice=advice, author=self.member)
        DiscussionCommentFactory(advice=advice, author=people[0])
        KudosFactory(advice=advice, user=people[1])
        ObjectiveFactory(community=community, owner=people[0])
        VisionStanceFactory(draft=VisionDraftFactory(community=community, author=people[1]), user=people[2])
        ActivityLog.objects.create(community=community, actor=people[0], action="joined", summary="Someone joined")
        NotificationFactory(user=self.sponsor, community=community)


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries.captured_queries)


@pytest.mark.parametrize("page", PAGES)
def test_the_page_runs_as_many_queries_at_ten_times_the_data(page, community, sponsor, member, as_user):
    data = Data(community, sponsor, member)
    path = PAGES[page].format(request=data.request.pk)
    if not _exists(path.split("?")[0]):
        pytest.skip(f"{path} does not exist yet")
    client = as_user(sponsor)
    data.grow(1)
    client.get(path)  # warm up: session, content types, dimensions
    at_one = count_queries(client, path)
    data.grow(9)
    at_ten = count_queries(client, path)
    assert at_ten == at_one, f"{page}: {at_one} queries at 1×, {at_ten} at 10×"
