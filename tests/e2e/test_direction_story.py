"""The direction story in a real browser: the sponsor sets the purpose, a facilitator proposes a
vision draft, two members take stances, the sponsor adopts it, and the home page shows the vision."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from communities.demo import core as demo_core
from communities.demo import direction as demo_direction
from communities.models import Community, Notification, PurposeVersion, Role, VisionDraft, VisionStance
from tests.e2e.conftest import log_in
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _person(community, email: str, name: str, role: Role):
    user = UserFactory(email=email, display_name=name)
    MembershipFactory(community=community, user=user, role=role)
    return user


def _browser_for(browser, live_server, email: str):
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, email)
    return page


def test_it_runs_the_direction_story_from_purpose_to_adopted_vision(page, live_server, browser):
    community = CommunityFactory(
        name="Medication Safety Network", slug="med-safety", visibility=Community.Visibility.PRIVATE
    )
    sponsor = _person(community, "sara@example.org", "Sara Visser", Role.SPONSOR)
    facilitator = _person(community, "femke@example.org", "Femke de Boer", Role.FACILITATOR)
    mo = _person(community, "mo@example.org", "Mo Haddad", Role.MEMBER)
    esra = _person(community, "esra@example.org", "Esra Yilmaz", Role.MEMBER)
    base = f"{live_server.url}/c/med-safety"

    # The sponsor sets the purpose.
    log_in(page, live_server, sponsor.email)
    page.goto(f"{base}/direction/")
    page.get_by_role("link", name="Set the purpose").click()
    page.wait_for_url(re.compile(r".*/direction/purpose/$"))
    page.get_by_label("Purpose").fill("No patient is harmed twice by the same **medication** error.")
    page.get_by_role("button", name="Save purpose").click()
    page.wait_for_url(re.compile(r".*/direction/#purpose$"))
    expect(page.get_by_text("Purpose saved.")).to_be_visible()
    expect(page.locator(".lead-purpose strong", has_text="medication")).to_be_visible()
    assert PurposeVersion.objects.get(community=community).author == sponsor

    # A facilitator proposes a draft and opens it for stances.
    femke = _browser_for(browser, live_server, facilitator.email)
    femke.goto(f"{base}/direction/")
    femke.get_by_role("link", name="Propose a vision draft").click()
    femke.get_by_label("Title").fill("Learning travels faster than incidents")
    femke.get_by_label("Vision").fill(
        "- Every safety question gets an answer within 48 hours.\n- Lessons reach every ward."
    )
    assert femke.get_by_label("Open it for stances now (members are notified)").is_checked()
    femke.get_by_role("button", name="Save draft").click()
    femke.wait_for_url(re.compile(r".*/direction/drafts/\d+/$"))
    expect(femke.get_by_text("Draft saved and opened for stances")).to_be_visible()
    draft = VisionDraft.objects.get(community=community)
    assert draft.status == VisionDraft.Status.OPEN
    assert Notification.objects.filter(user=mo, url=draft.get_absolute_url()).exists()

    # Two members take their stances; one with concerns must say why.
    for member, stance, comment in [(mo, "Support", ""), (esra, "Support with concerns", "Include night shifts.")]:
        p = _browser_for(browser, live_server, member.email)
        p.goto(f"{live_server.url}/notifications/")
        p.get_by_role("link", name=re.compile("Where do you stand on the vision draft")).click()
        p.wait_for_url(re.compile(r".*/direction/drafts/\d+/$"))
        p.get_by_label(stance, exact=True).check()
        if comment:
            p.get_by_role("button", name="Save my stance").click()
            expect(p.get_by_text("Say what concerns you, so the draft can improve.")).to_be_visible()
            p.get_by_label("Your comment").fill(comment)
        p.get_by_role("button", name="Save my stance").click()
        expect(p.get_by_text("Your stance is recorded.")).to_be_visible()
        expect(p.get_by_role("heading", name=f"Your stance: {stance}")).to_be_visible()
        p.context.close()
    assert VisionStance.objects.filter(draft=draft).count() == 2

    # The sponsor reads the alignment and adopts the draft.
    page.goto(f"{base}/direction/drafts/{draft.pk}/")
    expect(page.get_by_text("100% supporting")).to_be_visible()
    expect(page.get_by_text("2 of 4 members took a stance")).to_be_visible()
    page.get_by_role("button", name="Adopt as our vision").click()
    page.wait_for_url(re.compile(r".*/direction/#vision$"))
    expect(page.get_by_text("is now the community's vision")).to_be_visible()

    # The home page shows the purpose and the new vision.
    page.get_by_role("link", name="Home", exact=True).click()
    page.wait_for_url(re.compile(r".*/c/med-safety/$"))
    vision = page.locator("section", has=page.get_by_role("heading", name="Our vision"))
    expect(vision.get_by_role("heading", name="Learning travels faster than incidents")).to_be_visible()
    expect(vision.get_by_text("Lessons reach every ward.")).to_be_visible()
    expect(page.get_by_text("No patient is harmed twice by the same")).to_be_visible()
    draft.refresh_from_db()
    assert (draft.is_current, draft.adopted_by) == (True, sponsor)
    femke.context.close()


AXE = (Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe" / "axe.min.js").read_text()


def _serious_violations(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, url
    page.evaluate(AXE)  # evaluate() runs outside the page's Content-Security-Policy
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')}`)"
    )
    return [f"{url}: {v}" for v in found]


def test_the_direction_pages_have_no_serious_accessibility_violations(page, live_server):
    # The core demo and the Direction story only, so this checks Direction's pages and nothing else.
    demo_direction.seed(demo_core.seed())
    slug = "patient-safety"
    community = Community.objects.get(slug=slug)
    open_draft = VisionDraft.objects.get(community=community, status=VisionDraft.Status.OPEN)
    inquiry = community.inquiries.get()
    base = f"{live_server.url}/c/{slug}/direction"
    pages = [
        f"{live_server.url}/c/{slug}/",
        f"{base}/",
        f"{base}/purpose/history/",
        f"{base}/drafts/{open_draft.pk}/",
        f"{base}/drafts/{community.vision_drafts.get(is_current=True).pk}/",
        f"{base}/inquiries/{inquiry.pk}/",
        f"{base}/drafts/new/",
        f"{base}/objectives/new/",
        f"{base}/inquiries/new/",
        f"{base}/value/",
    ]
    log_in(page, live_server, "facilitator@demo.example", "child-demo-pass")
    problems = [p for url in pages for p in _serious_violations(page, url)]
    anonymous = page.context.browser.new_context().new_page()
    problems += _serious_violations(anonymous, f"{live_server.url}/c/{slug}/pitch/")
    assert problems == []
