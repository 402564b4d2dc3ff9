"""Appreciative inquiry: facilitators open it with 4-D prompts, members contribute, a draft comes out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from communities.models import ActivityLog, AppreciativeInquiry, InquiryContribution, Phase, VisionDraft
from communities.models.direction import DEFAULT_PROMPTS
from communities.services import direction as services
from tests.communities.direction_helpers import warm
from tests.factories import ContributionFactory, InquiryFactory, MembershipFactory

pytestmark = pytest.mark.django_db

INQUIRY_FORM = {
    "title": "Our community at its best",
    "prompt_discover": "When did a colleague's advice save your day?",
    "prompt_dream": DEFAULT_PROMPTS[Phase.DREAM],
    "prompt_design": DEFAULT_PROMPTS[Phase.DESIGN],
    "prompt_destiny": DEFAULT_PROMPTS[Phase.DESTINY],
}


def _u(name: str, community, **kwargs) -> str:
    return reverse(f"communities:direction-{name}", kwargs={"slug": community.slug, **kwargs})


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("newcomer", 403),
        ("member", 403),
        ("core", 403),
        ("facilitator", 200),
        ("sponsor", 200),
    ],
)
def test_it_lets_facilitators_open_an_inquiry(community, personas, as_user, persona, expected):
    client = as_user(personas[persona])
    assert client.get(_u("inquiry-create", community)).status_code == expected
    response = client.post(_u("inquiry-create", community), INQUIRY_FORM)
    opens = persona in ("facilitator", "sponsor")
    assert response.status_code == (302 if opens or persona == "anonymous" else expected)
    assert AppreciativeInquiry.objects.filter(community=community).count() == (1 if opens else 0)


def test_it_offers_good_default_prompts_and_keeps_edited_ones(community, facilitator, as_user):
    client = as_user(facilitator)
    form = client.get(_u("inquiry-create", community)).context["form"]
    for phase in Phase:
        assert form[f"prompt_{phase.value}"].value() == DEFAULT_PROMPTS[phase]
        assert len(DEFAULT_PROMPTS[phase]) > 80
    client.post(_u("inquiry-create", community), INQUIRY_FORM)
    inquiry = AppreciativeInquiry.objects.get()
    assert inquiry.prompt_discover == "When did a colleague's advice save your day?"
    assert inquiry.prompt_dream == DEFAULT_PROMPTS[Phase.DREAM]
    assert (inquiry.opened_by, inquiry.is_open) == (facilitator, True)
    assert ActivityLog.objects.filter(action="inquiry.open", actor=facilitator).exists()


def test_it_refuses_an_untitled_inquiry_and_keeps_the_prompts(community, facilitator, as_user):
    response = as_user(facilitator).post(_u("inquiry-create", community), {**INQUIRY_FORM, "title": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the inquiry a title." in html
    assert "When did a colleague&#x27;s advice save your day?" in html
    assert not AppreciativeInquiry.objects.exists()


def test_it_lets_facilitators_edit_the_prompts(community, facilitator, member, as_user):
    inquiry = InquiryFactory(community=community, opened_by=facilitator)
    data = {**INQUIRY_FORM, "prompt_destiny": "One step this month?"}
    assert as_user(member).post(_u("inquiry-edit", community, pk=inquiry.pk), data).status_code == 403
    assert as_user(facilitator).post(_u("inquiry-edit", community, pk=inquiry.pk), data).status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.prompt_destiny == "One step this month?"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("outsider", 404), ("stranger", 404), ("newcomer", 302), ("member", 302), ("core", 302)],
)
def test_it_lets_every_member_contribute_to_each_phase(community, personas, as_user, persona, expected):
    inquiry = InquiryFactory(community=community, opened_by=personas["facilitator"])
    client = as_user(personas[persona])
    for phase in Phase:
        response = client.post(
            _u("inquiry-contribute", community, pk=inquiry.pk),
            {"phase": phase.value, "text": f"My {phase.value} answer"},
        )
        assert response.status_code == expected
    mine = InquiryContribution.objects.filter(inquiry=inquiry)
    if expected == 302 and persona != "anonymous":
        assert sorted(mine.values_list("phase", flat=True)) == sorted(Phase.values)
        assert set(mine.values_list("author", flat=True)) == {personas[persona].pk}
    else:
        assert not mine.exists()


def test_it_shows_the_inquiry_with_contributions_per_phase(community, facilitator, member, outsider, as_user):
    inquiry = InquiryFactory(community=community, opened_by=facilitator)
    ContributionFactory(inquiry=inquiry, author=member, phase="dream", text="Every ward has a safety buddy.")
    response = as_user(member).get(inquiry.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Every ward has a safety buddy." in html
    assert html.index("Discover") < html.index("Dream") < html.index("Design") < html.index("Destiny")
    assert "Turn selected into a vision draft" not in html  # a facilitator's tool
    assert "Turn selected into a vision draft" in as_user(facilitator).get(inquiry.get_absolute_url()).content.decode()
    assert as_user(outsider).get(inquiry.get_absolute_url()).status_code == 404


def test_it_refuses_an_empty_contribution_and_keeps_the_others(community, facilitator, member, as_user):
    inquiry = InquiryFactory(community=community, opened_by=facilitator)
    response = as_user(member).post(_u("inquiry-contribute", community, pk=inquiry.pk), {"phase": "design", "text": ""})
    assert response.status_code == 200
    assert "Write your answer before adding it." in response.content.decode()
    assert not InquiryContribution.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("outsider", 404), ("member", 403), ("core", 403), ("facilitator", 302), ("sponsor", 302)],
)
def test_it_lets_facilitators_close_an_inquiry(community, personas, as_user, persona, expected):
    inquiry = InquiryFactory(community=community, opened_by=personas["facilitator"])
    assert as_user(personas[persona]).post(_u("inquiry-close", community, pk=inquiry.pk)).status_code == expected
    inquiry.refresh_from_db()
    assert inquiry.is_open is (persona not in ("facilitator", "sponsor"))


def test_it_takes_no_contributions_once_closed(community, facilitator, member, as_user):
    inquiry = InquiryFactory(community=community, opened_by=facilitator)
    services.inquiry_close(inquiry=inquiry, actor=facilitator)
    as_user(member).post(_u("inquiry-contribute", community, pk=inquiry.pk), {"phase": "dream", "text": "Late idea"})
    assert not InquiryContribution.objects.exists()
    assert ActivityLog.objects.filter(action="inquiry.close").count() == 1


def test_it_turns_selected_contributions_into_a_prefilled_draft(community, facilitator, member, as_user):
    inquiry = InquiryFactory(community=community, opened_by=facilitator, title="Spring round")
    destiny = ContributionFactory(inquiry=inquiry, author=member, phase="destiny", text="I will host a huddle.")
    dream = ContributionFactory(
        inquiry=inquiry, author=member, phase="dream", text="No patient harmed twice\nby the same error."
    )
    discover = ContributionFactory(
        inquiry=inquiry, author=facilitator, phase="discover", text="The night the pharmacist called."
    )
    left_out = ContributionFactory(inquiry=inquiry, author=member, phase="design", text="Not chosen.")
    elsewhere = ContributionFactory(text="From another inquiry.")
    client = as_user(facilitator)
    url = _u("draft-create", community)
    query = f"?inquiry={inquiry.pk}&c={destiny.pk}&c={dream.pk}&c={discover.pk}&c={elsewhere.pk}"
    response = client.get(url + query)
    assert response.status_code == 200
    form = response.context["form"]
    text = form["text"].value()
    # Grouped by phase, in 4-D order, whatever the order of selection.
    assert text.index("## Discover") < text.index("## Dream") < text.index("## Destiny")
    assert "The night the pharmacist called." in text and "I will host a huddle." in text
    assert "No patient harmed twice\n  by the same error." in text
    assert left_out.text not in text and elsewhere.text not in text and "## Design" not in text
    assert form["title"].value() == "Our vision, from “Spring round”"
    # The facilitator shapes it, then saves: the draft remembers its inquiry.
    response = client.post(url, {"title": "Safer, together", "text": text, "inquiry": inquiry.pk, "open_now": "on"})
    draft = VisionDraft.objects.get()
    assert response.url == draft.get_absolute_url()
    assert (draft.inquiry, draft.text, draft.status) == (inquiry, text.strip(), VisionDraft.Status.OPEN)


def test_it_keeps_the_inquiry_tool_for_facilitators(community, core, facilitator, as_user):
    inquiry = InquiryFactory(community=community, opened_by=facilitator)
    c = ContributionFactory(inquiry=inquiry, phase="dream")
    url = _u("draft-create", community)
    assert as_user(core).get(f"{url}?inquiry={inquiry.pk}&c={c.pk}").status_code == 403
    response = as_user(core).post(url, {"title": "T", "text": "X", "inquiry": inquiry.pk})
    assert response.status_code == 403
    assert not VisionDraft.objects.exists()


def test_it_asks_to_select_contributions_first(community, facilitator, as_user):
    inquiry = InquiryFactory(community=community, opened_by=facilitator)
    response = as_user(facilitator).get(f"{_u('draft-create', community)}?inquiry={inquiry.pk}")
    assert response.status_code == 302
    assert response.url == inquiry.get_absolute_url()


INQUIRY_QUERIES = 9


def test_it_renders_an_inquiry_in_constant_queries(community, facilitator, member, as_user, django_assert_num_queries):
    inquiry = InquiryFactory(community=community, opened_by=facilitator)

    def grow(n: int) -> None:
        for _ in range(n):
            author = MembershipFactory(community=community).user
            for phase in Phase:
                ContributionFactory(inquiry=inquiry, author=author, phase=phase.value)
            services.vision_draft_create(community=community, author=facilitator, title="T", text="X", inquiry=inquiry)

    client = as_user(facilitator)
    grow(2)
    warm(client, inquiry.get_absolute_url())
    with django_assert_num_queries(INQUIRY_QUERIES):
        assert client.get(inquiry.get_absolute_url()).status_code == 200
    grow(4)
    with django_assert_num_queries(INQUIRY_QUERIES):
        assert client.get(inquiry.get_absolute_url()).status_code == 200


def test_it_gives_404_for_a_bad_or_foreign_inquiry(community, facilitator, as_user):
    foreign = InquiryFactory()
    c = ContributionFactory(inquiry=foreign)
    url = _u("draft-create", community)
    assert as_user(facilitator).get(f"{url}?inquiry=abc&c=1").status_code == 404
    assert as_user(facilitator).get(f"{url}?inquiry={foreign.pk}&c={c.pk}").status_code == 404
