"""Pages from sections: one ordered list per app, placed among each other by name, typed sections."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from childsys.lib.ordering import Slot, arrange
from communities import sections


def _names(slots):
    return [s.name for s in slots]


def test_it_keeps_each_list_in_order_and_places_runs_next_to_their_anchor():
    own = [Slot("purpose", 1), Slot("vision", 2), Slot("objectives", 3), Slot("activity", 4)]
    other = [Slot("path", 5, after="purpose"), Slot("open", 6, after="objectives"), Slot("more", 7)]
    first = [Slot("funnel", 8, before="purpose"), Slot("stories", 9)]
    assert _names(arrange([own, other, first])) == [
        "funnel",
        "stories",
        "purpose",
        "path",
        "vision",
        "objectives",
        "open",
        "more",
        "activity",
    ]


def test_it_places_a_run_anchored_on_a_list_registered_later():
    later_anchor = [Slot("b", 1, after="a")]
    assert _names(arrange([later_anchor, [Slot("a", 2), Slot("c", 3)]])) == ["a", "b", "c"]


def test_it_refuses_an_anchor_nobody_registered():
    with pytest.raises(ImproperlyConfigured, match="nowhere"):
        arrange([[Slot("a", 1)], [Slot("b", 2, after="nowhere")]])


def test_the_registered_pages_interleave_both_apps_in_the_documented_order():
    assert sections.names("home") == [
        "newcomer-path",  # shown to newcomers only: for them it leads the page
        "purpose",
        "vision",
        "objectives",
        "open-requests",
        "recent_activity",
    ]
    assert sections.names("dashboard") == [
        "vibrancy",
        "practice-health",
        "learning-loops",
        "captured-learning",
        "practice-sessions",
    ]
    assert sections.names("value") == [
        "funnel",
        "stories",
        "practice-health",
        "participation",
        "practice-sessions",
        "vibrancy",
        "objectives",
    ]
    assert [t.label for t in sections.tabs()] == [
        "Direction",
        "Members",
        "Vibrancy",
        "Requests",
        "Learning",
        "Sessions",
        "Dashboard",
        "Value",
    ]


def test_a_section_reads_its_context_and_its_own_fields():
    section = sections.Section("x.html", {"purpose": "Why"}, title="Purpose", column="side")
    assert section["purpose"] == "Why"
    assert (section.title, section.column, section.name) == ("Purpose", "side", "")
    with pytest.raises(KeyError):
        section["title"]  # the fields are attributes, never context
