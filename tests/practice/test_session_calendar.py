"""Practice sessions in real calendars: invitations, updates and cancellations by email (iTIP), the
event's .ics and the personal feed. Every calendar is parsed by icalendar AND by vobject."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
import vobject
from django.core import mail
from django.urls import reverse

from communities.models import Community, Membership, OutboundEmail, Role
from communities.services.outbox import outbound_email_send_due
from practice.models import PracticeSession, SessionRSVP
from practice.services import sessions as services
from tests.factories import CommunityFactory, UserFactory
from tests.practice.factories_sessions import PracticeSessionFactory, SessionRSVPFactory

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
# Tuesday 20 October 2026, 14:00 in Amsterdam (CEST, UTC+2); the clocks go back on Sunday 25 October.
BEFORE_DST_END = datetime(2026, 10, 20, 14, 0, tzinfo=AMS)
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def amsterdam(community) -> Community:
    community.time_zone = "Europe/Amsterdam"
    community.save(update_fields=["time_zone"])
    return community


def _schedule(community, actor, **extra) -> PracticeSession:
    fields = {
        "title": "Case clinic: insulin errors",
        "kind": PracticeSession.Kind.CASE_CLINIC,
        "starts_at": BEFORE_DST_END,
        "ends_at": BEFORE_DST_END + timedelta(hours=1, minutes=30),
        "place": "Seminar room 2",
        "online_url": "https://meet.example.org/clinic",
        "capacity": None,
        "description": "Bring a **recent** case.",
        "repeat": "",
        "occurrences": 1,
        **extra,
    }
    with time_machine.travel(NOW, tick=False):
        return services.session_create(community=community, actor=actor, now=NOW, **fields)


def _deliver() -> list[email.message.Message]:
    mail.outbox.clear()
    with time_machine.travel(NOW, tick=False):
        outbound_email_send_due()
    return [email.message_from_bytes(m.message().as_bytes(), policy=email.policy.default) for m in mail.outbox]


def _calendar_part(message: email.message.Message) -> tuple[str, str]:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in message.walk()]
    return parts[0].get_param("method"), parts[0].get_payload(decode=True).decode()


def _both(text: str):
    """The calendar parsed by icalendar and by vobject (each raises on a calendar it cannot read)."""
    return icalendar.Calendar.from_ical(text), vobject.readOne(text)


def _event(cal: icalendar.Calendar) -> icalendar.Event:
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_it_invites_every_member_with_text_html_and_a_calendar_request_that_both_parsers_read(
    amsterdam, facilitator, member, newcomer
):
    session = _schedule(amsterdam, facilitator)
    messages = _deliver()
    assert sorted(m["To"] for m in messages) == sorted(u.email for u in (facilitator, member, newcomer))
    message = next(m for m in messages if m["To"] == member.email)
    assert message.get_content_type() == "multipart/alternative"
    types = [p.get_content_type() for p in message.walk() if not p.is_multipart()]
    assert types == ["text/plain", "text/html", "text/calendar"]
    assert "Invitation: Case clinic: insulin errors" in message["Subject"]
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "Tue 20 Oct 2026, 14:00–15:30 (Europe/Amsterdam)" in text
    assert session.get_absolute_url() in text

    method, body = _calendar_part(message)
    assert method == "REQUEST"
    cal, vcal = _both(body)
    assert cal["METHOD"] == "REQUEST" and vcal.method.value == "REQUEST"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    event = _event(cal)
    assert str(event["UID"]) == f"session-{session.uid}@child.example" == vcal.vevent.uid.value
    assert event["SEQUENCE"] == 0 and vcal.vevent.sequence.value == "0"
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    assert vcal.vevent.dtstart.value.astimezone(UTC) == datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    assert vcal.vevent.dtend.value - vcal.vevent.dtstart.value == timedelta(hours=1, minutes=30)
    assert str(event["ATTENDEE"]) == f"mailto:{member.email}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert "Seminar room 2" in str(event["LOCATION"])
    # Each email's Message-ID is its own and stable: the session, its SEQUENCE and the recipient.
    row = OutboundEmail.objects.get(to=member.email)
    assert row.message_id == f"<session.{session.uid}.0.{member.pk}@child.example>"
    assert row.category == "sessions"


def test_a_weekly_series_keeps_its_wall_clock_time_across_the_change_from_summer_time(amsterdam, facilitator, member):
    session = _schedule(amsterdam, facilitator, repeat="weekly", occurrences=3)
    assert session.occurrence_starts() == [
        datetime(2026, 10, 20, 12, 0, tzinfo=UTC),  # CEST, UTC+2
        datetime(2026, 10, 27, 13, 0, tzinfo=UTC),  # CET, UTC+1
        datetime(2026, 11, 3, 13, 0, tzinfo=UTC),
    ]
    _method, body = _calendar_part(next(m for m in _deliver() if m["To"] == member.email))
    cal, vcal = _both(body)
    assert str(_event(cal)["RRULE"].to_ical().decode()) == "FREQ=WEEKLY;COUNT=3"
    starts = list(vcal.vevent.getrruleset())
    assert [s.astimezone(AMS).strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2026-10-20 14:00",
        "2026-10-27 14:00",
        "2026-11-03 14:00",
    ]
    assert [s.astimezone(UTC).hour for s in starts] == [12, 13, 13]


def test_an_update_keeps_the_uid_and_raises_the_sequence_and_a_cancelled_occurrence_becomes_an_exdate(
    amsterdam, facilitator, member
):
    session = _schedule(amsterdam, facilitator, repeat="weekly", occurrences=3)
    _deliver()  # the invitations
    with time_machine.travel(NOW, tick=False):
        assert services.session_update(session=session, actor=facilitator, place="Room 4", now=NOW)
    session.refresh_from_db()
    assert session.sequence == 1
    method, body = _calendar_part(next(m for m in _deliver() if m["To"] == member.email))
    cal, vcal = _both(body)
    assert method == "REQUEST"
    assert _event(cal)["SEQUENCE"] == 1 and vcal.vevent.sequence.value == "1"
    assert str(_event(cal)["UID"]) == f"session-{session.uid}@child.example"
    assert "Room 4" in str(_event(cal)["LOCATION"])

    skipped = datetime(2026, 10, 27, 13, 0, tzinfo=UTC)
    with time_machine.travel(NOW, tick=False):
        assert services.occurrence_cancel(session=session, actor=facilitator, start=skipped, now=NOW)
    session.refresh_from_db()
    assert session.sequence == 2 and session.occurrence_starts() == [
        datetime(2026, 10, 20, 12, 0, tzinfo=UTC),
        datetime(2026, 11, 3, 13, 0, tzinfo=UTC),
    ]
    messages = _deliver()
    message = next(m for m in messages if m["To"] == member.email)
    assert "Updated:" in message["Subject"]
    _method, body = _calendar_part(message)
    cal, vcal = _both(body)
    event = _event(cal)
    assert event["SEQUENCE"] == 2
    exdates = [d.dt for d in event["EXDATE"].dts]
    assert exdates == [datetime(2026, 10, 27, 14, 0, tzinfo=AMS)]
    assert [s.astimezone(UTC) for s in vcal.vevent.getrruleset()] == session.occurrence_starts()


def test_a_cancellation_sends_method_cancel_with_the_same_uid_and_a_higher_sequence(amsterdam, facilitator, member):
    session = _schedule(amsterdam, facilitator)
    _deliver()
    with time_machine.travel(NOW, tick=False):
        assert services.session_cancel(session=session, actor=facilitator, now=NOW)
        assert not services.session_cancel(session=session, actor=facilitator, now=NOW)  # once
    message = next(m for m in _deliver() if m["To"] == member.email)
    assert "Cancelled:" in message["Subject"]
    method, body = _calendar_part(message)
    assert method == "CANCEL"
    cal, vcal = _both(body)
    assert cal["METHOD"] == "CANCEL" and vcal.method.value == "CANCEL"
    event = _event(cal)
    assert event["STATUS"] == "CANCELLED" and vcal.vevent.status.value == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"session-{session.uid}@child.example"


def test_only_the_core_group_and_above_schedule(amsterdam, member, core):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _schedule(amsterdam, member)
    assert _schedule(amsterdam, core).pk


def test_the_event_ics_parses_with_both_and_carries_my_answer(amsterdam, facilitator, member, as_user):
    session = _schedule(amsterdam, facilitator, repeat="monthly", occurrences=4)
    SessionRSVPFactory(session=session, user=member, answer=SessionRSVP.Answer.MAYBE)
    response = as_user(member).get(reverse("practice:session-ics", kwargs={"slug": amsterdam.slug, "pk": session.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal, vcal = _both(response.content.decode())
    event = _event(cal)
    assert event["ATTENDEE"].params["PARTSTAT"] == "TENTATIVE"
    assert vcal.vtimezone.tzid.value == "Europe/Amsterdam"
    assert [s.astimezone(AMS).strftime("%d %b %H:%M") for s in vcal.vevent.getrruleset()] == [
        "20 Oct 14:00",
        "20 Nov 14:00",
        "20 Dec 14:00",
        "20 Jan 14:00",
    ]


def _feed_url(user) -> str:
    return reverse("calendar:feed", kwargs={"token": services.feed_token(user)})


def test_the_personal_feed_lists_the_sessions_of_all_my_communities_and_nothing_else(
    client, amsterdam, facilitator, member, stranger, other_community
):
    mine = _schedule(amsterdam, facilitator)
    second = CommunityFactory(name="Night shift", slug="night-shift", time_zone="America/New_York")
    Membership.objects.create(community=second, user=member, role=Role.MEMBER)
    other = PracticeSessionFactory(community=second, title="Night huddle", kind=PracticeSession.Kind.HUDDLE)
    PracticeSessionFactory(community=other_community, title="Not for members of med-safety")
    response = client.get(_feed_url(member))  # no session cookie: the token is the credential
    assert response.status_code == 200
    cal, vcal = _both(response.content.decode())
    uids = sorted(str(e["UID"]) for e in cal.walk("VEVENT"))
    assert uids == sorted(f"session-{s.uid}@child.example" for s in (mine, other))
    assert sorted(tz["TZID"] for tz in cal.walk("VTIMEZONE")) == ["America/New_York", "Europe/Amsterdam"]
    assert sorted(e.summary.value for e in vcal.vevent_list) == [
        "Case clinic: insulin errors (Medication Safety Network)",
        f"Night huddle ({second.name})",
    ]
    assert "METHOD" not in cal  # a subscription, not an iTIP message


def test_a_wrong_or_revoked_feed_token_gives_404(client, amsterdam, facilitator, member):
    _schedule(amsterdam, facilitator)
    old = _feed_url(member)
    assert client.get(old).status_code == 200
    assert client.get(old.replace(".ics", "x.ics")).status_code == 404
    assert client.get(reverse("calendar:feed", kwargs={"token": "not-a-token"})).status_code == 404
    services.feed_revoke(user=member)
    assert client.get(old).status_code == 404
    assert client.get(_feed_url(member)).status_code == 200
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(_feed_url(member)).status_code == 404


def test_revoking_from_the_calendar_page_gives_a_new_address(amsterdam, member, as_user):
    client = as_user(member)
    old = _feed_url(member)
    page = client.get(reverse("calendar:settings"))
    assert old in page.content.decode()
    response = client.post(reverse("calendar:revoke"))
    assert response.status_code == 302
    page = client.get(reverse("calendar:settings"))
    assert old not in page.content.decode() and _feed_url(member) in page.content.decode()
    assert client.get(old).status_code == 404


def _grow_feed(member, communities: int) -> None:
    for _ in range(communities):
        c = CommunityFactory()
        Membership.objects.create(community=c, user=member, role=Role.MEMBER)
        for _ in range(2):
            s = PracticeSessionFactory(community=c)
            SessionRSVPFactory(session=s, user=member)
            SessionRSVPFactory(session=s, user=UserFactory())


def test_the_feed_runs_the_same_queries_at_1x_and_10x(client, member, django_assert_num_queries):
    _grow_feed(member, 1)
    url = _feed_url(member)
    with django_assert_num_queries(4) as one:
        assert client.get(url).status_code == 200
    _grow_feed(member, 9)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == 20
