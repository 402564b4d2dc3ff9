"""Valid HTML: the Nu HTML Checker (npm's vnu-jar, on Java) over every main page, for each demo persona.

The pages are rendered with the test client on the demo data, written to files, and checked in one
``java -jar vnu.jar`` run (one JVM start). ``make vnu-install`` (also run by ``make test`` and
``.ci/run``) installs the checker with ``npm ci`` under tests/support/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from communities.demo.core import SLUG
from communities.models import User, VisionDraft
from practice.models import Artefact, HelpRequest
from tests.conftest import skip_or_fail

VNU = Path(__file__).resolve().parents[1] / "support" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

PERSONAS = ["anonymous", "outsider", "newcomer", "member", "facilitator", "sponsor"]


def _pages() -> list[str]:
    c = f"/c/{SLUG}"
    request = HelpRequest.objects.filter(community__slug=SLUG).order_by("id").first()
    artefact = Artefact.objects.filter(community__slug=SLUG, status=Artefact.Status.PUBLISHED).order_by("id").first()
    draft = VisionDraft.objects.filter(community__slug=SLUG).order_by("-id").first()
    anonymous = Artefact.objects.filter(community__slug=SLUG, anonymous=True).order_by("id").first()
    return [
        "/",
        f"{c}/",
        f"{c}/members/",
        f"{c}/direction/",
        f"{c}/direction/purpose/history/",
        f"{c}/direction/drafts/{draft.pk}/",
        f"{c}/pitch/",
        f"{c}/vibrancy/",
        f"{c}/dashboard/",
        f"{c}/requests/",
        f"{c}/requests/new/",
        f"{c}/requests/{request.pk}/",
        f"{c}/learning/",
        f"{c}/learning/{artefact.pk}/",
        f"{c}/learning/{anonymous.pk}/",  # its author sees "You posted this anonymously" and Reveal myself
        f"{c}/learning/handbook/",
        f"{c}/value/",
        f"{c}/privacy/reviews/",
        "/notifications/",
        "/me/data/",
        "/me/delete/",
        "/accounts/login/",
        "/accounts/signup/",
    ]


def _vnu(files: list[Path]) -> list[dict]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        skip_or_fail(f"the Nu HTML Checker needs Java and {VNU} (make vnu-install)")
    result = subprocess.run(
        [java, "-Xss8m", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(result.stderr or "{}").get("messages", [])


@pytest.mark.django_db
def test_every_main_page_is_valid_html_for_every_persona(tmp_path):
    call_command("seed_demo", "--force", stdout=StringIO())
    files: list[Path] = []
    for persona in PERSONAS:
        client = Client()
        if persona != "anonymous":
            client.force_login(User.objects.get(email=f"{persona}@demo.example"))
        for url in _pages():
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue  # a 302 to the login page, or a 403/404 for this persona: the login page is checked itself
            name = f"{persona}{url.replace('/', '_')}.html"
            (tmp_path / name).write_bytes(response.content)
            files.append(tmp_path / name)
    assert len(files) > 60, "fewer pages rendered than expected: check the demo data"
    errors = _vnu(files)
    report = "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')} [{m.get('extract', '')[:120]!r}]"
        for m in errors
    )
    assert errors == [], f"{len(errors)} HTML errors:\n{report}"
