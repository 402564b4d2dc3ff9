"""The Direction's member posts (comments on vision drafts, appreciative-inquiry contributions) can be reported
for a privacy concern: hidden from members at once, then restored or redacted everywhere the text is kept.

The report and its review live in practice; the communities pages find the report link through
``communities.post_actions``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from communities import post_actions
from communities.models import ActivityLog, Category, InquiryContribution, OutboundEmail, VisionComment, VisionDraft
from communities.services import direction
from communities.services.notify import notify
from practice.models import PrivacyFlag
from practice.services import privacy
from tests.factories import InquiryFactory, VisionDraftFactory
from tests.practice.test_privacy_more_posts import flag_it, review_url
from tests.practice.test_privacy_reports import _dump

pytestmark = pytest.mark.django_db

SECRET = "943 476 5919"
BODY = f"When the patient with NHS number {SECRET} fell, the night team and pharmacy met the same week."
REDACTED = "When a patient fell, the night team and pharmacy met the same week."
KINDS = ("vision-comment", "inquiry-contribution")


@dataclass
class Case:
    post: VisionComment | InquiryContribution
    page: str  # where members read the post
    report: str  # its "Report a privacy concern" URL


@pytest.fixture
def make(community, member, core, facilitator):
    def build(kind: str) -> Case:
        if kind == "vision-comment":
            draft = VisionDraftFactory(community=community, author=core, status=VisionDraft.Status.OPEN)
            # The draft's author is told, by notification and email, with an excerpt of the comment.
            post = direction.vision_comment_add(draft=draft, author=member, text=BODY)
            page = draft.get_absolute_url()
        else:
            inquiry = InquiryFactory(community=community, opened_by=facilitator)
            post = direction.inquiry_contribute(inquiry=inquiry, author=member, phase="discover", text=BODY)
            page = inquiry.get_absolute_url()
        url = reverse(f"practice:{kind}-privacy-report", kwargs={"slug": community.slug, "post_pk": post.pk})
        return Case(post, page, url)

    return build


@pytest.mark.parametrize("kind", KINDS)
def test_the_page_links_to_the_report_registered_by_practice(kind, make, as_user, member):
    case = make(kind)
    assert post_actions.report_url(case.post) == case.report
    page = as_user(member).get(case.page).content.decode()
    assert SECRET in page and f'href="{case.report}"' in page
    assert as_user(member).get(case.report).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_a_reported_post_is_hidden_from_members_but_not_from_facilitators_and_sponsors(
    kind, make, as_user, community, newcomer, member, facilitator, sponsor
):
    case = make(kind)
    flag_it(as_user, newcomer, case)
    case.post.refresh_from_db()
    assert case.post.is_hidden and case.post.hidden_reason == privacy.PENDING_REASON
    page = as_user(member).get(case.page).content.decode()
    assert "Hidden pending a privacy review" in page and SECRET not in page
    assert f'href="{case.report}"' not in page  # no second report of a post already under review
    for moderator in (facilitator, sponsor):
        page = as_user(moderator).get(case.page).content.decode()
        assert SECRET in page and "Hidden from members: Hidden pending a privacy review" in page
    # The review queue lists it, by kind of post.
    queue = as_user(facilitator).get(reverse("practice:request-privacy-reviews", kwargs={"slug": community.slug}))
    assert privacy.post_label(case.post).capitalize() in queue.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_restore_shows_the_post_again(kind, make, as_user, newcomer, member, facilitator):
    case = make(kind)
    flag = flag_it(as_user, newcomer, case)
    assert as_user(facilitator).get(review_url(flag)).status_code == 200
    assert as_user(facilitator).post(review_url(flag), {"action": "restore"}).status_code == 302
    case.post.refresh_from_db()
    flag.refresh_from_db()
    assert not case.post.is_hidden and flag.state == "restored"
    assert SECRET in as_user(member).get(case.page).content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_redaction_removes_the_old_text_from_every_table(
    kind, make, as_user, community, newcomer, member, core, facilitator
):
    case = make(kind)
    # A pending email and a log line that quote the post.
    notify(recipients=[core], category=Category.DIRECTION, title="Quoted", body=f"Quoted: {BODY}", url="/")
    ActivityLog.objects.create(community=community, actor=facilitator, action="quote", summary=f"Quoted: {SECRET}")
    if kind == "inquiry-contribution":
        # A vision draft built from the contribution quotes it.
        VisionDraftFactory(
            community=community,
            author=facilitator,
            inquiry=case.post.inquiry,
            text=direction.inquiry_draft_text(contributions=[case.post]),
        )
    else:  # the draft's author was emailed an excerpt of the comment
        assert OutboundEmail.objects.filter(user=core, body_text__contains="NHS number").exists()
    assert OutboundEmail.objects.exclude(state="sent").filter(body_text__contains=SECRET).exists()
    assert SECRET in _dump()

    flag = flag_it(as_user, newcomer, case)
    response = as_user(facilitator).post(review_url(flag), {"action": "redact", "text": REDACTED})
    assert response.status_code == 302

    case.post.refresh_from_db()
    assert case.post.text == REDACTED and case.post.redacted_at is not None and not case.post.is_hidden
    dump = _dump()
    assert SECRET not in dump, [line for line in dump.splitlines() if SECRET in line]
    pending = OutboundEmail.objects.exclude(state="sent")
    assert pending.exists() and not any(SECRET in e.body_text + e.body_html + e.subject for e in pending)
    page = as_user(member).get(case.page).content.decode()
    assert "Redacted by a facilitator on" in page and REDACTED in page
    log = ActivityLog.objects.get(action="practice.privacy.redact")
    assert log.actor == facilitator and SECRET not in log.summary
    flag.refresh_from_db()
    assert flag.state == "redacted"


@pytest.mark.parametrize("kind", KINDS)
def test_a_redaction_cannot_empty_the_post(kind, make, as_user, newcomer, facilitator):
    case = make(kind)
    flag = flag_it(as_user, newcomer, case)
    response = as_user(facilitator).post(review_url(flag), {"action": "redact", "text": " "})
    assert response.status_code == 200
    case.post.refresh_from_db()
    assert case.post.text == BODY and case.post.is_hidden


@pytest.mark.parametrize("kind", KINDS)
def test_members_cannot_review_and_outsiders_cannot_report(kind, make, as_user, newcomer, member, core, outsider):
    case = make(kind)
    flag = flag_it(as_user, newcomer, case)
    for user in (member, core):
        assert as_user(user).post(review_url(flag), {"action": "restore"}).status_code == 403
        assert as_user(user).post(review_url(flag), {"action": "redact", "text": REDACTED}).status_code == 403
    case.post.refresh_from_db()
    assert case.post.is_hidden and case.post.text == BODY
    assert as_user(outsider).get(case.report).status_code == 404
    assert as_user(outsider).post(case.report, {"kind": "patient", "reason": ""}).status_code == 404
    assert PrivacyFlag.objects.count() == 1


def test_a_post_of_another_community_is_not_found(make, as_user, other_community, member):
    case = make("vision-comment")
    url = reverse("practice:vision-comment-privacy-report", kwargs={"slug": other_community.slug, "post_pk": 1})
    assert as_user(member).get(url).status_code == 404
    assert case.post.pk  # the post exists, in the member's own community


def test_a_hidden_contribution_is_left_out_of_a_draft_built_from_the_inquiry(
    make, as_user, community, newcomer, member, facilitator
):
    case = make("inquiry-contribution")
    inquiry = case.post.inquiry
    kept = direction.inquiry_contribute(
        inquiry=inquiry, author=member, phase="dream", text="Every ward learns from every other."
    )
    flag_it(as_user, newcomer, case)
    case.post.refresh_from_db()
    # The inquiry page offers only the visible one to pick.
    page = as_user(facilitator).get(case.page).content.decode()
    assert f'id="pick-{kept.pk}"' in page and f'id="pick-{case.post.pk}"' not in page
    # Picked anyway (an old page, a crafted link): left out of the pre-filled draft.
    url = reverse("communities:direction-draft-create", kwargs={"slug": community.slug})
    response = as_user(facilitator).get(url, {"inquiry": inquiry.pk, "c": [case.post.pk, kept.pk]})
    body = response.content.decode()
    assert response.status_code == 200 and "Every ward learns from every other." in body and SECRET not in body
    assert SECRET not in direction.inquiry_draft_text(contributions=[case.post, kept])
    # Only the hidden one picked: nothing to build from.
    response = as_user(facilitator).get(url, {"inquiry": inquiry.pk, "c": [case.post.pk]})
    assert response.status_code == 302
