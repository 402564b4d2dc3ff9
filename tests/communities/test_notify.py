"""The notify service: inbox rows, email per preference, the outbox sweep, digests, unsubscribe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail, signing

from communities.models import Category, EmailMode, Notification, NotificationPreference, OutboundEmail, Role
from communities.services import notify as notify_services
from communities.services import outbox
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_writes_inbox_rows_and_queues_email_but_sends_nothing_itself():
    ana, bo = UserFactory(), UserFactory()
    notify_services.notify(recipients=[ana, bo], category=Category.DIRECTION, title="New vision draft", url="/c/x/")
    assert Notification.objects.filter(title="New vision draft").count() == 2
    assert OutboundEmail.objects.filter(state="pending").count() == 2
    assert mail.outbox == []  # the request path never talks to SMTP


def test_it_leaves_out_the_actor_and_duplicates():
    ana, bo = UserFactory(), UserFactory()
    notify_services.notify(recipients=[ana, bo, bo], category=Category.ADVICE, title="t", actor=ana)
    assert list(Notification.objects.values_list("user", flat=True)) == [bo.pk]


def test_it_leaves_out_deactivated_accounts():
    ana, gone = UserFactory(), UserFactory(is_active=False)
    notify_services.notify(recipients=[ana, gone], category=Category.ADVICE, title="t")
    assert list(Notification.objects.values_list("user", flat=True)) == [ana.pk]
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [ana.email]


@pytest.mark.parametrize("fan_out", [2, notify_services.RENDER_NOW_LIMIT + 1])
def test_it_gives_each_email_the_message_id_the_caller_names(fan_out):
    users = [UserFactory() for _ in range(fan_out)]
    notify_services.notify(
        recipients=users, category=Category.FOLLOW_UPS, title="t", message_id_for=lambda u: f"<sweep.{u.pk}@x>"
    )
    ids = set(OutboundEmail.objects.values_list("message_id", flat=True))
    assert ids == {f"<sweep.{u.pk}@x>" for u in users}


def test_it_honours_each_users_email_preference():
    immediate, daily, off = UserFactory(), UserFactory(), UserFactory()
    notify_services.preference_set(user=daily, category=Category.ADVICE, email=EmailMode.DAILY)
    notify_services.preference_set(user=off, category=Category.ADVICE, email=EmailMode.OFF)
    notify_services.notify(recipients=[immediate, daily, off], category=Category.ADVICE, title="New advice")
    assert Notification.objects.count() == 3
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [immediate.email]
    assert Notification.objects.get(user=daily).in_daily_digest is True
    assert Notification.objects.get(user=off).in_daily_digest is False


def test_the_sweep_sends_each_email_once_with_its_message_id_and_unsubscribe_header():
    ana = UserFactory()
    notify_services.notify(recipients=[ana], category=Category.DIRECTION, title="Adopted", url="/c/x/")
    email = OutboundEmail.objects.get()
    assert outbox.outbound_email_send_due() == 1
    assert outbox.outbound_email_send_due() == 0
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.extra_headers["Message-ID"] == email.message_id
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/unsubscribe/" in sent.extra_headers["List-Unsubscribe"]
    assert sent.alternatives[0][1] == "text/html"
    assert "http://testserver/c/x/" in sent.body
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 1)


def test_a_claimed_row_is_not_sent_by_a_second_worker():
    notify_services.notify(recipients=[UserFactory()], category=Category.DIRECTION, title="x")
    email = OutboundEmail.objects.get()
    now = datetime.now(UTC)
    token, batch = outbox.outbox_claim(now=now)
    assert [e.pk for e in batch] == [email.pk]
    assert outbox.outbox_claim(now=now)[1] == []
    assert outbox.outbound_email_send_due(now=now) == 0  # still freshly claimed by the first worker
    # A worker that died mid-send leaves the row "sending"; after the stale period it is retried,
    # keeping the same Message-ID so the receiver can spot the rare duplicate.
    assert outbox.outbound_email_send_due(now=now + outbox.STALE_CLAIM + timedelta(seconds=1)) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id
    # The first worker wakes up: the row no longer carries its claim, so it sends nothing.
    assert outbox.outbox_send_batch(batch, token=token, now=now) == (0, False)
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried_after_a_growing_back_off_and_then_given_up(settings):
    settings.EMAIL_BACKEND = "tests.communities.test_notify.FailingBackend"
    notify_services.notify(recipients=[UserFactory()], category=Category.DIRECTION, title="x")
    now = datetime.now(UTC)
    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert outbox.outbound_email_send_due(now=now) == 0
        email = OutboundEmail.objects.get()
        assert email.attempts == attempt
        if email.state == "failed":
            break
        assert (email.state, email.claim_token) == ("pending", "")
        waits.append(round((email.retry_at - now).total_seconds()))
        assert outbox.outbound_email_send_due(now=email.retry_at - timedelta(seconds=1)) == 0  # not yet
        assert OutboundEmail.objects.get().attempts == attempt
        now = email.retry_at
    assert waits == [outbox.RETRY_BASE.total_seconds() * 2**i for i in range(outbox.MAX_ATTEMPTS - 1)]
    assert email.state == "failed"
    assert email.attempts == outbox.MAX_ATTEMPTS
    assert "SMTP is down" in email.last_error


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")


def test_the_daily_digest_gathers_notifications_into_one_email_once():
    ana = UserFactory()
    notify_services.preference_set(user=ana, category=Category.ADVICE, email=EmailMode.DAILY)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        for title in ["First advice", "Second advice"]:
            notify_services.notify(recipients=[ana], category=Category.ADVICE, title=title, url="/c/x/requests/1/")
        assert OutboundEmail.objects.count() == 0
        assert outbox.daily_digests_send() == 1
        assert outbox.daily_digests_send() == 0
    digest = OutboundEmail.objects.get()
    assert "First advice" in digest.body_text and "Second advice" in digest.body_text
    assert digest.subject == "Your CHILD digest: 2 updates"


def test_the_daily_digest_names_its_own_category_and_its_one_click_link_stops_it(client):
    ana = UserFactory()
    notify_services.preference_set(user=ana, category=Category.ADVICE, email=EmailMode.DAILY)
    notify_services.notify(recipients=[ana], category=Category.ADVICE, title="First advice", url="/c/x/requests/1/")
    assert outbox.daily_digests_send() == 1
    digest = OutboundEmail.objects.get()
    assert digest.category == Category.DAILY_DIGEST
    assert "You get this email for: Daily digest\n" in digest.body_text
    assert "You get this email for: Daily digest<br>" in digest.body_html
    assert "Weekly" not in digest.body_text + digest.body_html
    link = digest.headers["List-Unsubscribe"].strip("<>")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert notify_services.read_unsubscribe_token(token) == (ana.pk, Category.DAILY_DIGEST)
    assert client.post(link.removeprefix("http://testserver")).status_code == 200
    assert NotificationPreference.objects.get(user=ana, category=Category.DAILY_DIGEST).email == EmailMode.OFF
    # The advice preference is untouched; the next day's notifications stay in the inbox, with no digest.
    assert NotificationPreference.objects.get(user=ana, category=Category.ADVICE).email == EmailMode.DAILY
    notify_services.notify(recipients=[ana], category=Category.ADVICE, title="Second advice", url="/c/x/requests/1/")
    assert outbox.daily_digests_send() == 0
    assert OutboundEmail.objects.count() == 1
    assert Notification.objects.filter(user=ana, title="Second advice", in_daily_digest=False).exists()


def test_account_emails_have_no_unsubscribe_token():
    ana = UserFactory()
    token = notify_services.unsubscribe_token(user=ana, category=Category.ACCOUNT)
    with pytest.raises(signing.BadSignature):
        notify_services.read_unsubscribe_token(token)


def test_the_preferences_offer_digests_as_on_or_off_and_value_reports_to_sponsors_only(client):
    ana = UserFactory()
    client.force_login(ana)
    form = client.get("/notifications/").context["form"]
    assert "account" not in form.fields and "reports" not in form.fields
    assert form.fields["digest"].choices == [("immediate", "By email"), ("off", "Off (in the portal only)")]
    assert form.fields["daily_digest"].choices == [("immediate", "By email"), ("off", "Off (in the portal only)")]
    assert form.fields["advice"].choices == list(EmailMode.choices)
    MembershipFactory(user=ana, community=CommunityFactory(), role=Role.SPONSOR)
    form = client.get("/notifications/").context["form"]
    assert form.fields["reports"].label == "Value reports (sponsors)"


def test_the_unsubscribe_link_turns_the_category_off_without_logging_in(client):
    ana = UserFactory()
    token = notify_services.unsubscribe_token(user=ana, category=Category.ADVICE)
    url = f"/notifications/unsubscribe/{token}/"
    assert client.get(url).status_code == 200
    assert not NotificationPreference.objects.exists()  # GET changes nothing
    response = client.post(url)  # RFC 8058 one-click: no session, no CSRF token
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=ana, category=Category.ADVICE).email == EmailMode.OFF
    notify_services.notify(recipients=[ana], category=Category.ADVICE, title="More advice")
    assert not OutboundEmail.objects.exists()


def test_a_tampered_unsubscribe_token_is_404(client):
    token = notify_services.unsubscribe_token(user=UserFactory(), category=Category.ADVICE)
    assert client.post(f"/notifications/unsubscribe/{token[:-2]}xx/").status_code == 404


def test_the_inbox_lists_my_notifications_only_with_constant_queries(client, django_assert_num_queries):
    ana, bo = UserFactory(), UserFactory()
    client.force_login(ana)
    for i in range(3):
        notify_services.notify(recipients=[ana, bo], category=Category.DIRECTION, title=f"Note {i}")
    client.get("/notifications/")  # the first request of a session also writes the session
    with django_assert_num_queries(8) as small:
        client.get("/notifications/")
    for i in range(20):
        notify_services.notify(recipients=[ana], category=Category.DIRECTION, title=f"More {i}")
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/notifications/")
    assert response.status_code == 200
    assert response.content.count(b" data-notification>") == 23
    assert response.content.count(b"/read/") == 23  # the "Mark read" buttons: all unread
    assert b"Note 0" in response.content


def test_each_item_is_a_plain_link_to_its_page_and_showing_the_inbox_changes_nothing(client):
    ana = UserFactory()
    (n,) = notify_services.notify(recipients=[ana], category=Category.DIRECTION, title="Vote", url="/c/x/direction/")
    client.force_login(ana)
    html = client.get("/notifications/").content.decode()
    assert '<a class="notification-link link-body-emphasis fw-semibold" href="/c/x/direction/">Vote</a>' in html
    assert f'action="/notifications/{n.pk}/open/"' not in html
    assert f'action="/notifications/{n.pk}/read/"' in html  # the no-script way to mark it read
    assert "/static/js/notifications.js" in html
    n.refresh_from_db()
    assert n.read_at is None


def test_an_item_whose_address_leaves_the_site_is_shown_without_a_link(client):
    ana = UserFactory()
    for url in ("https://evil.example/", "//evil.example/", ""):
        notify_services.notify(recipients=[ana], category=Category.DIRECTION, title="Odd", url=url)
    client.force_login(ana)
    html = client.get("/notifications/").content.decode()
    assert "evil.example" not in html
    assert html.count('<span class="fw-semibold">Odd</span>') == 3


def test_mark_read_marks_one_notification_and_returns_to_the_same_inbox_page(client):
    ana = UserFactory()
    first, second = (
        notify_services.notify(recipients=[ana], category=Category.DIRECTION, title=t, url="/c/x/")[0]
        for t in ("One", "Two")
    )
    client.force_login(ana)
    response = client.post(f"/notifications/{first.pk}/read/", {"page": "2"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=2"
    assert client.post(f"/notifications/{second.pk}/read/", {"page": "x"})["Location"] == "/notifications/"
    first.refresh_from_db()
    assert first.read_at is not None
    html = client.get("/notifications/").content.decode()
    assert f"/notifications/{first.pk}/read/" not in html  # a read item has no button left


def test_the_script_marks_read_in_the_background_and_gets_no_page(client):
    ana = UserFactory()
    (n,) = notify_services.notify(recipients=[ana], category=Category.DIRECTION, title="x", url="/c/x/")
    client.force_login(ana)
    response = client.post(f"/notifications/{n.pk}/read/", {"background": "1"})
    assert response.status_code == 204 and response.content == b""
    n.refresh_from_db()
    assert n.read_at is not None


def test_nobody_marks_someone_elses_notification_read(client):
    (n,) = notify_services.notify(recipients=[UserFactory()], category=Category.DIRECTION, title="x")
    client.force_login(UserFactory())
    assert client.post(f"/notifications/{n.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{n.pk}/read/").status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_preferences_are_saved_per_category(client):
    ana = UserFactory()
    client.force_login(ana)
    data = {c.value: EmailMode.IMMEDIATE for c in Category}
    data[Category.ADVICE] = EmailMode.DAILY
    data[Category.DIGEST] = EmailMode.OFF
    assert client.post("/notifications/", data).status_code == 302
    assert dict(NotificationPreference.objects.filter(user=ana).values_list("category", "email")) == {
        "advice": "daily",
        "digest": "off",
    }


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_subjects_and_text_bodies_are_plain_text_not_html_escaped():
    ana = UserFactory()
    notify_services.notify(recipients=[ana], category=Category.DIRECTION, title="Handover & hand-off: “SBAR” <draft>")
    email = OutboundEmail.objects.get()
    assert email.subject == "Handover & hand-off: “SBAR” <draft>"
    assert "Handover & hand-off: “SBAR” <draft>" in email.body_text
    assert "Handover &amp; hand-off" in email.body_html


def test_a_large_fan_out_is_rendered_by_the_sweep_not_the_request(django_assert_max_num_queries):
    community = CommunityFactory(name="Big Network")
    people = [UserFactory() for _ in range(notify_services.RENDER_NOW_LIMIT + 15)]
    with django_assert_max_num_queries(8):  # bulk inserts, whatever the number of recipients
        notify_services.notify(
            recipients=people,
            category=Category.VIBRANCY,
            title="A vibrancy round is open",
            url="/c/big/vibrancy/",
            community=community,
        )
    queued = OutboundEmail.objects.all()
    assert queued.count() == len(people)
    assert set(queued.values_list("body_text", flat=True)) == {""}
    assert outbox.outbound_email_send_due() == len(people)
    by_address = {m.to[0]: m for m in mail.outbox}
    first = by_address[people[0].email]
    assert first.subject == "[Big Network] A vibrancy round is open"
    assert f"Hello {people[0].name}," in first.body
    assert "http://testserver/c/big/vibrancy/" in first.body
    token = first.extra_headers["List-Unsubscribe"].split("/unsubscribe/")[1].rstrip("/>")
    assert notify_services.read_unsubscribe_token(token) == (people[0].pk, Category.VIBRANCY)
    rendered = OutboundEmail.objects.get(to=people[0].email)
    assert rendered.state == "sent" and rendered.body_html
