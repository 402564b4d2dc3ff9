"""The dashboard's layout at a desktop and a phone width: nothing runs off the page; wide tables scroll
inside their own box. Screenshots are saved under test-results/ for a look by eye."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from communities.demo.core import SLUG
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

RESULTS = Path(__file__).resolve().parents[2] / "test-results"

# The page's width against the window's; tables running past the page or past their box. ``fit``: at a
# desktop width every table must fit whole (nothing hidden behind a scrollbar); on a phone a wide table may
# scroll inside its .table-responsive box.
OVERFLOW = """(fit) => {
  const width = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth;
  const clipped = [];
  for (const table of document.querySelectorAll("main table")) {
    const box = table.closest(".table-responsive");
    const rect = table.getBoundingClientRect();
    if (box === null && rect.right > width + 1) clipped.push(table.id || table.className);
    const hidden = table.scrollWidth > (box === null ? width : box.clientWidth) + 1;
    if (box !== null && hidden && (fit || getComputedStyle(box).overflowX !== "auto"))
      clipped.push(table.id || table.className);
  }
  return {width, page, clipped};
}"""


@pytest.mark.parametrize("width", [1280, 375])
def test_the_dashboard_fits_the_page_width(page, live_server, width):
    call_command("seed_demo", "--force", stdout=StringIO())
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "facilitator@demo.example", "child-demo-pass")
    page.goto(f"{live_server.url}/c/{SLUG}/dashboard/")
    page.wait_for_selector("#vibrancy-figures")
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"dashboard-{width}.png"), full_page=True)
    found = page.evaluate(OVERFLOW, width >= 1280)
    assert found["page"] <= found["width"], f"the page scrolls sideways at {width}px: {found}"
    assert found["clipped"] == [], f"tables cut off at {width}px: {found['clipped']}"
