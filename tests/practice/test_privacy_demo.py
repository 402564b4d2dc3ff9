"""The demo shows a redacted post with its note and an open concern in the facilitators' review queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from communities.demo import core
from practice.demo import privacy as demo_privacy
from practice.demo import requests as demo
from practice.models import Advice, PrivacyFlag
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    state = core.seed()
    demo.seed(state)
    demo_privacy.seed(state)
    return state


def test_it_seeds_a_redacted_advice_and_an_open_concern(seeded):
    redacted = Advice.objects.get(redacted_at__isnull=False)
    assert "943 476 5919" not in redacted.body and not redacted.is_hidden
    page = client_for(seeded.user("member")).get(redacted.request.get_absolute_url()).content.decode()
    assert "Redacted by a facilitator on" in page
    open_flag = PrivacyFlag.objects.get(state="open")
    queue = reverse("practice:request-privacy-reviews", kwargs={"slug": seeded.community.slug})
    assert f"/privacy/reviews/{open_flag.pk}/" in client_for(seeded.user("facilitator")).get(queue).content.decode()


def test_seeding_twice_changes_nothing(seeded):
    demo_privacy.seed(seeded)
    assert PrivacyFlag.objects.count() == 2
