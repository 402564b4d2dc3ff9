"""The weekly digest tells members about newly published learning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from communities.models import OutboundEmail
from practice.services import learning, loops
from tests.practice.factories_learning import ArtefactFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 16, 7, 0, tzinfo=UTC)


def test_it_lists_learning_published_in_the_week(community, member, facilitator, other_community):
    fresh = learning.artefact_create(
        community=community, author=facilitator, kind="faq", title="Who double-checks at night?",
        fields={"question": "Who?", "answer": "The buddy ward."}, now=NOW - timedelta(days=3),
    )  # fmt: skip
    learning.artefact_publish(artefact=fresh, actor=facilitator, now=NOW - timedelta(days=2))
    ArtefactFactory(
        community=community, title="Last month's story", published=True, created_at=NOW - timedelta(days=30)
    )
    ArtefactFactory(community=community, title="A draft nobody published", created_at=NOW - timedelta(days=1))
    ArtefactFactory(community=other_community, title="Not my community", published=True, created_at=NOW)
    context = loops.digest_context(user=member, now=NOW)
    section = next(s for s in context["sections"] if s["key"] == "new_learning")
    assert section["heading"] == "Newly published learning"
    assert [i["title"] for i in section["items"]] == ["Who double-checks at night?"]
    assert section["items"][0]["summary"] == "FAQ"
    assert section["items"][0]["url"].endswith(f"/c/{community.slug}/learning/{fresh.pk}/")


def test_it_sends_the_section_in_the_weekly_email(community, member, facilitator):
    ArtefactFactory(community=community, title="Bedside handover", published=True, created_at=NOW - timedelta(days=1))
    assert loops.weekly_digests_send(now=NOW) >= 1
    email = OutboundEmail.objects.get(user=member)
    assert "Newly published learning" in email.body_text
    assert "Bedside handover" in email.body_text
    assert "Bedside handover" in email.body_html


def test_it_leaves_the_section_out_when_nothing_was_published(community, member):
    ArtefactFactory(community=community, title="Old", published=True, created_at=NOW - timedelta(days=8))
    assert (
        learning.digest_new_learning(user=member, communities=[community], since=NOW - timedelta(days=7), now=NOW)
        is None
    )
