"""From a closed loop to the community's memory: a facilitator turns an outcome into a case story and
publishes it, a newcomer finds it on the newcomer path, and a member who starts asking the same
question is shown it before posting — as they type (JavaScript) and on the preview step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from communities.models import Role
from practice.models import Artefact, HelpRequest, NewcomerPathRead, Outcome
from practice.services import loops
from practice.services import requests as services
from tests.conftest import _member
from tests.e2e.conftest import log_in
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db(transaction=True)

STORY = "Buddy wards for night-time insulin checks"


def _closed_loop(community, member, core) -> Outcome:
    tag = TagFactory(community=community, name="medication safety", slug="medication-safety")
    hr = services.help_request_create(
        community=community,
        author=member,
        title="Independent insulin double-checks at night",
        situation="Two nurses for 28 beds: the **second check** often waits 20 minutes.",
        tried="Asking the night coordinator.",
        tags=[tag],
    )
    advice = services.advice_create(
        help_request=hr, author=core, body="Agree a **buddy ward**: their nurse does your second check."
    )
    services.advice_respond(advice=advice, author=member, kind="try")
    return loops.outcome_record(
        help_request=hr,
        author=member,
        result=Outcome.Result.RESOLVED,
        what_worked="Ward 6 checks ours and we check theirs; no waits since.",
        helpful_advice=[advice],
    )


def test_it_turns_an_outcome_into_learning_that_newcomers_and_askers_find(
    page, browser, live_server, community, member, core, facilitator, newcomer
):
    outcome = _closed_loop(community, member, core)
    colleague = _member(community, Role.MEMBER, "colleague")
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    base = f"{live_server.url}/c/{community.slug}"

    # The facilitator captures the closed loop as learning, pre-filled, and publishes it.
    log_in(page, live_server, facilitator.email)
    page.goto(f"{base}/requests/{outcome.request_id}/")
    page.get_by_role("button", name="Capture as learning").click()
    expect(page.get_by_text("A draft case story is ready")).to_be_visible()
    expect(page.get_by_label("Situation")).to_have_value(re.compile(r"Two nurses for 28 beds"))
    # Built from the outcome's own words; the adviser is credited by name, the advice linked as a source.
    expect(page.get_by_label("What we did")).to_have_value(
        re.compile(r"We tried the advice of .+Ward 6 checks ours", re.S)
    )
    expect(page.get_by_label("Result")).to_have_value(re.compile(r"\*\*Resolved\.\*\*"))
    page.get_by_label("Title").fill(STORY)
    page.get_by_label("What changed (optional)").fill("A clearer title")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STORY)
    expect(page.get_by_text("Draft: only its authors and the core group")).to_be_visible()
    expect(page.locator(".markdown strong", has_text="Resolved.")).to_be_visible()  # Markdown rendered
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. Members can read it now")).to_be_visible()

    # … and puts it on the newcomer path.
    page.goto(f"{base}/learning/")
    page.get_by_role("link", name="Newcomer path").click()
    page.get_by_label("Add published learning").select_option(label=f"{STORY} (Case story)")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Added to the newcomer path.")).to_be_visible()

    artefact = Artefact.objects.get()
    assert artefact.kind == Artefact.Kind.CASE_STORY and artefact.status == Artefact.Status.PUBLISHED
    assert artefact.published_by == facilitator and artefact.version == 2
    assert list(artefact.source_outcomes.all()) == [outcome]

    # The printed handbook leaves out the portal's navigation and keeps the story.
    page.goto(f"{base}/learning/handbook/")
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name=STORY)).to_be_visible()
    expect(page.locator("header")).to_be_hidden()
    page.emulate_media(media="screen")

    # A newcomer finds it on the community home, reads it, and ticks it off.
    reader = browser.new_page()
    reader.set_default_timeout(10_000)
    log_in(reader, live_server, newcomer.email)
    reader.goto(f"{base}/")
    start_here = reader.locator("section", has=reader.get_by_role("heading", name="Start here"))
    expect(start_here.get_by_text("You have read 0 of 1")).to_be_visible()
    start_here.get_by_role("link", name=STORY).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(STORY)
    expect(reader.get_by_text("Ward 6 checks ours")).to_be_visible()
    reader.go_back()
    start_here.get_by_role("button", name=re.compile(r"Mark .* as read")).click()
    expect(reader.get_by_text("You have read 1 of 1")).to_be_visible()
    assert NewcomerPathRead.objects.filter(user=newcomer, item__artefact=artefact).exists()

    # The facilitator sees how far newcomers got.
    page.goto(f"{base}/learning/path/")
    expect(page.get_by_role("row", name=re.compile(r"Newcomer .* 1 of 1"))).to_be_visible()

    # A member starting a similar request is shown the story as they type …
    asker = browser.new_page()
    asker.set_default_timeout(10_000)
    asker.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    log_in(asker, live_server, colleague.email)
    asker.goto(f"{base}/requests/new/")
    asker.get_by_label("Title").press_sequentially("Insulin checks at night with two nurses", delay=20)
    suggestions = asker.locator("#request-suggestions-results")
    expect(suggestions).to_have_attribute("aria-live", "polite")
    expect(suggestions.get_by_role("link", name=STORY)).to_be_visible()
    expect(suggestions.get_by_role("link", name="Independent insulin double-checks at night")).to_be_visible()

    # … and, like members without JavaScript, on the preview step, with what they wrote kept.
    asker.get_by_label("The situation").fill("Only two of us on nights.")
    asker.get_by_role("button", name="Preview and check for answers").click()
    expect(asker.get_by_text("Preview: nothing is posted yet")).to_be_visible()
    expect(suggestions.get_by_role("link", name=STORY)).to_be_visible()
    expect(asker.get_by_label("Title")).to_have_value("Insulin checks at night with two nurses")
    expect(asker.get_by_label("The situation")).to_have_value("Only two of us on nights.")
    assert HelpRequest.objects.count() == 1  # nothing was posted by the preview

    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    reader.close()
    asker.close()
