"""A case clinic from start to finish in Chromium: a facilitator schedules it and pulls in a request, a
member says they are going, the facilitator records attendance and notes, writes them up as a summary
and publishes it, and a member who missed the clinic finds it on the Learning tab."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from practice.models import Artefact, PracticeSession, SessionAttendance, SessionRSVP
from tests.e2e.conftest import log_in
from tests.practice.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Case clinic: night-time insulin checks"


def test_a_case_clinic_is_scheduled_held_and_written_up_for_those_who_missed_it(
    page, browser, live_server, community, member, facilitator, newcomer
):
    request = HelpRequestFactory(community=community, author=member, title="Second checks wait 20 minutes at night")
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    base = f"{live_server.url}/c/{community.slug}"
    day = (timezone.localtime(timezone.now(), community.tzinfo) + timedelta(days=7)).date()

    # The facilitator schedules the clinic …
    log_in(page, live_server, facilitator.email)
    page.goto(f"{base}/sessions/")
    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Starts").fill("14:00")
    page.get_by_label("Ends").fill("15:00")
    page.get_by_label("Place").fill("Seminar room 2")
    page.get_by_role("button", name="Schedule session").click()
    expect(page.get_by_text("Session scheduled")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    session = PracticeSession.objects.get()

    # … and pulls in an open request.
    page.get_by_role("link", name="Pull requests and topics into the agenda").click()
    page.get_by_label("Second checks wait 20 minutes at night").check()
    page.get_by_role("button", name="Add to the agenda").click()
    expect(page.get_by_text("Added to the agenda: 1.")).to_be_visible()
    expect(page.locator("#agenda + ol").get_by_role("link", name=request.title)).to_be_visible()

    # A member says they are going.
    attendee = browser.new_page()
    attendee.set_default_timeout(10_000)
    log_in(attendee, live_server, member.email)
    attendee.goto(f"{base}/sessions/{session.pk}/")
    attendee.get_by_role("button", name="Going", exact=True).click()
    expect(attendee.get_by_text("Your answer: going.")).to_be_visible()
    assert SessionRSVP.objects.get(session=session, user=member).answer == "going"

    # The clinic takes place (an hour ago); the facilitator records who came and the notes.
    start = timezone.now() - timedelta(hours=2)
    PracticeSession.objects.filter(pk=session.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=1), until=start + timedelta(hours=1)
    )
    page.goto(f"{base}/sessions/{session.pk}/")
    page.get_by_role("link", name="Attendance and notes").click()
    expect(page.get_by_label("Member")).to_be_checked()  # from the RSVP
    page.get_by_label("Notes").fill("- A **buddy ward** does the second check.\n- Prepare before calling.")
    page.get_by_role("button", name="Save attendance and notes").click()
    expect(page.get_by_text("Attendance and notes saved.")).to_be_visible()
    page.get_by_role("button", name="Write up as summary").click()
    expect(page.get_by_text("A draft summary is ready")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. Members can read it now")).to_be_visible()
    artefact = Artefact.objects.get()
    assert artefact.kind == Artefact.Kind.SUMMARY and artefact.status == Artefact.Status.PUBLISHED
    assert list(artefact.source_requests.all()) == [request]
    assert list(SessionAttendance.objects.values_list("user_id", flat=True)) == [member.pk]

    # The newcomer, who missed it, is told and finds it on the Learning tab.
    reader = browser.new_page()
    reader.set_default_timeout(10_000)
    log_in(reader, live_server, newcomer.email)
    reader.goto(f"{live_server.url}/notifications/")
    expect(reader.get_by_role("link", name=f"You missed “{TITLE}”")).to_be_visible()
    reader.goto(f"{base}/")
    reader.get_by_role("link", name="Learning", exact=True).click()
    reader.get_by_role("link", name=f"{TITLE}: highlights").click()
    expect(reader.locator(".markdown strong", has_text="buddy ward")).to_be_visible()

    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    attendee.close()
    reader.close()
