"""The vibrancy story in a real browser: a member sets sliders with the keyboard and saves without a
reload; the facilitator's dashboard then shows the new means, in the chart and in the table beside it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from communities.models import Community, Role, VibrancyScore
from tests.communities.vibrancy_helpers import make_round, rate
from tests.e2e.conftest import log_in
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _person(community, email: str, name: str, role: Role):
    user = UserFactory(email=email, display_name=name)
    MembershipFactory(community=community, user=user, role=role)
    return user


def test_it_turns_a_members_slider_moves_into_the_facilitators_means(page, live_server, browser):
    community = CommunityFactory(
        name="Medication Safety Network", slug="med-safety", visibility=Community.Visibility.PRIVATE
    )
    facilitator = _person(community, "femke@example.org", "Femke de Boer", Role.FACILITATOR)
    mo = _person(community, "mo@example.org", "Mo Haddad", Role.MEMBER)
    round_ = make_round(community)
    for email, now in [("chen@example.org", 2), ("esra@example.org", 4)]:
        rate(round_, _person(community, email, email.split("@")[0].title(), Role.MEMBER), {"voice": (now, 8)})

    log_in(page, live_server, mo.email)
    page.goto(f"{live_server.url}/c/med-safety/vibrancy/")
    now = page.get_by_role("slider", name="Where we are now (Voice)")
    should = page.get_by_role("slider", name="Where we should be (Voice)")
    expect(now).to_have_attribute("aria-valuetext", "not rated yet")
    expect(page.get_by_role("checkbox", name="Not rated yet (Voice, where we are now)")).to_be_checked()

    # Keyboard only: Home goes to 0, each arrow moves one step.
    now.focus()
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    should.focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    expect(now).to_have_attribute("aria-valuetext", "3 out of 10")
    expect(should).to_have_attribute("aria-valuetext", "9 out of 10")
    expect(page.get_by_role("checkbox", name="Not rated yet (Voice, where we are now)")).not_to_be_checked()
    expect(page.locator("output[for=id_voice-now]")).to_have_text("3")

    page.evaluate("window.noReload = true")
    page.get_by_role("button", name="Save my ratings").click()
    expect(page.locator("#vibrancy-status")).to_contain_text("Saved. You have rated 1 of 7 dimensions")
    assert page.evaluate("window.noReload") is True  # saved without reloading the page
    score = VibrancyScore.objects.get(round=round_, user=mo)
    assert (score.dimension.slug, score.now, score.should_be) == ("voice", 3, 9)
    assert VibrancyScore.objects.filter(round=round_, user=mo).count() == 1  # the rest stays unrated

    femke = browser.new_context().new_page()
    femke.set_default_timeout(10_000)
    log_in(femke, live_server, facilitator.email)
    femke.goto(f"{live_server.url}/c/med-safety/dashboard/")
    voice = femke.locator('#vibrancy-figures tr[data-dimension="voice"] td')
    expect(voice.nth(0)).to_have_text("3")  # raters: now there are three, so the figures show
    expect(voice.nth(1)).to_have_text("3.0")  # mean now: (2 + 4 + 3) / 3
    expect(voice.nth(5)).to_have_text("8.3")  # mean should be: (8 + 8 + 9) / 3
    expect(femke.locator('canvas[data-chart="vibrancy-radar-data"]')).to_have_attribute("data-chart-ready", "1")
    radar = femke.evaluate(
        "Chart.getChart(document.querySelector('canvas[data-chart=\"vibrancy-radar-data\"]')).data.datasets"
        ".map(d => d.data[6])"
    )
    assert radar == [3.0, 8.33]


def test_it_keeps_the_sliders_and_the_dashboard_free_of_serious_accessibility_violations(page, live_server, settings):
    from django.core.management import call_command

    from tests.e2e.test_accessibility import DEMO_PASSWORD, SLUG, check

    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)
    log_in(page, live_server, "facilitator@demo.example", DEMO_PASSWORD)
    pages = [f"/c/{SLUG}/vibrancy/", f"/c/{SLUG}/dashboard/", f"/c/{SLUG}/vibrancy/focus/"]
    problems = [p for path in pages for p in check(page, live_server.url + path)]
    assert problems == []
