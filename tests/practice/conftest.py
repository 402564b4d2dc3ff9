"""Fixtures of the practice tests: a request posted through the service, with tags and an expert."""

from __future__ import annotations

import pytest

from communities.models import Membership
from practice.services import requests as services
from tests.factories import TagFactory


@pytest.fixture
def tags(community):
    return {
        "medication": TagFactory(community=community, name="medication safety", slug="medication-safety"),
        "handover": TagFactory(community=community, name="handover", slug="handover"),
        "falls": TagFactory(community=community, name="falls prevention", slug="falls-prevention"),
    }


@pytest.fixture
def expert(core, community, tags):
    """The core member is an expert in medication safety."""
    Membership.objects.get(community=community, user=core).expertise.add(tags["medication"])
    return core


@pytest.fixture
def post_request(community, member):
    """``post_request(**overrides)`` posts a help request through the service (as ``member`` by default)."""

    def post(**overrides):
        fields = {
            "community": community,
            "author": member,
            "title": "Insulin double-checks at night",
            "situation": "With two nurses on the ward at night the **independent** double check is hard.",
            "tried": "We tried asking the night coordinator.",
        }
        fields.update(overrides)
        return services.help_request_create(**fields)

    return post
