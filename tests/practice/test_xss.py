"""Cross-site scripting: hostile text through every renderer of user text in the practice app.

A corpus of payloads (``xss_payloads.txt``: Markdown links and images with javascript:, data: and
vbscript: URLs in many encodings, raw HTML, filter-evasion vectors) plus Hypothesis mutations go
through the Markdown pipeline, the request and list pages, the notification emails, and captured
learning (every kind of artefact, its versions, the handbook, the newcomer path, the dashboard, the
suggestions on the new-request form and the weekly digest). No output
may hold a script-capable tag, an ``on*`` attribute, or a URL whose scheme is not http, https or mailto.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from childsys.lib.markdown import ALLOWED_TAGS, render_markdown
from communities.models import OutboundEmail
from practice.models import ALL_TEXT_FIELDS, KIND_FIELDS, Artefact, HelpRequest, Outcome
from practice.services import learning
from practice.services import requests as services

PAYLOADS = [
    line.replace("\\n", "\n").replace("\\t", "\t").replace("\\0", "\x00")
    for line in (Path(__file__).parent / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
SAFE_SCHEMES = {"http", "https", "mailto"}
# Tags that can run script or load active content; none may appear anywhere on a page.
SCRIPT_CAPABLE = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style", "base",
    "xmp", "isindex", "bgsound", "marquee", "template", "noscript", "animate", "set", "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "background", "poster", "srcset", "xlink:href"}
# Browsers drop tabs and newlines anywhere in a URL and leading C0 controls and spaces.
_IGNORED_IN_URL = re.compile(r"[\t\n\r]")
_LEADING = re.compile(r"^[\x00-\x20]+")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_bodies.append(data)


def url_scheme(value: str) -> str | None:
    cleaned = _IGNORED_IN_URL.sub("", _LEADING.sub("", value))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def problems(html: str, *, fragment: bool) -> list[str]:
    """What is unsafe in ``html``; ``fragment`` is user content alone (no page scripts allowed at all)."""
    found = []
    if fragment and re.search(r"<\s*script", html, re.IGNORECASE):
        found.append("<script")
    parser = _Collector()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if fragment or not src.startswith("/static/"):
                found.append(f"script tag {attrs}")
        elif tag in SCRIPT_CAPABLE:
            found.append(f"<{tag}>")
        elif tag == "meta" and any(name.lower() == "http-equiv" for name, _ in attrs):
            found.append("<meta http-equiv>")
        elif tag == "link" and not (dict(attrs).get("href") or "").startswith("/static/"):
            found.append(f"<link {attrs}>")
        if fragment and tag not in ALLOWED_TAGS:
            found.append(f"tag outside the allow-list: <{tag}>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                found.append(f"{name}= on <{tag}>")
            if name.lower() in URL_ATTRIBUTES and value is not None:
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{name}={value!r} on <{tag}>")
            if fragment and name.lower() == "style":
                found.append(f"style attribute on <{tag}>")
    if parser.script_bodies:
        found.append("inline script")
    return found


def test_it_has_a_corpus_of_at_least_200_payloads():
    assert len(PAYLOADS) >= 200
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def test_it_catches_what_it_should():
    """The checker itself flags each kind of danger (so the tests below can fail)."""
    assert problems('<a href="javascript:alert(1)">x</a>', fragment=True)
    assert problems('<a href=" jav&#x09;ascript:alert(1)">x</a>', fragment=True)
    assert problems('<img src="data:image/svg+xml,x">', fragment=True)
    assert problems('<p onclick="x()">x</p>', fragment=True)
    assert problems("<svg></svg>", fragment=True)
    assert problems("<script src='/static/x.js'></script>", fragment=True)
    assert problems("<script>alert(1)</script>", fragment=False)
    assert not problems('<a href="https://example.org/a:b">x</a> <a href="/c/x/">y</a>', fragment=True)
    assert not problems('<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js"></script>', fragment=False)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_renders_markdown_payloads_safely(payload):
    html = render_markdown(payload)
    assert problems(html, fragment=True) == []


# --- Hypothesis mutations --------------------------------------------------------------------

TRICKY = ["\t", "\n", "\r", "\x00", "\u200b", " ", "&#", ";", "\\", "<", ">", '"', "'", "`", "/", ":", "%0a", "&#x09;"]
WRAPPERS = ["{}", "[x]({})", "![x]({})", "<{}>", "[x][r]\n\n[r]: {}", "**{}**", "> {}", "- {}", "| {} |\n|---|",
            "[{}](https://example.org)", "`{}`", "<a href=\"{}\">a</a>"]  # fmt: skip


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(PAYLOADS))
    for _ in range(draw(st.integers(0, 4))):
        operation = draw(st.sampled_from(["case", "insert", "entity", "percent", "wrap", "join"]))
        if operation == "case":
            text = "".join(c.swapcase() if draw(st.booleans()) else c for c in text[:200]) + text[200:]
        elif operation == "insert" and text:
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(TRICKY)) + text[at:]
        elif operation == "entity" and text:
            at = draw(st.integers(0, len(text) - 1))
            form = draw(st.sampled_from(["&#{};", "&#x{:x};", "&#0000{}"]))
            text = text[:at] + form.format(ord(text[at])) + text[at + 1 :]
        elif operation == "percent" and text:
            at = draw(st.integers(0, len(text) - 1))
            text = text[:at] + f"%{ord(text[at]) & 0xFF:02X}" + text[at + 1 :]
        elif operation == "wrap":
            text = draw(st.sampled_from(WRAPPERS)).format(text)
        else:
            text = text + draw(st.sampled_from(["\n\n", " ", ""])) + draw(st.sampled_from(PAYLOADS))
    return text


@settings(max_examples=1500, deadline=None)
@given(mutated())
def test_it_renders_mutated_payloads_safely(payload):
    assert problems(render_markdown(payload), fragment=True) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_it_renders_arbitrary_text_safely(text):
    assert problems(render_markdown(text), fragment=True) == []


# --- through the pages and the emails --------------------------------------------------------


def _post_thread(community, asker, adviser, payload: str) -> HelpRequest:
    # The forms refuse NUL characters (PostgreSQL cannot store them); browsers read them as U+FFFD.
    payload = payload.replace("\x00", "\ufffd")
    hr = services.help_request_create(
        community=community, author=asker, title=payload[:160] or "x", situation=payload, tried=payload
    )
    advice = services.advice_create(help_request=hr, author=adviser, body=payload)
    services.advice_respond(advice=advice, author=asker, kind="discuss", note=payload)
    services.advice_respond(advice=advice, author=asker, kind="try", note=payload)
    services.comment_create(advice=advice, author=adviser, body=payload)
    return hr


def _check_pages(client, hr, *, moderator=None) -> None:
    urls = [
        hr.get_absolute_url(),
        reverse("practice:request-list", kwargs={"slug": hr.community.slug}),
        reverse("communities:home", kwargs={"slug": hr.community.slug}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert problems(response.content.decode(), fragment=False) == [], url
    if moderator is not None:
        kwargs = {"slug": hr.community.slug, "pk": hr.pk}
        advice = hr.advice.get()
        for url in (
            hr.get_absolute_url(),
            reverse("practice:request-moderate", kwargs=kwargs),
            reverse("practice:request-edit", kwargs=kwargs),
            reverse("practice:request-advice-moderate", kwargs={**kwargs, "advice_pk": advice.pk}),
            reverse("practice:request-advice-edit", kwargs={**kwargs, "advice_pk": advice.pk}),
        ):
            response = moderator.get(url)
            assert response.status_code == 200
            assert problems(response.content.decode(), fragment=False) == [], url


def _capture_learning(hr: HelpRequest, *, author, curator) -> list[Artefact]:
    """Hostile text through captured learning: every kind with the payload in every part, an edit,
    a thread summary and a case story from an outcome (both quote the payload), all published and on
    the newcomer path."""
    community = hr.community
    payload = hr.situation
    artefacts = [
        learning.artefact_create(
            community=community,
            author=author,
            kind=kind,
            title=payload[:160] or "x",
            fields=dict.fromkeys(ALL_TEXT_FIELDS, payload),
        )
        for kind in KIND_FIELDS
    ]
    everywhere = dict.fromkeys(ALL_TEXT_FIELDS, payload)
    learning.artefact_edit(artefact=artefacts[0], editor=curator, title=payload[:160] or "x", fields=everywhere)
    artefacts.append(learning.artefact_draft_from_request(help_request=hr, author=author))
    outcome = Outcome.objects.create(
        request=hr,
        community=community,
        author=hr.author,
        result="resolved",
        what_worked=payload,
        what_didnt=payload,
        do_differently=payload,
    )
    outcome.helpful_advice.set(hr.advice.all())
    artefacts.append(learning.artefact_draft_from_outcome(outcome=outcome, author=curator))
    for artefact in artefacts:
        learning.artefact_publish(artefact=artefact, actor=curator)
        learning.path_add(community=community, artefact=artefact, actor=curator)
    return artefacts


def _check_learning_pages(community, artefacts, *, reader, curator, newcomer) -> None:
    slug = community.slug
    first = artefacts[0]
    pages = [
        (reader, reverse("practice:learning", kwargs={"slug": slug})),
        (reader, reverse("practice:learning-handbook", kwargs={"slug": slug})),
        (newcomer, reverse("communities:home", kwargs={"slug": slug})),
        (curator, reverse("practice:learning-path", kwargs={"slug": slug})),
        (curator, reverse("practice:learning-edit", kwargs={"slug": slug, "pk": first.pk})),
        (curator, reverse("communities:dashboard", kwargs={"slug": slug})),
        (reader, reverse("practice:learning-version", kwargs={"slug": slug, "pk": first.pk,
                                                              "version_pk": first.versions.get(number=1).pk})),
        *[(reader, reverse("practice:learning-detail", kwargs={"slug": slug, "pk": a.pk})) for a in artefacts],
    ]  # fmt: skip
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert problems(response.content.decode(), fragment=False) == [], url
    # The new-request form's preview step shows the artefacts' (and requests') titles as suggestions.
    title = first.title
    response = reader.post(reverse("practice:request-new", kwargs={"slug": slug}), {"title": title, "preview": "1"})
    assert response.status_code == 200
    assert problems(response.content.decode(), fragment=False) == []
    # The search box echoes the text searched for.
    response = reader.get(reverse("practice:learning", kwargs={"slug": slug}), {"q": title[:200]})
    assert problems(response.content.decode(), fragment=False) == []


def _check_emails() -> None:
    for email in OutboundEmail.objects.all():
        assert problems(email.body_html, fragment=False) == [], email.subject
        assert "\n" not in email.subject  # no header injection


@pytest.mark.django_db
def test_it_renders_the_corpus_safely_on_the_request_pages_and_in_emails(
    as_user, community, member, core, facilitator, newcomer
):
    from practice.services import loops

    asker, adviser, moderator = as_user(member), as_user(core), as_user(facilitator)
    for start in range(0, len(PAYLOADS), 25):
        # Twenty-five payloads per thread keeps the run short while every payload reaches every renderer.
        chunk = "\n\n".join(PAYLOADS[start : start + 25])
        hr = _post_thread(community, member, core, chunk)
        _check_pages(asker, hr)
        _check_pages(adviser, hr, moderator=moderator)
        # Captured learning: the same chunk in every part of every kind of artefact.
        artefacts = _capture_learning(hr, author=member, curator=facilitator)
        _check_learning_pages(community, artefacts, reader=asker, curator=moderator, newcomer=as_user(newcomer))
        Artefact.objects.filter(pk__in=[a.pk for a in artefacts]).delete()  # keep each round's pages small
    loops.weekly_digests_send()  # newly published learning in the weekly digest
    assert OutboundEmail.objects.count() > len(PAYLOADS) // 25
    _check_emails()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS[::7])
def test_it_renders_single_payloads_safely_on_the_request_page(as_user, community, member, core, payload):
    hr = _post_thread(community, member, core, payload)
    _check_pages(as_user(member), hr)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS[3::11])
def test_it_renders_single_payloads_safely_on_the_learning_pages(
    as_user, community, member, core, facilitator, newcomer, payload
):
    hr = _post_thread(community, member, core, payload)
    artefacts = _capture_learning(hr, author=member, curator=facilitator)
    _check_learning_pages(
        community, artefacts, reader=as_user(member), curator=as_user(facilitator), newcomer=as_user(newcomer)
    )


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=mutated())
def test_it_renders_mutated_payloads_safely_on_the_request_page(as_user, community, member, core, facilitator, payload):
    hr = _post_thread(community, member, core, payload)
    _check_pages(as_user(member), hr, moderator=as_user(facilitator))
    _check_emails()


# --- Content-Security-Policy -------------------------------------------------------------------


@pytest.mark.django_db
def test_it_sends_a_csp_without_unsafe_inline_scripts(as_user, community, member, core):
    hr = _post_thread(community, member, core, "<script>alert(1)</script>")
    for url in (
        hr.get_absolute_url(),
        reverse("practice:request-list", kwargs={"slug": community.slug}),
        reverse("practice:request-new", kwargs={"slug": community.slug}),
    ):
        response = as_user(member).get(url)
        policy = response["Content-Security-Policy"]
        directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
        assert "script-src" in directives, policy
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert directives["object-src"] == ["'none'"]
