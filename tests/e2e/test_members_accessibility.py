"""axe-core finds no serious or critical violations on the members, invitation and activity pages."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from communities.models import Community, Membership, Role, User
from communities.services import members as member_services
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import check

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "child-demo-pass"
SLUG = "patient-safety"


@pytest.fixture
def demo(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)


def test_the_members_pages_have_no_serious_violations(page, live_server, demo, browser):
    log_in(page, live_server, "facilitator@demo.example", DEMO_PASSWORD)
    pages = [
        f"/c/{SLUG}/members/",
        f"/c/{SLUG}/members/invite/",
        f"/c/{SLUG}/members/expertise/",
        f"/c/{SLUG}/activity/",
        "/c/sepsis-champions/members/",  # with a pending request to join
    ]
    problems = [p for path in pages for p in check(page, live_server.url + path)]

    sponsor = Membership.objects.get(community__slug=SLUG, user__email="sponsor@demo.example")
    _, token = member_services.invitation_create(actor=sponsor, email="someone@example.org", role=Role.CORE)
    anonymous = browser.new_context().new_page()
    problems += check(anonymous, f"{live_server.url}/invitations/{token}/")

    outsider = browser.new_context().new_page()
    log_in(outsider, live_server, "outsider@demo.example", DEMO_PASSWORD)
    assert not Membership.objects.filter(
        community=Community.objects.get(slug=SLUG), user=User.objects.get(email="outsider@demo.example")
    ).exists()
    problems += check(outsider, f"{live_server.url}/c/sepsis-champions/")
    problems += check(outsider, f"{live_server.url}/c/sepsis-champions/join-request/")
    assert problems == []
