"""The one safe pipeline for user-written text: Markdown (raw HTML off) → HTML → nh3 sanitiser."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Return sanitised HTML for ``text``; safe to mark safe in templates."""
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def markdown_to_text(text: str) -> str:
    """Readable plain text for ``text`` (an email's text part): paragraphs kept, lists keep their bullets
    ("- ") and numbers ("1. "), emphasis and code markers dropped, links as "text (url)", images as their
    alt text, quotes prefixed with "> ", headings on a line of their own."""
    tokens = _md.parse(text or "")
    out: list[str] = []
    lists: list[list] = []  # each open list: [ordered, next number]
    prefix: list[str] = []  # "> " per open blockquote
    item_start = False
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([kind == "ordered_list_open", int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                out.append("")
        elif kind == "list_item_open":
            ordered, number = lists[-1]
            marker = f"{number}. " if ordered else "- "
            if ordered:
                lists[-1][1] += 1
            out.append("".join(prefix) + "  " * (len(lists) - 1) + marker)
            item_start = True
        elif kind == "blockquote_open":
            prefix.append("> ")
        elif kind == "blockquote_close":
            prefix.pop()
        elif kind == "inline":
            line = _inline_text(token.children or [])
            indent = "".join(prefix) + ("  " * len(lists) if lists else "")
            if item_start:
                out[-1] += line.replace("\n", "\n" + indent)
                item_start = False
            else:
                out.append(indent + line.replace("\n", "\n" + indent))
        elif kind in ("fence", "code_block"):
            out.extend("".join(prefix) + "    " + line for line in token.content.rstrip("\n").split("\n"))
            out.append("")
        elif kind == "hr":
            out.extend(["----", ""])
        elif kind in ("paragraph_close", "heading_close") and not lists:
            out.append("")
    text_out = "\n".join(line.rstrip() for line in out)
    while "\n\n\n" in text_out:
        text_out = text_out.replace("\n\n\n", "\n\n")
    return text_out.strip("\n")


def _inline_text(children) -> str:
    parts: list[str] = []
    links: list[str] = []
    link_text_start: list[int] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(child.content or child.attrGet("alt") or "")
        elif kind == "link_open":
            links.append(str(child.attrGet("href") or ""))
            link_text_start.append(len(parts))
        elif kind == "link_close":
            href = links.pop()
            label = "".join(parts[link_text_start.pop() :])
            if href and href != label and href.removeprefix("mailto:") != label:
                parts.append(f" ({href})")
        # strong/em/s open and close: the markers are dropped
    return "".join(parts)


def markdown_excerpt(text: str, words: int = 40) -> str:
    """One line of plain text from ``text`` (a notification's excerpt): Markdown removed, at most ``words`` words."""
    flat = " ".join(markdown_to_text(text).split())
    cut = flat.split(" ")
    if len(cut) <= words:
        return flat
    return " ".join(cut[:words]).rstrip(",;:.") + "…"
