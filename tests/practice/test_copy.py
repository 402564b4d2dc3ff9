"""Small copy faults, each fixed and pinned by rendering the page or email and reading its exact text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from communities.models import Category
from communities.services import notify as notify_services
from tests.factories import UserFactory
from tests.practice.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    return " ".join(strip_tags(html).split())


def test_the_reminder_names_the_advisers_without_nested_brackets(community):
    user = UserFactory(display_name="Ana")
    help_request = HelpRequestFactory(community=community, author=user, title="Night handovers")
    email = notify_services.queue_email(
        user=user,
        category=Category.FOLLOW_UPS,
        template="practice_followup_reminder",
        context={
            "community": community,
            "help_request": help_request,
            "tried_on": "2 March",
            "advisers": ["Femke de Boer (facilitator)", "Jan"],
            "next_on": "16 March",
            "url": "https://child.example/o/",
            "request_url": "https://child.example/r/",
        },
    )
    sentence = (
        "On 2 March you decided to try the advice of Femke de Boer (facilitator), Jan "
        "on your request “Night handovers”."
    )
    assert sentence in email.body_text
    assert sentence in text_of(email.body_html)
    assert "((" not in email.body_text and "))" not in email.body_text


def test_no_category_label_leaves_doubled_punctuation(client):
    user = UserFactory()
    token = notify_services.unsubscribe_token(user=user, category=Category.FOLLOW_UPS)
    page = text_of(client.get(f"/notifications/unsubscribe/{token}/").content.decode())
    assert "You will no longer get emails about follow-ups: how advice you tried turned out. They stay" in page
    done = text_of(client.post(f"/notifications/unsubscribe/{token}/").content.decode())
    assert "No more emails about follow-ups: how advice you tried turned out. You can turn them on again" in done
    for label in Category.labels:
        assert not re.search(r"[?!.]$", label), label


def test_the_weekly_digest_subject_names_the_dates_not_an_iso_week():
    user = UserFactory()
    email = notify_services.queue_email(
        user=user,
        category=Category.DIGEST,
        template="practice_weekly_digest",
        context={
            "sections": [],
            "since": datetime(2026, 3, 2, 8, tzinfo=UTC),
            "now": datetime(2026, 3, 9, 8, tzinfo=UTC),
        },
    )
    assert email.subject == "Your week in the CHILD portal: 2 March to 9 March 2026"


def test_the_already_answered_hint_reads_right_without_javascript(as_user, community, member):
    url = reverse("practice:request-new", kwargs={"slug": community.slug})
    page = text_of(as_user(member).get(url).content.decode())
    assert (
        "Already answered? Press “Preview and check for answers” to see matching learning and resolved requests. "
        "Links open in a new tab, so you keep what you wrote."
    ) in page
    assert "as you type" not in page  # only learning.js, which makes it true, says so
    assert " ." not in page
