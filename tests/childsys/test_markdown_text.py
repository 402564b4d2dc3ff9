"""Markdown as readable plain text (emails' text parts) and as one-line excerpts (notifications)."""

from __future__ import annotations

from childsys.lib.markdown import markdown_excerpt, markdown_to_text


def test_it_keeps_bullets_and_numbers_and_drops_emphasis_and_code_markers():
    source = (
        "**Bold** advice and _em_ with `code`.\n\n"
        "- first **item**\n- second\n  - nested\n\n"
        "3. three\n4. four\n\n"
        "> quoted *text*\n\n"
        "## Heading\n\nLine one\nline two"
    )
    assert markdown_to_text(source) == (
        "Bold advice and em with code.\n\n"
        "- first item\n- second\n  - nested\n\n"
        "3. three\n4. four\n\n"
        "> quoted text\n\n"
        "Heading\n\nLine one\nline two"
    )


def test_links_read_as_text_and_url():
    assert markdown_to_text("See [the protocol](https://example.org/p) or <https://example.org/q>.") == (
        "See the protocol (https://example.org/p) or https://example.org/q."
    )


def test_raw_html_stays_text():
    assert markdown_to_text("<b>hi</b> **there**") == "<b>hi</b> there"


def test_an_excerpt_is_one_line_of_at_most_n_words():
    assert markdown_excerpt("**Check** the chart.\n\n- ask the pharmacist\n- write it down", 6) == (
        "Check the chart. - ask the…"
    )
    assert markdown_excerpt("Just *this*.") == "Just this."
    assert markdown_excerpt("") == ""
