"""A member brings a problem, a peer advises, they disagree and discuss, and the asker decides to try it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from practice.models import AdviceResponse, DiscussionComment, HelpRequest
from tests.e2e.conftest import log_in
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_takes_a_problem_from_posting_to_i_will_try_this(page, browser, live_server, community, member, core):
    TagFactory(community=community, name="medication safety", slug="medication-safety")
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    # The member posts a problem.
    log_in(page, live_server, member.email)
    page.goto(f"{live_server.url}/c/{community.slug}/requests/")
    page.get_by_role("link", name="Ask for help").first.click()
    page.get_by_label("Title").fill("Independent insulin double-checks at night")
    page.get_by_label("The situation").fill("Two nurses for 28 beds: the **second check** often waits 20 minutes.")
    page.get_by_label("What I've tried so far").fill("Asking the night coordinator.")
    page.get_by_label("medication safety").check()
    page.get_by_role("button", name="Post request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Independent insulin double-checks at night")
    expect(page.locator("strong", has_text="second check")).to_be_visible()  # Markdown rendered
    request_url = page.url
    assert re.search(r"/requests/\d+/$", request_url)

    # Another member advises.
    adviser = browser.new_page()
    adviser.set_default_timeout(10_000)
    log_in(adviser, live_server, core.email)
    adviser.goto(f"{live_server.url}/c/{community.slug}/requests/")
    adviser.get_by_role("link", name="Independent insulin double-checks at night").click()
    adviser.get_by_label("Your advice").fill("Agree a buddy ward: their nurse does your second check.")
    adviser.get_by_role("button", name="Post advice").click()
    expect(adviser.get_by_text("Thank you: your advice is posted")).to_be_visible()

    # The asker sees it differently, and says why.
    page.goto(request_url)
    expect(page.get_by_text("Agree a buddy ward")).to_be_visible()
    page.get_by_label("Your response to this advice").fill("The next ward is just as short-staffed at night.")
    page.get_by_role("button", name="I see it differently — let's discuss").click()
    expect(page.get_by_text("Discussion opened under the advice")).to_be_visible()
    expect(page.get_by_role("heading", name="Discussion")).to_be_visible()

    # They discuss.
    adviser.goto(request_url)
    adviser.get_by_label("Add to the discussion").fill("Then pair with the emergency department: they staff 24/7.")
    adviser.get_by_role("button", name="Reply").click()
    expect(adviser.get_by_text("Then pair with the emergency department")).to_be_visible()
    page.goto(request_url)
    page.get_by_label("Add to the discussion").fill("That could work, they are next door.")
    page.get_by_role("button", name="Reply").click()
    expect(page.get_by_text("That could work, they are next door.")).to_be_visible()

    # Then the asker decides to try it.
    page.get_by_role("button", name="I'll try this").click()
    expect(page.get_by_text("Noted: you'll try this")).to_be_visible()
    expect(page.get_by_text(re.compile(r"will try this$"))).to_be_visible()
    expect(page.get_by_role("button", name="I'll try this")).to_have_count(0)

    hr = HelpRequest.objects.get()
    assert hr.status == HelpRequest.Status.ANSWERED and hr.first_response_at is not None
    assert list(AdviceResponse.objects.order_by("id").values_list("kind", flat=True)) == ["discuss", "try"]
    assert list(DiscussionComment.objects.order_by("id").values_list("author__email", flat=True)) == [
        core.email,
        member.email,
    ]
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    adviser.close()
