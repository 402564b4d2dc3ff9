"""Every kind of email the portal sends, rendered with Markdown-bearing content and parsed as a mail client would.

The kinds are found from ``templates/emails/*_subject.txt``: a new kind without a case here fails the
test. Each email is queued with ``queue_email``, delivered by the outbox sweep (locmem backend) and
parsed from its bytes with Python's ``email`` module: multipart/alternative, a viewport meta tag, no
Markdown syntax left in either part, and the List-Unsubscribe token of its own category (none for
invitations and account emails), which switches exactly that preference off.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from communities.models import Category, EmailMode, NotificationPreference
from communities.services import notify as notify_services
from communities.services import outbox
from practice.models import Outcome
from tests.factories import CommunityFactory, InvitationFactory, UserFactory
from tests.practice.factories import (
    AdviceFactory,
    AdviceResponseFactory,
    DiscussionCommentFactory,
    HelpRequestFactory,
)

pytestmark = pytest.mark.django_db

MARKDOWN = (
    "We **always** check the _chart_ first, see [the protocol](https://example.org/protocol).\n\n"
    "- ask the __pharmacist__\n- write it down\n\n1. first\n2. second"
)
# What the plain text of MARKDOWN must read like.
READABLE = [
    "We always check the chart first, see the protocol (https://example.org/protocol).",
    "- ask the pharmacist\n- write it down",
    "1. first\n2. second",
]
MARKDOWN_SYNTAX = ("**", "__", "](")


def kinds() -> list[str]:
    root = Path(settings.BASE_DIR) / "templates" / "emails"
    return sorted(p.name.removesuffix("_subject.txt") for p in root.glob("*_subject.txt"))


def build(kind: str, user, community) -> tuple[str | None, dict, bool]:
    """(category, context, whether the Markdown above is part of the email's content)."""
    help_request = HelpRequestFactory(community=community, author=user, situation=MARKDOWN)
    advice = AdviceFactory(request=help_request, body=MARKDOWN)
    base = {"community": community, "help_request": help_request, "url": "https://child.example/x/"}
    if kind == "account":
        return Category.ACCOUNT, {"subject": "[CHILD] Password Reset Email", "message": "Reset it here."}, False
    if kind == "data_export_ready":
        context = {"download_url": "https://child.example/me/data/x/", "page_url": "https://child.example/me/data/"}
        return Category.ACCOUNT, {**context, "expires_at": timezone.now(), "size": 12_345}, False
    if kind == "daily_digest":
        note = notify_services.notify(recipients=[user], category=Category.ADVICE, title="A title")[0]
        return Category.DAILY_DIGEST, {"items": [note], "date": timezone.now()}, False
    if kind == "invitation":
        invitation = InvitationFactory(community=community, message=MARKDOWN)
        community.domain = MARKDOWN
        return None, {**base, "invitation": invitation, "inviter": UserFactory(), "role_label": "Member"}, True
    if kind == "notification":
        return Category.DIRECTION, {**base, "title": "Vision draft", "body": MARKDOWN}, True
    if kind == "practice_advice_new":
        return Category.ADVICE, {**base, "advice": advice, "adviser": advice.author, "body": "x"}, True
    if kind == "practice_advice_response":
        response = AdviceResponseFactory(advice=advice, note=MARKDOWN)
        title = f"{user} will try your advice on “{help_request.title}”"
        return Category.ADVICE, {**base, "advice": advice, "response": response, "asker": user, "title": title}, True
    if kind == "practice_discussion_comment":
        comment = DiscussionCommentFactory(advice=advice, body=MARKDOWN)
        return Category.ADVICE, {**base, "advice": advice, "comment": comment, "commenter": comment.author}, True
    if kind == "practice_anonymous_message":
        context = {"sender": UserFactory(), "message": "Are you all right?", "title": "A facilitator wrote"}
        return Category.ADVICE, {**base, **context}, False
    if kind == "practice_followup_reminder":
        context = {"tried_on": "1 March", "advisers": ["Femke de Boer"], "next_on": "15 March", "request_url": "/r/"}
        return Category.FOLLOW_UPS, {**base, **context}, False
    if kind == "practice_loop_advice_helped":
        outcome = Outcome.objects.create(
            request=help_request,
            community=community,
            author=user,
            result=Outcome.Result.RESOLVED,
            what_worked=MARKDOWN,
            what_didnt=MARKDOWN,
        )
        return Category.ADVICE, {**base, "outcome": outcome, "asker": user}, True
    if kind == "practice_loop_lapsed":
        context = {
            "asker_name": "Ana",
            "tried_on": "1 March",
            "lapsed_on": "1 April",
            "follow_up": {"reminders_sent": 2},
        }
        return Category.FOLLOW_UPS, {**base, **context}, False
    if kind == "practice_request_new":
        return Category.REQUESTS, {**base, "asker": user, "urgent": True, "body": "x"}, True
    if kind == "practice_request_overdue":
        return Category.REQUESTS, {**base, "hours": 30, "body": "x"}, True
    if kind == "practice_weekly_digest":
        item = {"title": "A request", "url": "https://child.example/r/", "what_worked": MARKDOWN, "summary": MARKDOWN}
        sections = [{"heading": "Loops closed this week", "items": [item]}]
        now = timezone.now()
        return Category.DIGEST, {"sections": sections, "since": now - timedelta(days=7), "now": now}, False
    if kind == "value_report":
        figures = [{"label": "Requests", "value": 3, "change": "+1", "arrow": "↑", "better": True}]
        context = {"period_title": "March 2026", "period_label": "1–31 March", "previous_label": "February"}
        return Category.REPORTS, {**base, **context, "sections": [{"title": "Practice", "figures": figures}]}, False
    if kind == "vibrancy_round_opened":
        return Category.VIBRANCY, {**base, "opened_by": "Femke", "closes_on": date(2026, 4, 1), "note": MARKDOWN}, True
    if kind == "inbound_refused":
        reason = "The address you replied to is not one the portal gave out, so nothing was posted."
        return None, {**base, "reason": reason, "text": "My answer, kept."}, False  # to the sender: no unsubscribe
    if kind == "inbound_attachments":
        return None, {**base, "attachments": ["chart.pdf"]}, False
    if kind in ("practice_session", "practice_session_reminder"):
        from tests.practice.factories_sessions import PracticeSessionFactory

        session = PracticeSessionFactory(community=community, description=MARKDOWN)
        when = "Tuesday 3 March, 14:00-15:00"
        if kind == "practice_session":
            return Category.SESSIONS, {**base, "session": session, "when": when, "change": "", "note": ""}, True
        return Category.SESSIONS, {**base, "session": session, "when": when, "title": "Tomorrow: a case clinic"}, False
    raise AssertionError(f"no case for the email kind {kind!r}: add one")


def test_every_kind_has_a_case():
    assert len(kinds()) == 21
    user, community = UserFactory(), CommunityFactory()
    for kind in kinds():
        build(kind, user, community)  # raises for a kind without a case


@pytest.mark.parametrize("kind", kinds())
def test_each_email_kind_is_multipart_readable_and_names_its_own_category(kind):
    user = UserFactory(display_name="Ana Silva")
    community = CommunityFactory(name="Ward Talk")
    category, context, has_markdown = build(kind, user, community)
    mail.outbox.clear()
    queued = notify_services.queue_email(
        user=None if category is None else user,
        to=user.email,
        category=category or Category.MEMBERSHIP,
        template=kind,
        context=context,
    )
    assert outbox.outbound_email_send_due() >= 1
    (sent,) = [m for m in mail.outbox if m.extra_headers["Message-ID"] == queued.message_id]
    message = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)

    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    for part in (text, html, message["Subject"]):
        words = re.sub(r"https?://\S+", "", part)  # signed tokens in links may hold "__" by chance
        for syntax in MARKDOWN_SYNTAX:
            assert syntax not in words, (kind, syntax)
    assert not re.search(r"(^|>)\s*- ", html, re.M), "a flattened list in the html part"
    assert "?." not in text and "?.</" not in html
    if has_markdown:
        assert "<strong>always</strong>" in html and "<li>ask the <strong>pharmacist</strong></li>" in html
        assert '<a href="https://example.org/protocol"' in html
        assert all(chunk in text for chunk in READABLE), text

    header = (message["List-Unsubscribe"] or "").strip() or None
    if category in (None, Category.ACCOUNT):
        assert header is None
        assert "Unsubscribe" not in text and "Unsubscribe" not in html
        return
    label = Category(category).label
    assert f"You get this email for: {label}\n" in text
    assert f"You get this email for: {label}<br>" in html
    link = re.fullmatch(r"<https?://testserver(/notifications/unsubscribe/([^/]+)/)>", header)
    assert link, header
    assert notify_services.read_unsubscribe_token(link.group(2)) == (user.pk, category)
    assert Client().post(link.group(1)).status_code == 200
    assert list(NotificationPreference.objects.filter(user=user).values_list("category", "email")) == [
        (category, EmailMode.OFF)
    ]
