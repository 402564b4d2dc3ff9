"""Artefacts: the three ways to create one, every edit kept as a version, publishing and taking back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities.models import ActivityLog, Category, Notification
from practice.models import Artefact, ArtefactVersion, NewcomerPathItem, Outcome
from practice.services import learning
from practice.services import requests as services
from tests.practice.factories_learning import ArtefactFactory, NewcomerPathItemFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _url(name: str, community, **kwargs) -> str:
    return reverse(f"practice:{name}", kwargs={"slug": community.slug, **kwargs})


# --- from scratch ---------------------------------------------------------------------------------

KIND_POSTS = {
    "faq": {"question": "Who does the second check at night?", "answer": "The **buddy ward** nurse."},
    "summary": {"period": "Spring 2025", "key_points": "- Buddy wards work\n- Pharmacy helps"},
    "case_story": {"situation": "Two nurses, 28 beds.", "what_we_did": "Buddy ward.", "result": "No missed checks."},
    "failure_reflection": {
        "what_happened": "A checklist nobody used.",
        "what_we_learned": "Ask the night staff first.",
        "what_wed_do_differently": "Pilot on one ward.",
    },
    "insight": {"insight": "Night shifts need their own processes."},
}


@pytest.mark.parametrize("kind", list(KIND_POSTS))
def test_it_drafts_every_kind_from_scratch(kind, as_user, member, community, tags):
    data = {
        "title": f"A {kind} about nights",
        "tags": [tags["handover"].pk],
        "new_tags": "night shift",
        **KIND_POSTS[kind],
    }
    response = as_user(member).post(_url("learning-new", community) + f"?kind={kind}", data)
    artefact = Artefact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("learning-detail", community, pk=artefact.pk)
    assert artefact.kind == kind
    assert artefact.status == Artefact.Status.DRAFT
    assert artefact.created_by == member
    assert list(artefact.authors.all()) == [member]
    assert {t.slug for t in artefact.tags.all()} == {"handover", "night-shift"}
    for name, value in KIND_POSTS[kind].items():
        assert getattr(artefact, name) == value
    version = artefact.versions.get()
    assert (version.number, version.author, version.kind) == (1, member, kind)
    assert version.fields == KIND_POSTS[kind]


def test_it_titles_a_faq_with_its_question_when_the_title_is_left_empty(as_user, member, community):
    as_user(member).post(_url("learning-new", community) + "?kind=faq", {"title": "", **KIND_POSTS["faq"]})
    assert Artefact.objects.get().title == "Who does the second check at night?"


def test_it_keeps_what_was_typed_when_a_required_part_is_missing(as_user, member, community):
    response = as_user(member).post(
        _url("learning-new", community) + "?kind=case_story",
        {"title": "Buddy wards", "situation": "Two nurses, 28 beds, *night*.", "what_we_did": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required" in html
    assert "Two nurses, 28 beds, *night*." in html
    assert not Artefact.objects.exists()


def test_it_gives_404_for_an_unknown_kind(as_user, member, community):
    assert as_user(member).get(_url("learning-new", community) + "?kind=poem").status_code == 404


def test_it_keeps_only_the_kinds_own_fields(member, community):
    artefact = learning.artefact_create(
        community=community,
        author=member,
        kind="insight",
        title="Insight",
        fields={"insight": "Ask early.", "answer": "smuggled in"},
    )
    assert artefact.answer == ""
    assert artefact.versions.get().fields == {"insight": "Ask early."}


def test_it_refuses_an_empty_artefact_and_outsiders(member, outsider, community):
    with pytest.raises(ValidationError):
        learning.artefact_create(community=community, author=member, kind="insight", title="x", fields={})
    with pytest.raises(PermissionDenied):
        learning.artefact_create(
            community=community, author=outsider, kind="insight", title="x", fields={"insight": "y"}
        )


# --- versions ------------------------------------------------------------------------------------


def test_it_keeps_every_edit_as_a_version_with_its_author_and_time(member, core, facilitator, community):
    with time_machine.travel(T0, tick=False):
        artefact = learning.artefact_create(
            community=community, author=member, kind="faq", title="Night checks",
            fields={"question": "Who checks?", "answer": "Nobody yet."},
        )  # fmt: skip
    learning.artefact_edit(
        artefact=artefact, editor=member, title="Night checks", fields={"question": "Who checks?", "answer": "Buddy."},
        note="answered", now=T0 + timedelta(hours=1),
    )  # fmt: skip
    learning.artefact_edit(
        artefact=artefact, editor=core, title="Second checks at night",
        fields={"question": "Who does the second check?", "answer": "The buddy ward."}, now=T0 + timedelta(hours=2),
    )  # fmt: skip
    artefact.refresh_from_db()
    assert artefact.version == 3
    assert artefact.title == "Second checks at night"
    versions = list(ArtefactVersion.objects.filter(artefact=artefact).order_by("number"))
    assert [(v.number, v.author, v.created_at) for v in versions] == [
        (1, member, T0),
        (2, member, T0 + timedelta(hours=1)),
        (3, core, T0 + timedelta(hours=2)),
    ]
    assert versions[0].fields == {"question": "Who checks?", "answer": "Nobody yet."}
    assert versions[1].fields["answer"] == "Buddy."
    assert versions[1].note == "answered"
    assert versions[2].title == "Second checks at night"
    assert set(artefact.authors.all()) == {member, core}
    # A facilitator edits anyone's artefact; that is a version too.
    learning.artefact_edit(artefact=artefact, editor=facilitator, title="t", fields={"question": "q", "answer": "a"})
    assert ArtefactVersion.objects.filter(artefact=artefact).count() == 4
    assert artefact.versions.get(number=4).author == facilitator


def test_it_saves_an_edit_through_the_page_as_a_new_version(as_user, member, community, tags):
    artefact = learning.artefact_create(
        community=community, author=member, kind="insight", title="Ask early", fields={"insight": "v1"}
    )
    response = as_user(member).post(
        _url("learning-edit", community, pk=artefact.pk),
        {"title": "Ask early, ask often", "insight": "v2", "tags": [tags["falls"].pk], "note": "clearer"},
    )
    assert response.status_code == 302
    artefact.refresh_from_db()
    assert (artefact.title, artefact.insight, artefact.version) == ("Ask early, ask often", "v2", 2)
    assert list(artefact.tags.all()) == [tags["falls"]]
    assert artefact.versions.get(number=2).note == "clearer"
    page = (
        as_user(member)
        .get(_url("learning-version", community, pk=artefact.pk, version_pk=artefact.versions.get(number=1).pk))
        .content.decode()
    )
    assert "v1" in page


def test_it_refuses_an_edit_by_a_member_who_is_not_an_author(newcomer, member, community):
    artefact = learning.artefact_create(
        community=community, author=member, kind="insight", title="Ask early", fields={"insight": "v1"}
    )
    with pytest.raises(PermissionDenied):
        learning.artefact_edit(artefact=artefact, editor=newcomer, title="x", fields={"insight": "x"})
    assert artefact.versions.count() == 1


# --- publishing ------------------------------------------------------------------------------------


def test_it_publishes_tells_the_authors_and_logs_it(as_user, member, facilitator, community):
    artefact = learning.artefact_create(
        community=community, author=member, kind="insight", title="Ask early", fields={"insight": "v1"}
    )
    with time_machine.travel(T0, tick=False):
        response = as_user(facilitator).post(_url("learning-publish", community, pk=artefact.pk))
    assert response.status_code == 302
    artefact.refresh_from_db()
    assert artefact.status == Artefact.Status.PUBLISHED
    assert (artefact.published_at, artefact.published_by) == (T0, facilitator)
    note = Notification.objects.get(user=member)
    assert note.category == Category.LEARNING
    assert "Ask early" in note.title
    assert ActivityLog.objects.filter(community=community, action="practice.learning.publish").count() == 1
    # Publishing twice changes nothing.
    assert learning.artefact_publish(artefact=artefact, actor=facilitator) is False
    assert Notification.objects.filter(user=member).count() == 1


def test_it_takes_an_artefact_back_to_draft_with_a_reason_and_off_the_path(as_user, core, member, community):
    artefact = ArtefactFactory(community=community, authors=[member], published=True)
    NewcomerPathItemFactory(artefact=artefact)
    url = _url("learning-unpublish", community, pk=artefact.pk)
    as_user(core).post(url, {"reason": ""})
    artefact.refresh_from_db()
    assert artefact.is_published
    as_user(core).post(url, {"reason": "Contains a patient's initials"})
    artefact.refresh_from_db()
    assert artefact.status == Artefact.Status.DRAFT
    assert artefact.published_at is None
    assert not NewcomerPathItem.objects.exists()
    assert "patient's initials" in ActivityLog.objects.get(action="practice.learning.unpublish").summary
    assert as_user(member).post(url, {"reason": "x"}).status_code == 403


# --- from a help-request thread ---------------------------------------------------------------------


def test_it_summarises_a_thread_into_a_prefilled_draft(
    as_user, post_request, member, core, newcomer, facilitator, tags
):
    hr = post_request(tags=[tags["medication"]])
    good = services.advice_create(help_request=hr, author=core, body="Try a **buddy ward** for the second check.")
    hidden = services.advice_create(help_request=hr, author=newcomer, body="Something a facilitator hid.")
    services.content_hide(obj=hidden, actor=facilitator, reason="off topic")
    response = as_user(newcomer).post(_url("learning-from-request", hr.community, pk=hr.pk))
    artefact = Artefact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("learning-edit", hr.community, pk=artefact.pk)
    assert artefact.kind == Artefact.Kind.SUMMARY
    assert artefact.status == Artefact.Status.DRAFT
    assert list(artefact.authors.all()) == [newcomer]
    assert artefact.title == f"Summary: {hr.title}"
    assert artefact.period == f"Thread: {hr.title}"
    assert "buddy ward" in artefact.key_points
    assert "Something a facilitator hid" not in artefact.key_points
    assert list(artefact.source_requests.all()) == [hr]
    assert list(artefact.source_advice.all()) == [good]
    assert list(artefact.tags.all()) == [tags["medication"]]
    assert artefact.versions.get().note == "Drafted from the request thread"


def test_it_shows_the_thread_summary_button_and_its_artefacts_on_the_request_page(as_user, post_request, member, core):
    hr = post_request()
    learning.artefact_draft_from_request(help_request=hr, author=core)
    member_page = as_user(member).get(hr.get_absolute_url()).content.decode()
    assert "Summarise this thread" in member_page
    assert "Summary: " not in member_page  # core's draft is not the member's to see
    core_page = as_user(core).get(hr.get_absolute_url()).content.decode()
    assert f"Summary: {hr.title}" in core_page


# --- from a closed loop --------------------------------------------------------------------------------


@pytest.fixture
def closed_loop(post_request, member, core, newcomer, tags):
    hr = post_request(tags=[tags["medication"]])
    helped = services.advice_create(help_request=hr, author=core, body="Agree a **buddy ward** for second checks.")
    services.advice_create(help_request=hr, author=newcomer, body="Ask pharmacy.")
    outcome = Outcome.objects.create(
        request=hr,
        community=hr.community,
        author=member,
        result=Outcome.Result.RESOLVED,
        what_worked="Ward 6 does our checks, we do theirs.",
        what_didnt="The phone was sometimes busy.",
        do_differently="Agree a backup number.",
    )
    outcome.helpful_advice.set([helped])
    return outcome


def test_it_drafts_a_case_story_from_a_closed_loop(closed_loop, facilitator, core):
    artefact = learning.artefact_draft_from_outcome(outcome=closed_loop, author=facilitator)
    hr = closed_loop.request
    assert artefact.kind == Artefact.Kind.CASE_STORY
    assert artefact.status == Artefact.Status.DRAFT
    assert artefact.title == f"Case: {hr.title}"
    assert "independent" in artefact.situation  # from the request
    assert "night coordinator" in artefact.situation  # what had been tried
    # What we did: the asker's own account, crediting the advice that helped (its text is a linked source) …
    assert artefact.what_we_did == (
        f"We tried the advice of {core.name}.\n\n**What worked:**\n\nWard 6 does our checks, we do theirs."
    )
    assert "Ask pharmacy" not in artefact.what_we_did  # … and not the rest
    assert artefact.result == (
        "**Resolved.**\n\n**What didn't work:**\n\nThe phone was sometimes busy.\n\n"
        "**Next time:**\n\nAgree a backup number."
    )
    assert list(artefact.source_requests.all()) == [hr]
    assert list(artefact.source_outcomes.all()) == [closed_loop]
    assert [a.body for a in artefact.source_advice.all()] == ["Agree a **buddy ward** for second checks."]
    # Idempotent: the loop is captured once.
    assert learning.artefact_draft_from_outcome(outcome=closed_loop, author=facilitator) == artefact
    assert Artefact.objects.count() == 1


def test_it_drafts_a_failure_reflection_when_the_asker_chose_one(closed_loop, member):
    closed_loop.result = Outcome.Result.NOT_RESOLVED
    closed_loop.share_as_learning = True
    closed_loop.share_kind = Outcome.ShareKind.FAILURE_REFLECTION
    closed_loop.save()
    artefact = learning.artefact_draft_from_outcome(outcome=closed_loop, author=member)
    assert artefact.kind == Artefact.Kind.FAILURE_REFLECTION
    assert "Not resolved" in artefact.what_happened
    assert "phone was sometimes busy" in artefact.what_happened
    assert artefact.what_wed_do_differently == "Agree a backup number."
    assert list(artefact.authors.all()) == [member]


def test_it_lets_the_core_group_capture_a_closed_loop_from_the_request_page(as_user, closed_loop, core, member):
    hr = closed_loop.request
    url = _url("learning-from-outcome", hr.community, pk=hr.pk)
    assert "Capture as learning" in as_user(core).get(hr.get_absolute_url()).content.decode()
    assert "Capture as learning" not in as_user(member).get(hr.get_absolute_url()).content.decode()
    assert as_user(member).post(url).status_code == 403
    assert not Artefact.objects.exists()
    response = as_user(core).post(url)
    artefact = Artefact.objects.get()
    assert response["Location"] == _url("learning-edit", hr.community, pk=artefact.pk)
    # A second click leads to what was drafted, and drafts nothing new.
    response = as_user(core).post(url)
    assert response["Location"] == _url("learning-detail", hr.community, pk=artefact.pk)
    assert Artefact.objects.count() == 1


def test_it_says_so_when_there_is_no_outcome_to_capture(as_user, post_request, core):
    hr = post_request()
    response = as_user(core).post(_url("learning-from-outcome", hr.community, pk=hr.pk), follow=True)
    assert "no reported outcome yet" in response.content.decode()
    assert not Artefact.objects.exists()


def test_it_drafts_learning_when_the_asker_shares_their_outcome(post_request, member, core):
    """The learning-loop service calls artefact_draft_from_outcome when "share this as learning" is ticked."""
    from practice.services import loops

    hr = post_request()
    advice = services.advice_create(help_request=hr, author=core, body="Use a buddy ward.")
    services.advice_respond(advice=advice, author=member, kind="try")
    outcome = loops.outcome_record(
        help_request=hr,
        author=member,
        result=Outcome.Result.RESOLVED,
        what_worked="It worked.",
        helpful_advice=[advice],
        share_as_learning=True,
        share_kind=Outcome.ShareKind.CASE_STORY,
    )
    artefact = Artefact.objects.get()
    assert artefact.kind == Artefact.Kind.CASE_STORY
    assert list(artefact.authors.all()) == [member]
    assert list(artefact.source_outcomes.all()) == [outcome]
    assert list(artefact.source_advice.all()) == [advice]
