"""axe-core finds no serious or critical accessibility violations on the captured-learning pages (demo data)."""

from __future__ import annotations

import pytest

from communities.demo import core
from practice.demo import learning as demo_learning
from practice.demo import requests as practice_demo
from practice.demo import value as demo_value
from practice.models import Artefact
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import DEMO_PASSWORD, SLUG, check

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    state = core.seed()
    practice_demo.seed(state)
    demo_value.seed(state)
    demo_learning.seed(state)


def test_the_learning_pages_have_no_serious_violations_for_members(page, live_server, demo):
    artefacts = Artefact.objects.filter(community__slug=SLUG, status="published")
    paths = [
        f"/c/{SLUG}/",  # the newcomer path on the home page
        f"/c/{SLUG}/learning/",
        f"/c/{SLUG}/learning/?q=insulin&kind=faq",
        f"/c/{SLUG}/learning/new/",
        f"/c/{SLUG}/learning/new/?kind=case_story",
        f"/c/{SLUG}/learning/handbook/",
        *[f"/c/{SLUG}/learning/{kind_first.pk}/" for kind_first in _one_per_kind(artefacts)],
    ]
    log_in(page, live_server, "newcomer@demo.example", DEMO_PASSWORD)
    problems = [p for path in paths for p in check(page, live_server.url + path)]
    assert problems == []


def test_the_curation_pages_have_no_serious_violations(page, live_server, demo):
    draft = Artefact.objects.filter(community__slug=SLUG, status="draft").first()
    version = draft.versions.first()
    edited = Artefact.objects.filter(community__slug=SLUG, version__gte=2).first()
    paths = [
        f"/c/{SLUG}/learning/path/",
        f"/c/{SLUG}/learning/{draft.pk}/",
        f"/c/{SLUG}/learning/{draft.pk}/edit/",
        f"/c/{SLUG}/learning/{draft.pk}/versions/{version.pk}/",
        # An edited artefact: its latest version with the changes marked, its first with "Restore".
        f"/c/{SLUG}/learning/{edited.pk}/versions/{edited.versions.get(number=edited.version).pk}/",
        f"/c/{SLUG}/learning/{edited.pk}/versions/{edited.versions.get(number=1).pk}/",
        f"/c/{SLUG}/dashboard/",
    ]
    log_in(page, live_server, "facilitator@demo.example", DEMO_PASSWORD)
    problems = [p for path in paths for p in check(page, live_server.url + path)]
    assert problems == []


def _one_per_kind(artefacts) -> list[Artefact]:
    seen: dict[str, Artefact] = {}
    for artefact in artefacts.order_by("id"):
        seen.setdefault(artefact.kind, artefact)
    return list(seen.values())
