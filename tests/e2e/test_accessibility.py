"""axe-core (vendored) finds no serious or critical accessibility violations on the portal's pages.

The one list of pages the accessibility check covers (issue 8): home, community home, direction,
vibrancy sliders, dashboard, request list, request detail, new request, learning, notifications,
the value report and the allauth pages, each as the persona who uses it, on the demo data.
Areas keep deeper checks of their own sub-pages beside their stories (``test_*_accessibility.py``,
``test_direction_story.py``, ``test_vibrancy_story.py``); they reuse ``check`` from here.
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
C = f"/c/{SLUG}"


def _request_detail() -> str:
    from practice.models import HelpRequest

    # One of the member's own requests with advice: the page with the most controls (responses, kudos).
    mine = HelpRequest.objects.filter(community__slug=SLUG, author__email="member@demo.example", advice__isnull=False)
    return f"{C}/requests/{mine.order_by('-last_activity_at').first().pk}/"


def _learning_detail() -> str:
    from practice.models.learning import Artefact

    return f"{C}/learning/{Artefact.objects.filter(community__slug=SLUG, status='published').first().pk}/"


# (who, page): a callable gives a page whose address depends on the demo's objects.
PAGES: list[tuple[str, str | object]] = [
    ("anonymous", "/"),
    ("anonymous", "/accounts/login/"),
    ("anonymous", "/accounts/signup/"),
    ("anonymous", "/accounts/password/reset/"),
    ("anonymous", "/accounts/password/reset/done/"),
    ("member", "/"),
    ("member", f"{C}/"),
    ("member", f"{C}/direction/"),
    ("member", f"{C}/vibrancy/"),
    ("member", f"{C}/requests/"),
    ("member", _request_detail),
    ("member", f"{C}/requests/new/"),
    ("member", f"{C}/learning/"),
    ("member", _learning_detail),
    ("member", "/notifications/"),
    ("member", "/accounts/password/change/"),
    ("member", "/accounts/email/"),
    # Multi-factor sign-in and single sign-on (the set-up pages and the login page with the organisation's
    # button are checked in test_sso_mfa.py, which configures a provider)
    ("member", "/accounts/2fa/"),
    ("member", "/accounts/2fa/webauthn/"),
    ("member", "/accounts/3rdparty/"),
    ("member", "/me/security/"),
    ("member", "/me/data/"),
    ("member", "/me/delete/"),
    ("facilitator", f"{C}/privacy/reviews/"),
    ("facilitator", f"{C}/dashboard/"),
    ("facilitator", f"{C}/settings/"),
    ("sponsor", f"{C}/direction/purpose/"),
    ("sponsor", f"{C}/value/"),
]


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


@pytest.mark.parametrize("who", ["anonymous", "member", "facilitator", "sponsor"])
def test_the_pages_have_no_serious_violations(page, live_server, demo, who):
    if who != "anonymous":
        log_in(page, live_server, f"{who}@demo.example", DEMO_PASSWORD)
    paths = [path() if callable(path) else path for persona, path in PAGES if persona == who]
    problems = [p for path in paths for p in check(page, live_server.url + path)]
    assert problems == []
