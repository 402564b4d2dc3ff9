"""A facilitator invites a pharmacist who has no account; she signs up from the link, verifies her
email, comes back to the invitation, accepts, and lands in the private community."""

from __future__ import annotations

import re

import pytest

from communities.models import Community, Membership, OutboundEmail, Role
from tests.e2e.conftest import log_in
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.support.mail import sent_mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_invites_someone_without_an_account_who_signs_up_and_joins(page, live_server, browser):
    community = CommunityFactory(
        name="Medication Safety Network", slug="med-safety", visibility=Community.Visibility.PRIVATE
    )
    facilitator = UserFactory(email="femke@example.org", display_name="Femke de Boer")
    MembershipFactory(community=community, user=facilitator, role=Role.FACILITATOR)

    log_in(page, live_server, facilitator.email)
    page.goto(f"{live_server.url}/c/med-safety/members/")
    page.get_by_label("Email address").fill("ann@pharmacy.example")
    page.locator("#invitations").get_by_label("Role").select_option("core")
    page.get_by_label("Personal note (optional)").fill("Your insulin safety work would help us a lot.")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url(re.compile(r".*/c/med-safety/members/#invitations$"))
    assert page.get_by_text("Invitation sent to ann@pharmacy.example as Core group").is_visible()

    email = OutboundEmail.objects.get(to="ann@pharmacy.example")
    link = re.search(r"https?://\S+(/invitations/[\w-]+/)", email.body_text).group(1)

    # Ann opens the link in her own browser, without an account.
    ann = browser.new_context().new_page()
    ann.goto(f"{live_server.url}{link}")
    assert ann.get_by_role("heading", name="You are invited to join Medication Safety Network").is_visible()
    ann.get_by_role("link", name="Sign up first").click()
    ann.get_by_label(re.compile(r"^\s*Email")).fill("ann@pharmacy.example")
    ann.get_by_label(re.compile(r"^\s*Your name")).fill("Ann Dekker")
    ann.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill("a long enough passphrase")
    ann.get_by_label(re.compile(r"^\s*Password \(again\)")).fill("a long enough passphrase")
    ann.get_by_role("button", name="Sign Up").click()
    ann.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))

    confirm = re.search(r"https?://\S+(/accounts/confirm-email/\S+)", sent_mail()[-1].body).group(1)
    ann.goto(f"{live_server.url}{confirm}")
    ann.get_by_role("button", name="Confirm").click()
    ann.wait_for_url(re.compile(rf".*{re.escape(link)}$"))  # back at the invitation, signed in
    ann.get_by_role("button", name="Accept and join as Core group").click()
    ann.wait_for_url(re.compile(r".*/c/med-safety/$"))
    assert ann.get_by_text("Welcome to Medication Safety Network! You joined as Core group.").is_visible()
    assert Membership.objects.get(community=community, user__email="ann@pharmacy.example").role == Role.CORE

    # The link is spent: opening it in a fresh browser says so.
    other = browser.new_context().new_page()
    other.goto(f"{live_server.url}{link}")
    assert other.get_by_role("heading", name="This invitation has already been used").is_visible()
