"""axe-core (vendored) finds no serious or critical accessibility violations on the main pages.

The pages are checked with the demo data, as a member and as a facilitator would see them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe" / "axe.min.js").read_text()
DEMO_PASSWORD = "child-demo-pass"
SLUG = "patient-safety"

ANONYMOUS_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
MEMBER_PAGES = ["/", "/notifications/", f"/c/{SLUG}/", "/accounts/password/change/", "/accounts/email/"]
FACILITATOR_PAGES = [f"/c/{SLUG}/settings/"]


def serious_violations(page) -> list[str]:
    # evaluate() runs outside the page's Content-Security-Policy, so axe needs no inline script.
    page.evaluate(AXE)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`)"
    )
    return result


def check(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, url
    return [f"{url}: {v}" for v in serious_violations(page)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)


def test_the_public_pages_have_no_serious_violations(page, live_server, demo):
    problems = [p for path in ANONYMOUS_PAGES for p in check(page, live_server.url + path)]
    assert problems == []


def test_the_member_pages_have_no_serious_violations(page, live_server, demo):
    log_in(page, live_server, "member@demo.example", DEMO_PASSWORD)
    problems = [p for path in MEMBER_PAGES for p in check(page, live_server.url + path)]
    assert problems == []


def test_the_facilitator_pages_have_no_serious_violations(page, live_server, demo):
    log_in(page, live_server, "facilitator@demo.example", DEMO_PASSWORD)
    problems = [p for path in FACILITATOR_PAGES for p in check(page, live_server.url + path)]
    assert problems == []
