"""The demo's captured learning: every kind, drawn from the demo requests, and a newcomer path half-read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from communities.demo import core
from communities.models import Membership, Notification, OutboundEmail
from practice.demo import learning as demo_learning
from practice.demo import requests as demo
from practice.demo import value as demo_value
from practice.models import Artefact, NewcomerPathRead
from practice.selectors import learning as selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    state = core.seed()
    demo.seed(state)
    demo_value.seed(state)
    demo_learning.seed(state)
    return state


def test_it_captures_every_kind_from_the_demo_requests(seeded):
    artefacts = Artefact.objects.filter(community=seeded.community)
    published = artefacts.filter(status=Artefact.Status.PUBLISHED)
    assert set(published.values_list("kind", flat=True)) == set(Artefact.Kind.values)
    assert artefacts.filter(status=Artefact.Status.DRAFT).count() >= 2
    assert published.filter(source_requests__isnull=False).distinct().count() >= 5
    assert published.filter(source_outcomes__isnull=False).exists()  # from a closed loop
    assert published.filter(kind="summary", versions__note="Drafted from the request thread").exists()
    assert artefacts.filter(version__gte=2).count() >= 3  # edited: versions kept
    for artefact in published:
        assert artefact.published_at <= seeded.now
        assert artefact.versions.count() == artefact.version


def test_it_has_nobody_write_before_joining(seeded):
    joined = dict(Membership.objects.filter(community=seeded.community).values_list("user_id", "joined_at"))
    for artefact in Artefact.objects.all():
        for version in artefact.versions.all():
            assert joined[version.author_id] <= version.created_at, artefact.title


def test_it_gives_the_newcomer_a_path_half_read(seeded, as_user):
    newcomer = seeded.users["newcomer"]
    path = selectors.newcomer_path(community=seeded.community, user=newcomer)
    assert len(path) >= 5
    assert all(item.artefact.is_published for item in path)
    assert [item.is_read for item in path[:3]] == [True, True, False]
    assert NewcomerPathRead.objects.filter(user=newcomer).count() == demo_learning.NEWCOMER_READ
    html = as_user(newcomer).get(reverse("communities:home", kwargs={"slug": seeded.community.slug})).content.decode()
    assert f"You have read 2 of {len(path)}" in html


def test_it_shows_the_dashboard_learning_without_warnings_it_does_not_deserve(seeded):
    health = selectors.learning_health(community=seeded.community, now=seeded.now)
    assert sum(n for _, n in health.per_month) >= 5
    assert health.captured.captured >= 2


def test_it_leaves_no_learning_emails_or_unread_notifications(seeded):
    assert not OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING, category="learning").exists()
    assert not Notification.objects.filter(category="learning", read_at__isnull=True).exists()


def test_it_is_idempotent(seeded):
    before = Artefact.objects.count(), NewcomerPathRead.objects.count()
    demo_learning.seed(core.seed(now=seeded.now))
    assert (Artefact.objects.count(), NewcomerPathRead.objects.count()) == before


def test_it_has_a_failure_reflection_owned_up_to_anonymously(seeded, as_user):
    reflection = Artefact.objects.get(community=seeded.community, anonymous=True, kind="failure_reflection")
    author = seeded.user("member")
    assert reflection.created_by == author and reflection.status == Artefact.Status.PUBLISHED
    url = reflection.get_absolute_url()
    for persona in ("ayla.core", "facilitator", "sponsor", "newcomer"):
        page = as_user(seeded.user(persona)).get(url).content.decode()
        assert "A member (anonymous)" in page and author.name not in page
    assert "You posted this anonymously" in as_user(author).get(url).content.decode()
