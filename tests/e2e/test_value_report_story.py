"""The value report in a real browser: the demo sponsor opens it and sees the funnel and a value-creation
story; printed (as Chromium's "Save as PDF" does), it has no navigation or buttons, just the report."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from communities.demo import core
from practice.demo import value as demo_value
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sponsor_sees_the_funnel_and_a_story(page, live_server, tmp_path):
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115
    log_in(page, live_server, "sponsor@demo.example", core.PASSWORD)
    page.goto(f"{live_server.url}/c/{core.SLUG}/")
    page.get_by_role("navigation", name="Community").get_by_role("link", name="Value").click()
    expect(page).to_have_url(re.compile(rf"/c/{core.SLUG}/value/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Value report: Q[1-4] \d{4}$"))

    funnel = page.get_by_role("region", name="Value funnel")
    expect(funnel.get_by_role("img", name=re.compile("Value funnel of the period"))).to_be_visible()
    asked = funnel.get_by_role("row", name=re.compile("^Requests asked"))
    expect(asked).to_be_visible()
    assert int(asked.get_by_role("cell").first.inner_text()) >= len(demo_value.LOOPS)

    stories = page.get_by_role("region", name="Value-creation stories")
    story = stories.get_by_role("article", name=re.compile(demo_value.LOOPS[0].title))
    expect(story).to_be_visible()
    expect(story).to_contain_text("The advice that helped")
    expect(story).to_contain_text("No mix-ups in the six weeks")
    expect(stories).not_to_contain_text("Handover of patients going home on a new anticoagulant")  # no consent

    # Printed: the report without the portal's chrome, the period form or the buttons.
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Print, or save as PDF")).to_be_hidden()
    expect(page.get_by_role("link", name="Download the figures (CSV)")).to_be_hidden()
    expect(story).to_be_visible()
    pdf = tmp_path / "value-report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 2 <= pages <= 12, pages
