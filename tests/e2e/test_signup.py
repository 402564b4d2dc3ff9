"""A newcomer signs up, follows the verification link from the email, logs in and reaches home."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from communities.models import User
from tests.support.mail import sent_mail

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_signs_up_verifies_and_logs_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label(re.compile(r"^\s*Email")).fill("noor@example.org")
    page.get_by_label(re.compile(r"^\s*Your name")).fill("Noor Janssen")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill("a long enough passphrase")
    page.get_by_label(re.compile(r"^\s*Password \(again\)")).fill("a long enough passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    assert page.get_by_role("heading", name="Verify Your Email Address").is_visible()

    assert len(sent_mail()) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    path = link.split("/accounts/", 1)[1]
    page.goto(f"{live_server.url}/accounts/{path}")
    page.get_by_role("button", name="Confirm").click()

    # Verified: log out and log in again with the new account, through the real form.
    page.get_by_role("button", name="Noor Janssen").click()
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill("noor@example.org")
    page.get_by_label(re.compile(r"^\s*Password")).fill("a long enough passphrase")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Your communities").is_visible()
    assert User.objects.get(email="noor@example.org").emailaddress_set.get().verified
