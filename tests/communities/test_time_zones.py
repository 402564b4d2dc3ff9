"""A community's pages show times in the community's time zone; every other page in the site's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from communities.models import PurposeVersion
from tests.factories import PurposeVersionFactory
from tests.practice.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db

# 20:30 UTC on 2 March is 09:30 on 3 March in Auckland (NZDT, UTC+13).
POSTED = datetime(2026, 3, 2, 20, 30, tzinfo=UTC)


@pytest.fixture
def auckland(community):
    community.time_zone = "Pacific/Auckland"
    community.save(update_fields=["time_zone"])
    return community


def test_it_shows_a_community_page_in_the_community_time_zone(auckland, facilitator, as_user):
    hr = HelpRequestFactory(community=auckland, created_at=POSTED)
    url = reverse("practice:request-moderate", kwargs={"slug": auckland.slug, "pk": hr.pk})
    html = as_user(facilitator).get(url).content.decode()
    assert "3 Mar 2026, 09:30" in html
    assert "2 Mar 2026, 20:30" not in html


def test_it_dates_the_purpose_by_the_community_calendar(auckland, member, sponsor, as_user):
    version = PurposeVersionFactory(community=auckland, author=sponsor)
    PurposeVersion.objects.filter(pk=version.pk).update(created_at=POSTED)
    html = as_user(member).get(reverse("communities:direction", kwargs={"slug": auckland.slug})).content.decode()
    assert "on 3 March 2026" in html


def test_a_community_in_utc_keeps_utc(community, facilitator, as_user):
    hr = HelpRequestFactory(community=community, created_at=POSTED)
    url = reverse("practice:request-moderate", kwargs={"slug": community.slug, "pk": hr.pk})
    assert "2 Mar 2026, 20:30" in as_user(facilitator).get(url).content.decode()


def test_the_next_request_is_back_in_the_site_time_zone(auckland, member, as_user):
    client = as_user(member)
    client.get(reverse("communities:home", kwargs={"slug": auckland.slug}))
    # The test client serves requests on this thread: the zone must not outlive the request.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
    response = client.get(reverse("communities:notifications"))
    assert response.status_code == 200
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
