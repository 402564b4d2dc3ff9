"""Browser tests: pytest-playwright driving Debian's Chromium (``/usr/bin/chromium``).

``playwright install`` cannot download browsers here, so the launch points at the system
Chromium. In CI (CHILD_REQUIRE_SERVICES=1) a missing Chromium fails the run instead of skipping.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail

from tests.conftest import skip_or_fail
from tests.factories import PASSWORD
from tests.support.mail import sent_mail

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def page(page, live_server):
    page.set_default_timeout(10_000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    return page


def log_in(page, live_server, email: str, password: str = PASSWORD) -> None:
    """Log in through the real allauth form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(re.compile(r"^\s*Email")).fill(email)
    page.get_by_label(re.compile(r"^\s*Password")).fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/$"))


def last_email_link(pattern: str = r"https?://\S+") -> str:
    """The last link in the most recent email sent (locmem backend)."""
    assert sent_mail(), "no email was sent"
    links = re.findall(pattern, mail.outbox[-1].body)
    assert links, "the email has no link"
    return links[-1]
