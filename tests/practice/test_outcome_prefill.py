"""A case story drafted from an outcome is built from the outcome's own fields, as valid Markdown."""

from __future__ import annotations

import pytest

from childsys.lib.markdown import render_markdown
from practice.models import Artefact, Outcome
from practice.services import learning
from tests.factories import CommunityFactory, UserFactory
from tests.practice.factories import AdviceFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db


def outcome(**fields) -> Outcome:
    community = CommunityFactory()
    asker = UserFactory(display_name="Ana Silva")
    help_request = HelpRequestFactory(
        community=community,
        author=asker,
        title="Night-shift handovers",
        situation="Handovers run **late**.",
        tried="- a checklist\n- a timer",
    )
    row = Outcome.objects.create(request=help_request, community=community, author=asker, **fields)
    first = AdviceFactory(
        request=help_request,
        author=UserFactory(display_name="Femke de Boer"),
        body="Try this:\n\n- stand at the bed\n- read the chart aloud\n- hand over meds last",
    )
    second = AdviceFactory(request=help_request, author=UserFactory(display_name="Jan Smit"), body="Use SBAR.")
    row.helpful_advice.set([first, second])
    return row


def test_the_case_story_uses_the_outcomes_fields_with_valid_markdown():
    row = outcome(
        result=Outcome.Result.PARTLY,
        what_worked="Reading the chart **aloud** at the bed.",
        what_didnt="- the timer\n- handing over meds last",
        do_differently="Start with the sickest patient.",
    )
    prefill = learning.artefact_prefill_from_outcome(row)
    assert prefill["kind"] == Artefact.Kind.CASE_STORY
    assert prefill["title"] == "Case: Night-shift handovers"
    assert prefill["fields"] == {
        "situation": "Handovers run **late**.\n\n**What had been tried before:**\n\n- a checklist\n- a timer",
        "what_we_did": "We tried the advice of Femke de Boer and Jan Smit.\n\n"
        "**What worked:**\n\nReading the chart **aloud** at the bed.",
        "result": "**Partly resolved.**\n\n**What didn't work:**\n\n- the timer\n- handing over meds last\n\n"
        "**Next time:**\n\nStart with the sickest patient.",
    }
    # The adviser's own words are a linked source, not pasted under "What we did".
    assert "stand at the bed" not in "".join(prefill["fields"].values())
    assert [a.author.name for a in prefill["source_advice"]] == ["Femke de Boer", "Jan Smit"]
    html = render_markdown(prefill["fields"]["result"])
    assert "<ul>\n<li>the timer</li>\n<li>handing over meds last</li>\n</ul>" in html
    assert "- " not in html


def test_a_failure_reflection_keeps_what_didnt_work_as_a_list():
    row = outcome(
        result=Outcome.Result.NOT_RESOLVED,
        what_didnt="1. the checklist\n2. the timer",
        share_as_learning=True,
        share_kind=Outcome.ShareKind.FAILURE_REFLECTION,
    )
    fields = learning.artefact_prefill_from_outcome(row)["fields"]
    assert fields["what_happened"] == (
        "Handovers run **late**.\n\n**What had been tried before:**\n\n- a checklist\n- a timer\n\n"
        "We tried the advice of Femke de Boer and Jan Smit.\n\n**Not resolved.**\n\n"
        "**What didn't work:**\n\n1. the checklist\n2. the timer"
    )
    assert fields["what_we_learned"] == "1. the checklist\n2. the timer"
    assert "<ol>\n<li>the checklist</li>" in render_markdown(fields["what_happened"])
