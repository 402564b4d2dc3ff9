"""The sliders and the main forms can be completed with the keyboard alone.

Only Tab, the arrow keys, Space and Enter move, choose and submit (text is typed, as anyone would);
``tab_to`` presses Tab until the wanted control has focus, so a control the keyboard cannot reach
fails the test. The database is checked after each submission.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from communities.models import PurposeVersion, VibrancyRound, VibrancyScore, VisionDraft, VisionStance
from practice.models import Advice, HelpRequest
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import DEMO_PASSWORD, SLUG

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)


def tab_to(page, selector: str, *, limit: int = 250) -> None:
    """Press Tab until the element matching ``selector`` has focus."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} cannot be reached with the Tab key on {page.url}")


def focused_value(page) -> str:
    return page.evaluate("() => document.activeElement.value")


def test_a_member_sets_sliders_and_saves_with_the_keyboard(page, live_server, demo):
    log_in(page, live_server, "member@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/c/{SLUG}/vibrancy/")
    tab_to(page, "#id_practice-now")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    now = int(focused_value(page))
    tab_to(page, "#id_practice-should_be")
    page.keyboard.press("ArrowRight")
    should_be = int(focused_value(page))
    tab_to(page, "#vibrancy-form button[type=submit]")
    page.keyboard.press("Space")
    expect(page.locator("#vibrancy-status")).to_contain_text("Saved")
    round_ = VibrancyRound.objects.get(community__slug=SLUG, closed_at__isnull=True)
    score = VibrancyScore.objects.get(round=round_, user__email="member@demo.example", dimension__slug="practice")
    assert (score.now, score.should_be) == (now, should_be)


def test_a_member_asks_for_help_with_the_keyboard(page, live_server, demo):
    log_in(page, live_server, "member@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/c/{SLUG}/requests/new/")
    tab_to(page, "input[name=title]")
    page.keyboard.type("Oxygen prescriptions missing at night")
    tab_to(page, "textarea[name=situation]")
    page.keyboard.type("Patients arrive on the ward on oxygen that nobody prescribed.")
    tab_to(page, "input[name=tags]")
    page.keyboard.press("Space")
    tag = page.evaluate("() => document.activeElement.value")
    tab_to(page, "input[type=submit][name=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Oxygen prescriptions missing at night")).to_be_visible()
    posted = HelpRequest.objects.get(title="Oxygen prescriptions missing at night")
    assert posted.author.email == "member@demo.example"
    assert [str(t.pk) for t in posted.tags.all()] == [tag]


def test_a_core_member_gives_advice_with_the_keyboard(page, live_server, demo):
    asked = (
        HelpRequest.objects.filter(community__slug=SLUG, status__in=HelpRequest.ACTIVE, hidden_at__isnull=True)
        .exclude(author__email="ayla.core@demo.example")
        .order_by("-created_at")
        .first()
    )
    log_in(page, live_server, "ayla.core@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/c/{SLUG}/requests/{asked.pk}/")
    tab_to(page, "textarea[name=body]")
    page.keyboard.type("Ask the pharmacist to join the 10 p.m. round; it worked on ward 4.")
    tab_to(page, "form:has(textarea[name=body]) [type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("it worked on ward 4")).to_be_visible()
    advice = Advice.objects.filter(request=asked, author__email="ayla.core@demo.example", body__contains="ward 4")
    assert advice.exists()


def test_a_member_takes_a_stance_on_the_vision_with_the_keyboard(page, live_server, demo):
    draft = VisionDraft.objects.filter(community__slug=SLUG, status=VisionDraft.Status.OPEN).first()
    log_in(page, live_server, "member@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    tab_to(page, "input[name=stance]")
    for _ in range(3):  # the arrow keys move through the radio group and choose
        if page.evaluate("() => document.activeElement.value") == "concerns":
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, "textarea[name=comment]")
    page.keyboard.type("Say how night shifts take part.")
    tab_to(page, "form:has(textarea[name=comment]) [type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your stance: Support with concerns")).to_be_visible()
    stance = VisionStance.objects.get(draft=draft, user__email="member@demo.example")
    assert (stance.stance, stance.comment) == ("concerns", "Say how night shifts take part.")


def test_the_sponsor_rewrites_the_purpose_with_the_keyboard(page, live_server, demo):
    log_in(page, live_server, "sponsor@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/c/{SLUG}/direction/purpose/")
    tab_to(page, "textarea[name=text]")
    for _ in range(40):  # down past the last line: the caret ends after the current text
        page.keyboard.press("ArrowDown")
    page.keyboard.type(" And we learn from every near miss.")
    tab_to(page, "form:has(textarea[name=text]) [type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Purpose saved")).to_be_visible()
    latest = PurposeVersion.objects.filter(community__slug=SLUG).order_by("-created_at", "-id").first()
    assert latest.text.endswith("And we learn from every near miss.")
    assert latest.author.email == "sponsor@demo.example"
