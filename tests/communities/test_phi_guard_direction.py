"""The patient-identifier guard on the Direction texts, invitation notes and join-request messages.

Every form is refused when a text holds an NHS number (finding marked, nothing saved, every word typed
kept, the "not patient information" box offered); confirming the finding saves the text and logs its
kind and where it was written, never the number.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from childsys.lib.phi import find_identifiers
from communities.models import (
    ActivityLog,
    AppreciativeInquiry,
    Community,
    InquiryContribution,
    Invitation,
    JoinRequest,
    Objective,
    PurposeVersion,
    StrategyVersion,
    ValueProposition,
    VisionComment,
    VisionDraft,
    VisionStance,
)
from tests.factories import InquiryFactory, ObjectiveFactory, ValuePropositionFactory, VisionDraftFactory

pytestmark = pytest.mark.django_db

NHS = "943 476 5919"
STORY = f"At our best: the night team caught a double dose for the boy in bed 4 (NHS {NHS}) before it was given."
TITLE = f"Lessons from NHS {NHS}"


def _u(name: str, community: Community, **kwargs) -> str:
    return reverse(f"communities:direction-{name}", kwargs={"slug": community.slug, **kwargs})


def _fingerprint(text: str) -> str:
    return find_identifiers(text)[0].fingerprint


@dataclass
class Case:
    """One form: who posts where, what, and how to read back what was stored."""

    id: str
    persona: str
    where: str  # as the activity log names it
    url: Callable  # (community, thing) -> url
    data: Callable  # (users, thing) -> the posted fields, with the identifier in one of them
    stored: Callable  # (community, thing) -> the stored values of the guarded fields (a list of strings)
    setup: Callable = field(default=lambda community, users: None)  # -> the thing the form edits or adds to
    typed: str = STORY  # the text with the identifier, as posted


def _draft(community, users):
    return VisionDraftFactory(community=community, author=users["core"], title="Safer together")


def _objective(community, users):
    return ObjectiveFactory(community=community, owner=users["member"], title="Answer within 48 hours")


def _objective_form(users, **overrides) -> dict:
    return {
        "title": "Answer every request within 48 hours",
        "description": "Members commit to a first response.",
        "measure": "share of requests answered within 48 hours",
        "target": "90%",
        "owner": users["member"].pk,
        "due_date": "2030-09-30",
        "status": "active",
        **overrides,
    }


def _inquiry_form(**overrides) -> dict:
    return {
        "title": "Our community at its best",
        "prompt_discover": "When did a colleague's advice save your day?",
        "prompt_dream": "Imagine the network in three years.",
        "prompt_design": "What should we build together?",
        "prompt_destiny": "What will you commit to?",
        **overrides,
    }


def _value_form(**overrides) -> dict:
    return {
        "for_whom": "Ward teams and the patients in their care.",
        "problem": "Safety lessons stay on the ward where they were learned.",
        "value": "Fewer repeated incidents.",
        "proof": "Falls on two pilot wards fell by a third.",
        **overrides,
    }


def _by_request(community, users):
    community.visibility = Community.Visibility.BY_REQUEST
    community.save(update_fields=["visibility"])


CASES = [
    Case(
        id="vision-draft-text",
        persona="core",
        where="a vision draft",
        url=lambda c, _: _u("draft-create", c),
        data=lambda users, _: {"title": "Safer together", "text": STORY, "open_now": "on"},
        stored=lambda c, _: list(VisionDraft.objects.filter(community=c).values_list("text", flat=True)),
    ),
    Case(
        id="vision-draft-title",
        persona="core",
        where="a vision draft",
        url=lambda c, _: _u("draft-create", c),
        data=lambda users, _: {"title": TITLE, "text": "Every ward learns from every other ward."},
        stored=lambda c, _: list(VisionDraft.objects.filter(community=c).values_list("title", flat=True)),
        typed=TITLE,
    ),
    Case(
        id="vision-draft-edit",
        persona="core",
        where="a vision draft",
        setup=_draft,
        url=lambda c, draft: _u("draft-edit", c, pk=draft.pk),
        data=lambda users, _: {"title": "Safer together", "text": STORY},
        stored=lambda c, draft: list(VisionDraft.objects.filter(pk=draft.pk).values_list("text", flat=True)),
    ),
    Case(
        id="stance-comment",
        persona="member",
        where="a stance on a vision draft",
        setup=_draft,
        url=lambda c, draft: _u("draft-stance", c, pk=draft.pk),
        data=lambda users, _: {"stance": "concerns", "comment": STORY},
        stored=lambda c, draft: list(VisionStance.objects.filter(draft=draft).values_list("comment", flat=True)),
    ),
    Case(
        id="draft-comment",
        persona="member",
        where="a comment on a vision draft",
        setup=_draft,
        url=lambda c, draft: _u("draft-comment", c, pk=draft.pk),
        data=lambda users, _: {"text": STORY},
        stored=lambda c, draft: list(VisionComment.objects.filter(draft=draft).values_list("text", flat=True)),
    ),
    Case(
        id="inquiry-contribution",
        persona="member",
        where="an appreciative inquiry contribution",
        setup=lambda c, users: InquiryFactory(community=c, opened_by=users["facilitator"]),
        url=lambda c, inquiry: _u("inquiry-contribute", c, pk=inquiry.pk),
        data=lambda users, _: {"phase": "discover", "text": STORY},
        stored=lambda c, inquiry: list(
            InquiryContribution.objects.filter(inquiry=inquiry).values_list("text", flat=True)
        ),
    ),
    Case(
        id="inquiry-title",
        persona="facilitator",
        where="an appreciative inquiry",
        url=lambda c, _: _u("inquiry-create", c),
        data=lambda users, _: _inquiry_form(title=TITLE),
        stored=lambda c, _: list(AppreciativeInquiry.objects.filter(community=c).values_list("title", flat=True)),
        typed=TITLE,
    ),
    Case(
        id="inquiry-prompt",
        persona="facilitator",
        where="an appreciative inquiry",
        setup=lambda c, users: InquiryFactory(community=c, opened_by=users["facilitator"]),
        url=lambda c, inquiry: _u("inquiry-edit", c, pk=inquiry.pk),
        data=lambda users, _: _inquiry_form(prompt_dream=STORY),
        stored=lambda c, inquiry: list(
            AppreciativeInquiry.objects.filter(pk=inquiry.pk).values_list("prompt_dream", flat=True)
        ),
    ),
    Case(
        id="purpose",
        persona="sponsor",
        where="the purpose",
        url=lambda c, _: _u("purpose", c),
        data=lambda users, _: {"text": STORY},
        stored=lambda c, _: list(PurposeVersion.objects.filter(community=c).values_list("text", flat=True)),
    ),
    Case(
        id="strategy",
        persona="facilitator",
        where="the strategy",
        url=lambda c, _: _u("strategy", c),
        data=lambda users, _: {"text": STORY},
        stored=lambda c, _: list(StrategyVersion.objects.filter(community=c).values_list("text", flat=True)),
    ),
    Case(
        id="objective-description",
        persona="facilitator",
        where="an objective",
        url=lambda c, _: _u("objective-create", c),
        data=lambda users, _: _objective_form(users, description=STORY),
        stored=lambda c, _: list(Objective.objects.filter(community=c).values_list("description", flat=True)),
    ),
    Case(
        id="objective-edit-target",
        persona="facilitator",
        where="an objective",
        setup=_objective,
        url=lambda c, objective: _u("objective-edit", c, pk=objective.pk),
        data=lambda users, _: _objective_form(users, target=TITLE),
        stored=lambda c, objective: list(Objective.objects.filter(pk=objective.pk).values_list("target", flat=True)),
        typed=TITLE,
    ),
    Case(
        id="value-proposition-proof",
        persona="facilitator",
        where="the value proposition",
        url=lambda c, _: _u("value", c),
        data=lambda users, _: _value_form(proof=STORY),
        stored=lambda c, _: list(ValueProposition.objects.filter(community=c).values_list("proof", flat=True)),
    ),
    Case(
        id="value-proposition-edit",
        persona="facilitator",
        where="the value proposition",
        setup=lambda c, users: ValuePropositionFactory(community=c),
        url=lambda c, _: _u("value", c),
        data=lambda users, _: _value_form(for_whom=STORY),
        stored=lambda c, _: list(ValueProposition.objects.filter(community=c).values_list("for_whom", flat=True)),
    ),
    Case(
        id="invitation-note",
        persona="facilitator",
        where="an invitation's note",
        url=lambda c, _: reverse("communities:members-invite", kwargs={"slug": c.slug}),
        data=lambda users, _: {"email": "new.nurse@example.org", "role": "member", "message": STORY},
        stored=lambda c, _: list(Invitation.objects.filter(community=c).values_list("message", flat=True)),
    ),
    Case(
        id="join-request-message",
        persona="outsider",
        where="a request to join",
        setup=_by_request,
        url=lambda c, _: reverse("communities:join-request", kwargs={"slug": c.slug}),
        data=lambda users, _: {"message": STORY},
        stored=lambda c, _: list(JoinRequest.objects.filter(community=c).values_list("message", flat=True)),
    ),
]


@pytest.fixture
def users(sponsor, facilitator, core, member, outsider) -> dict:
    return {"sponsor": sponsor, "facilitator": facilitator, "core": core, "member": member, "outsider": outsider}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_text_with_an_nhs_number_is_refused_marked_and_kept(case, community, users, as_user):
    thing = case.setup(community, users)
    before = case.stored(community, thing)
    response = as_user(users[case.persona]).post(case.url(community, thing), case.data(users, thing))
    assert response.status_code == 200
    assert case.stored(community, thing) == before  # nothing created, nothing changed
    assert not any(NHS in value for value in before)
    page = response.content.decode()
    assert f"This looks like an NHS number: <mark>{NHS}</mark>" in page
    assert "Nothing was posted: what you wrote may identify a patient." in page
    assert html_lib.escape(case.typed) in page  # every word typed is still in the form
    assert f"“{NHS}” is not patient information" in page  # the confirmation box
    assert f'value="{_fingerprint(case.typed)}"' in page
    assert not ActivityLog.objects.filter(action="privacy.not_phi").exists()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_confirming_it_is_not_patient_information_saves_it_and_logs_the_kind_only(case, community, users, as_user):
    thing = case.setup(community, users)
    data = {**case.data(users, thing), "phi_confirm": [_fingerprint(case.typed)]}
    response = as_user(users[case.persona]).post(case.url(community, thing), data)
    assert response.status_code == 302
    assert case.typed in case.stored(community, thing)
    entry = ActivityLog.objects.get(community=community, action="privacy.not_phi")
    assert entry.actor == users[case.persona]
    assert f"an NHS number in {case.where} is not patient information" in entry.summary
    assert NHS not in entry.summary and "9434765919" not in entry.summary


def test_a_forged_confirmation_is_refused_and_keeps_the_contribution(community, member, facilitator, as_user):
    inquiry = InquiryFactory(community=community, opened_by=facilitator)
    response = as_user(member).post(
        _u("inquiry-contribute", community, pk=inquiry.pk),
        {"phase": "dream", "text": STORY, "phi_confirm": ["not-a-fingerprint"]},
    )
    assert response.status_code == 200
    assert not InquiryContribution.objects.exists()
    page = response.content.decode()
    assert html_lib.escape(STORY) in page
    assert f"<mark>{NHS}</mark>" in page


def test_the_communitys_own_record_number_format_is_checked_in_a_stance(community, core, member, as_user):
    community.mrn_patterns = r"\bMSN-\d{5}\b"
    community.save()
    draft = VisionDraftFactory(community=community, author=core)
    response = as_user(member).post(
        _u("draft-stance", community, pk=draft.pk), {"stance": "object", "comment": "Think of MSN-12345 last week."}
    )
    assert response.status_code == 200
    assert "<mark>MSN-12345</mark>" in response.content.decode()
    assert not VisionStance.objects.exists()


def test_the_direction_fields_are_checked_while_typing(community, core, as_user):
    page = as_user(core).get(_u("draft-create", community)).content.decode()
    assert page.count('data-phi-check="on"') == 2  # the title and the vision
