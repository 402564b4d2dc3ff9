"""The main pages on a 375x812 phone, for a member and a facilitator (on the demo data).

On each page: nothing scrolls sideways (``document.scrollingElement.scrollWidth <= innerWidth``) and
every visible interactive target (a, button, input, select, summary, [role=button]) is at least 44x44
CSS px. Inline links inside running text are left out, as WCAG 2.5.8 allows: an ``a`` without a
control class (btn, badge, nav-link, page-link, dropdown-item) whose parent element also holds text
of its own (the link sits in a sentence). The dashboard is checked by its own tests.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import DEMO_PASSWORD, C, _learning_detail, _request_detail

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 812}
PAGES = {
    "member": ["/", f"{C}/", f"{C}/requests/", _request_detail, f"{C}/requests/new/", f"{C}/learning/",
               _learning_detail, "/notifications/"],
    "facilitator": ["/", f"{C}/", f"{C}/requests/", f"{C}/members/", "/notifications/"],
}  # fmt: skip

MEASURE = """() => {
  const controls = /\\b(btn|badge|nav-link|page-link|dropdown-item|navbar-brand|navbar-toggler)\\b/;
  const inline = (el) => {
    if (el.tagName !== 'A' || controls.test(el.className)) return false;
    const parent = el.parentElement;
    return [...parent.childNodes].some((n) => n !== el && n.nodeType === Node.TEXT_NODE && n.textContent.trim())
      || (parent.tagName === 'P' && parent.textContent.trim() !== el.textContent.trim());
  };
  const small = [];
  for (const el of document.querySelectorAll('a, button, input, select, summary, [role=button]')) {
    if (el.type === 'hidden' || el.closest('.visually-hidden, .visually-hidden-focusable')) continue;
    const style = getComputedStyle(el);
    let box = el.getBoundingClientRect();
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      // The label toggles the box: both together are the target.
      const label = el.labels[0].getBoundingClientRect();
      const left = Math.min(box.left, label.left), top = Math.min(box.top, label.top);
      box = {width: Math.max(box.right, label.right) - left, height: Math.max(box.bottom, label.bottom) - top};
    } else if (el.classList.contains('stretched-link')) {
      box = el.closest('.card, .position-relative').getBoundingClientRect();  // the link covers its card
    }
    const own = el.getBoundingClientRect();
    const shown = style.visibility !== 'hidden' && own.width >= 2 && own.height >= 2;
    if (!shown || (!el.offsetParent && style.position !== 'fixed')) continue;
    if (inline(el)) continue;
    if (box.width < 43.5 || box.height < 43.5) {
      const label = (el.textContent || el.value || el.name || '').trim().slice(0, 40);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      small.push(`${el.tagName.toLowerCase()}.${el.className} "${label}" ${size}`);
    }
  }
  // What sticks out, to name it in the failure (the innermost elements past the right edge).
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => !el.closest('.table-responsive, .community-bar .nav'))  // those scroll on their own
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
    .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
  return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth, small, wide};
}"""


@pytest.fixture
def demo(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)


@pytest.mark.parametrize("who", ["member", "facilitator"])
def test_the_main_pages_fit_a_phone_with_44px_targets(page, live_server, demo, who):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, f"{who}@demo.example", DEMO_PASSWORD)
    problems = []
    for path in PAGES[who]:
        url = path() if callable(path) else path
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        found = page.evaluate(MEASURE)
        if found["scrollWidth"] > found["innerWidth"]:
            wide = f"{found['scrollWidth']} > {found['innerWidth']}"
            problems.append(f"{url}: scrolls sideways ({wide}): {found['wide']}")
        problems += [f"{url}: {target}" for target in found["small"]]
    assert problems == [], "\n".join(problems)


def test_start_here_is_on_the_newcomers_first_screen(page, live_server, demo):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "newcomer@demo.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{C}/")
    top = page.locator("#home-path-heading").evaluate("(el) => el.getBoundingClientRect().top + window.scrollY")
    assert top <= PHONE["height"] - 44, f"“Start here” begins {top:.0f} px down"
