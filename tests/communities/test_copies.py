"""The one service that rewrites copies of a text in notifications, the outbox and the log."""

from __future__ import annotations

import pytest

from communities.models import ActivityLog, Notification, OutboundEmail
from communities.services import copies
from tests.factories import CommunityFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_rewrites_text_and_json_columns_of_the_rows_that_hold_a_word_and_leaves_the_others():
    user = UserFactory()
    email = OutboundEmail.objects.create(
        user=user,
        to=user.email,
        subject="About Zoë Ørsted",
        body_text="Zoë Ørsted asked …",
        message_id="<c.1@example.org>",
        context={"asker": "Zoë Ørsted", "nested": ["Zoë Ørsted", 3]},
        alternatives=[["BEGIN:VCALENDAR Zoë Ørsted", "text/calendar"]],
    )
    other = NotificationFactory(user=user, title="Nothing to change", body="Plain")
    changed = copies.rewrite_copies(
        {OutboundEmail: ("subject", "body_text", "context", "alternatives"), Notification: ("title", "body")},
        words=["Zoë Ørsted"],
        rewrite=lambda text: text.replace("Zoë Ørsted", "[redacted]"),
    )
    assert changed == 1
    email.refresh_from_db()
    assert email.subject == "About [redacted]" and email.body_text == "[redacted] asked …"
    assert email.context == {"asker": "[redacted]", "nested": ["[redacted]", 3]}
    assert email.alternatives == [["BEGIN:VCALENDAR [redacted]", "text/calendar"]]
    other.refresh_from_db()
    assert other.title == "Nothing to change"


def test_a_longer_replacement_is_cut_to_the_column_length_and_only_the_rows_asked_for_change():
    community = CommunityFactory()
    mine = ActivityLog.objects.create(community=community, summary="x" * 295 + " Ann")
    theirs = ActivityLog.objects.create(community=community, summary="Ann joined")
    copies.rewrite_rows(
        ActivityLog.objects.filter(pk=mine.pk),
        ("summary",),
        words=["Ann"],
        rewrite=lambda text: text.replace("Ann", "Former member"),
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert len(mine.summary) == ActivityLog._meta.get_field("summary").max_length
    assert mine.summary == "x" * 295 + " Form" and theirs.summary == "Ann joined"
