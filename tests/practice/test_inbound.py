"""Reply by email: Reply-To on actionable emails, and each reply posted once through the practice services."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from childsys.lib.ratelimit import Rate
from communities.models import Membership, OutboundEmail
from communities.services import outbox
from communities.services import reply_by_email as tokens
from practice.inbound.service import process_inbound
from practice.models import Advice, AdviceResponse, DiscussionComment, InboundEmail
from practice.services import requests as services
from tests.practice.inbound_helpers import REPLY_DOMAIN, reply, reply_to_of

pytestmark = pytest.mark.django_db
State = InboundEmail.State
MARKER = "Reply to this email to answer; everything above this line is posted."


@pytest.fixture(autouse=True)
def reply_domain(settings):
    settings.REPLY_DOMAIN = REPLY_DOMAIN


@pytest.fixture
def request_email(post_request, expert, tags):
    """A request in the expert's field: the expert's email and its Reply-To."""
    help_request = post_request(tags=[tags["medication"]])
    return help_request, reply_to_of(expert, "New request")


def _sent_to(address: str) -> list:
    """The automatic answers (refusals, notices) delivered to ``address``, parsed from the sent mail."""
    outbox.outbound_email_send_due()
    return [m for m in mail.outbox if m.to == [address] and m.extra_headers.get("Auto-Submitted") == "auto-replied"]


# --- the outgoing side ---------------------------------------------------------------------------


def test_actionable_emails_carry_a_signed_reply_to_threading_headers_and_the_footer(request_email, expert, member):
    help_request, address = request_email
    assert re.fullmatch(rf"reply\+r{help_request.pk}-u{expert.pk}-[0-9a-z]+-[0-9a-f]{{24}}@{REPLY_DOMAIN}", address)
    assert len(address.split("@")[0]) <= 64
    email = OutboundEmail.objects.get(user=expert)
    thread = f"<practice.request.{help_request.pk}@child.example>"
    assert email.headers["In-Reply-To"] == email.headers["References"] == thread
    assert email.headers["Auto-Submitted"] == "auto-generated"
    assert MARKER in email.body_text and MARKER in email.body_html
    services.advice_create(help_request=help_request, author=expert, body="Try the pharmacist.")
    advice_email = OutboundEmail.objects.get(user=member)
    assert advice_email.headers["References"] == thread  # the asker's client groups the request's emails
    advice = Advice.objects.get()
    assert advice_email.headers["Reply-To"].startswith(f"reply+a{advice.pk}-u{member.pk}-")
    outbox.outbound_email_send_due()
    sent = next(m for m in mail.outbox if m.to == [expert.email])
    assert sent.extra_headers["Reply-To"] == address


def test_without_reply_domain_nothing_changes(settings, post_request, expert, tags):
    settings.REPLY_DOMAIN = ""
    post_request(tags=[tags["medication"]])
    email = OutboundEmail.objects.get(user=expert)
    assert "Reply-To" not in email.headers and "References" not in email.headers
    assert MARKER not in email.body_text and MARKER not in email.body_html


def test_emails_rendered_by_the_outbox_sweep_keep_their_reply_to(community, member, post_request, tags):
    from tests.factories import MembershipFactory, UserFactory

    experts = [UserFactory() for _ in range(25)]  # more than notify() renders in the request
    for user in experts:
        MembershipFactory(community=community, user=user).expertise.add(tags["medication"])
    post_request(tags=[tags["medication"]])
    deferred = OutboundEmail.objects.get(user=experts[0])
    assert deferred.body_text == "" and deferred.headers["Reply-To"].startswith("reply+r")
    outbox.outbound_email_send_due()
    deferred.refresh_from_db()
    assert MARKER in deferred.body_text and "List-Unsubscribe" in deferred.headers
    assert deferred.headers["Reply-To"].startswith("reply+r")


def test_a_token_is_refused_when_changed_or_expired(expert):
    token = tokens.make_token(user_id=expert.pk, target="r5", now=1_000_000)
    assert tokens.read_token(token.upper(), now=1_000_000 + 60).user_id == expert.pk  # case folded by a server
    with pytest.raises(tokens.BadToken):
        tokens.read_token(token.replace("-u", "-u9"), now=1_000_000)
    with pytest.raises(tokens.BadToken) as expired:
        tokens.read_token(token, now=1_000_000 + 31 * 86400)
    assert expired.value.expired.target == "r5"


# --- replies that post ----------------------------------------------------------------------------


def test_a_reply_to_a_request_email_becomes_advice_once(request_email, expert, member):
    help_request, address = request_email
    raw = reply(to=address, sender="Core <core@example.org>")
    row = process_inbound(raw, source="command")
    assert row.state == State.PROCESSED and row.user == expert
    advice = Advice.objects.get()
    assert (advice.request, advice.author) == (help_request, expert)
    assert advice.body == "Ask the on-call pharmacist to be the second checker."
    help_request.refresh_from_db()
    assert help_request.status == "answered" and help_request.first_response_at is not None
    assert OutboundEmail.objects.filter(user=member, subject__contains="advised").count() == 1  # the asker is told
    again = process_inbound(raw, source="webhook:mailgun")
    assert again.pk == row.pk and Advice.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_a_reply_to_a_discussion_email_becomes_a_discussion_message(request_email, expert, member):
    help_request, _ = request_email
    advice = services.advice_create(help_request=help_request, author=expert, body="Try the pharmacist.")
    services.advice_respond(advice=advice, author=member, kind=AdviceResponse.Kind.DISCUSS, note="Not at night.")
    address = reply_to_of(expert, "sees it differently")
    row = process_inbound(reply(to=address, sender="core@example.org", text="Then the site manager."), "imap")
    assert row.state == State.PROCESSED
    comment = DiscussionComment.objects.get()
    assert (comment.advice, comment.author, comment.body) == (advice, expert, "Then the site manager.")
    # The asker hears about it by email, and may answer that email in turn.
    address = reply_to_of(member, "replied in the discussion")
    assert process_inbound(reply(to=address, sender="member@example.org", text="OK."), "imap").state == State.PROCESSED
    assert DiscussionComment.objects.filter(author=member, body="OK.").exists()


def test_attachments_are_not_posted_and_the_author_is_told(request_email, expert):
    _, address = request_email
    raw = reply(to=address, sender="core@example.org", attachment=("protocol.pdf", b"%PDF-1.4"))
    row = process_inbound(raw, source="command")
    assert row.state == State.PROCESSED
    assert "protocol" not in Advice.objects.get().body
    (notice,) = _sent_to("core@example.org")
    assert "protocol.pdf" in notice.body and "not posted" in notice.body
    assert notice.extra_headers["Auto-Submitted"] == "auto-replied"


# --- replies that are ignored or refused ---------------------------------------------------------------


def test_auto_replies_and_bounces_are_ignored_without_an_answer(request_email):
    _, address = request_email
    for headers in ({"Auto-Submitted": "auto-replied"}, {"X-Autoreply": "yes"}, {"Precedence": "bulk"}):
        row = process_inbound(reply(to=address, sender="core@example.org", headers=headers), "imap")
        assert row.state == State.IGNORED
    bounce = reply(to=address, sender="MAILER-DAEMON@mail.example.org")
    assert process_inbound(bounce, "imap").state == State.IGNORED
    own = reply(to=address, sender="CHILD portal <noreply@child.example>")
    assert process_inbound(own, "imap").outcome == "our own email"
    assert Advice.objects.count() == 0
    assert _sent_to("core@example.org") == []


def test_a_forged_from_is_refused_politely_once_an_hour(request_email):
    _, address = request_email
    row = process_inbound(reply(to=address, sender="intruder@evil.example"), "imap")
    assert row.state == State.REFUSED and row.replied_at is not None
    assert Advice.objects.count() == 0
    (refusal,) = _sent_to("intruder@evil.example")
    assert "only its owner's verified addresses" in refusal.body
    assert "Ask the on-call pharmacist" in refusal.body  # what they wrote comes back: nothing is lost
    assert refusal.extra_headers["Auto-Submitted"] == "auto-replied"
    second = process_inbound(reply(to=address, sender="intruder@evil.example"), "imap")
    assert second.state == State.REFUSED and second.replied_at is None
    assert "one reply per sender per hour" in second.outcome
    mail.outbox.clear()
    assert _sent_to("intruder@evil.example") == []
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        third = process_inbound(reply(to=address, sender="intruder@evil.example"), "imap")
    assert third.replied_at is not None


def test_an_unverified_address_of_the_user_is_refused(request_email, expert):
    from allauth.account.models import EmailAddress

    _, address = request_email
    EmailAddress.objects.create(user=expert, email="core@home.example", verified=False)
    assert process_inbound(reply(to=address, sender="core@home.example"), "imap").state == State.REFUSED
    assert Advice.objects.count() == 0


def test_an_expired_token_is_refused_with_a_link_to_the_request(request_email):
    help_request, address = request_email
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        row = process_inbound(reply(to=address, sender="core@example.org"), "imap")
    assert row.state == State.REFUSED and Advice.objects.count() == 0
    (refusal,) = _sent_to("core@example.org")
    assert "more than 30 days old" in refusal.body
    assert f"http://testserver/c/med-safety/requests/{help_request.pk}/" in refusal.body


def test_a_member_who_left_is_refused(request_email, expert, community):
    _, address = request_email
    Membership.objects.filter(user=expert, community=community).delete()
    row = process_inbound(reply(to=address, sender="core@example.org"), "imap")
    assert row.state == State.REFUSED and Advice.objects.count() == 0
    assert "no longer a member of Medication Safety Network" in _sent_to("core@example.org")[0].body


def test_a_closed_request_is_refused(request_email, facilitator):
    help_request, address = request_email
    services.help_request_close(help_request=help_request, actor=facilitator, reason="Duplicate.")
    row = process_inbound(reply(to=address, sender="core@example.org"), "imap")
    assert row.state == State.REFUSED and row.outcome == "This request is no longer taking advice."
    assert Advice.objects.count() == 0
    assert "no longer taking advice" in _sent_to("core@example.org")[0].body


def test_a_reply_under_hidden_advice_is_refused(request_email, expert, member, facilitator):
    help_request, _ = request_email
    advice = services.advice_create(help_request=help_request, author=expert, body="Try the pharmacist.")
    services.advice_respond(advice=advice, author=member, kind=AdviceResponse.Kind.DISCUSS)
    address = reply_to_of(expert, "sees it differently")
    services.content_hide(obj=advice, actor=facilitator, reason="Unsafe.")
    row = process_inbound(reply(to=address, sender="core@example.org"), "imap")
    assert row.state == State.REFUSED and "hidden by a facilitator" in row.outcome
    assert DiscussionComment.objects.count() == 0


def test_a_reply_holding_a_patient_identifier_is_refused_and_sent_back(request_email):
    _, address = request_email
    text = "Check with her GP, NHS 943 476 5919, before the second dose."
    row = process_inbound(reply(to=address, sender="core@example.org", text=text), "imap")
    assert row.state == State.REFUSED and row.outcome == "possible patient identifiers (gb_nhs)"
    assert Advice.objects.count() == 0
    (refusal,) = _sent_to("core@example.org")
    assert "Your reply may identify a patient, so nothing was posted." in refusal.body
    assert "an NHS number: 943 476 5919" in refusal.body
    assert text in refusal.body  # what they wrote comes back, so nothing is lost


def test_the_web_rate_limit_applies(request_email, monkeypatch):
    _, address = request_email
    monkeypatch.setattr(services, "ADVICE_RATE", Rate(limit=1, period=3600))
    assert process_inbound(reply(to=address, sender="core@example.org"), "imap").state == State.PROCESSED
    row = process_inbound(reply(to=address, sender="core@example.org", text="And a second thought."), "imap")
    assert row.state == State.REFUSED and row.outcome == "rate limit"
    assert Advice.objects.count() == 1
    refusal = next(m for m in _sent_to("core@example.org") if "not posted" in m.subject)
    assert "limit of 1 an hour" in refusal.body and "And a second thought." in refusal.body


def test_a_message_too_large_is_refused_unread(request_email, settings):
    _, address = request_email
    settings.INBOUND_MAX_BYTES = 200
    row = process_inbound(reply(to=address, sender="core@example.org"), "imap")
    assert row.state == State.REFUSED and row.outcome.startswith("too large")
    assert Advice.objects.count() == 0


def test_a_failure_is_kept_with_its_error_and_can_be_processed_again(request_email, monkeypatch):
    _, address = request_email
    raw = reply(to=address, sender="core@example.org")

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "advice_create", broken)
    row = process_inbound(raw, "imap")
    assert row.state == State.FAILED and "database hiccup" in row.error and bytes(row.raw) == raw
    monkeypatch.undo()
    again = process_inbound(raw, "imap")
    assert again.pk == row.pk and again.state == State.PROCESSED and again.attempts == 2
    assert bytes(again.raw) == b"" and Advice.objects.count() == 1


# --- the management command -----------------------------------------------------------------------


def test_the_command_processes_files_and_standard_input(request_email, tmp_path, monkeypatch):
    _, address = request_email
    first = tmp_path / "reply.eml"
    first.write_bytes(reply(to=address, sender="core@example.org"))
    out = io.StringIO()
    call_command("process_inbound_email", str(first), stdout=out)
    assert "Posted" in out.getvalue() and Advice.objects.count() == 1
    call_command("process_inbound_email", str(first), stdout=io.StringIO())  # again: still one
    assert Advice.objects.count() == 1
    second = reply(to=address, sender="core@example.org", text="A second idea.")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(second)))
    call_command("process_inbound_email", "-", stdout=io.StringIO())
    assert Advice.objects.filter(body="A second idea.").exists()
    with pytest.raises(CommandError):
        call_command("process_inbound_email", str(tmp_path / "missing.eml"))


# --- the admin -----------------------------------------------------------------------------------


def test_site_admins_see_failed_messages_and_can_process_them_again(request_email, monkeypatch, as_user, site_admin):
    _, address = request_email
    monkeypatch.setattr(services, "advice_create", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("hiccup")))
    row = process_inbound(reply(to=address, sender="core@example.org"), "imap")
    monkeypatch.undo()
    client = as_user(site_admin)
    page = client.get("/admin/practice/inboundemail/?state__exact=failed")
    assert page.status_code == 200 and b"RuntimeError: hiccup" in page.content
    detail = client.get(f"/admin/practice/inboundemail/{row.pk}/change/")
    assert b"hiccup" in detail.content
    response = client.post(
        "/admin/practice/inboundemail/", {"action": "process_again", "_selected_action": [row.pk]}, follow=True
    )
    assert b"1 message(s) processed" in response.content
    row.refresh_from_db()
    assert row.state == State.PROCESSED and Advice.objects.count() == 1


def test_members_cannot_open_the_inbound_admin(as_user, member):
    response = as_user(member).get("/admin/practice/inboundemail/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_askers_reply_to_advice_before_any_discussion_is_refused_with_what_to_do(request_email, expert, member):
    help_request, _ = request_email
    services.advice_create(help_request=help_request, author=expert, body="Try the pharmacist.")
    address = reply_to_of(member, "advised")
    row = process_inbound(reply(to=address, sender="member@example.org", text="Thanks!"), "imap")
    assert row.state == State.REFUSED and DiscussionComment.objects.count() == 0
    (refusal,) = _sent_to("member@example.org")
    assert "A discussion opens when the asker says they see it differently." in refusal.body
    assert f"http://testserver/c/med-safety/requests/{help_request.pk}/" in refusal.body
