"""Notes on advice, reported outcomes, captured learning (with its versions) and practice sessions can be
reported for a privacy concern: hidden from members at once, then restored or redacted everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from communities.models import ActivityLog, Category, OutboundEmail
from communities.services.notify import notify
from practice.models import Artefact, ArtefactVersion, PrivacyFlag
from practice.selectors.learning import artefact_list
from practice.services import learning, loops, privacy, sessions
from practice.services import requests as services
from tests.practice.test_privacy_reports import _dump

pytestmark = pytest.mark.django_db

SECRET = "943 476 5919"
BODY = f"For the patient with NHS number {SECRET}, a low bed and a sensor mat helped."
REDACTED = "For the patient, a low bed and a sensor mat helped."
KINDS = ("response", "outcome", "learning", "session")


@dataclass
class Case:
    post: object
    page: str  # where members read the post
    report: str  # its "Report a privacy concern" URL
    redact: dict[str, str]  # the facilitator's redacted text, per field


@pytest.fixture
def make(post_request, community, member, core, facilitator):
    def build(kind: str) -> Case:
        slug = community.slug
        if kind in ("response", "outcome"):
            hr = post_request()
            advice = services.advice_create(help_request=hr, author=core, body="A low bed and a sensor mat.")
            if kind == "response":
                response, _ = services.advice_respond(advice=advice, author=member, kind="try", note=BODY)
                url = reverse("practice:request-response-privacy-report", kwargs={"slug": slug, "post_pk": response.pk})
                return Case(response, hr.get_absolute_url(), url, {"note": REDACTED})
            services.advice_respond(advice=advice, author=member, kind="try")
            # Shared as learning: the drafted case story quotes it (a copy redaction must reach too).
            outcome = loops.outcome_record(
                help_request=hr,
                author=member,
                result="resolved",
                what_worked=BODY,
                share_as_learning=True,
                share_kind="case_story",
            )
            assert Artefact.objects.filter(source_outcomes=outcome, what_we_did__contains=SECRET).exists()
            url = reverse("practice:request-outcome-privacy-report", kwargs={"slug": slug, "post_pk": outcome.pk})
            data = {"what_worked": REDACTED, "what_didnt": "", "do_differently": ""}
            return Case(outcome, hr.get_absolute_url(), url, data)
        if kind == "learning":
            artefact = learning.artefact_create(
                community=community, author=core, kind="insight", title="Falls at night", fields={"insight": BODY}
            )
            # A second version: the history holds the text twice.
            learning.artefact_edit(
                artefact=artefact, editor=core, title="Falls at night", fields={"insight": f"{BODY} Ask early."}
            )
            learning.artefact_publish(artefact=artefact, actor=core)
            artefact.refresh_from_db()
            url = reverse("practice:learning-privacy-report", kwargs={"slug": slug, "post_pk": artefact.pk})
            return Case(artefact, artefact.get_absolute_url(), url, {"title": "Falls at night", "insight": REDACTED})
        start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        session = sessions.session_create(
            community=community,
            actor=facilitator,
            title="Falls clinic",
            kind="case_clinic",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            description=BODY,
        )
        url = reverse("practice:session-privacy-report", kwargs={"slug": slug, "post_pk": session.pk})
        return Case(session, session.get_absolute_url(), url, {"title": "Falls clinic", "description": REDACTED})

    return build


def review_url(flag):
    return reverse("practice:request-privacy-review", kwargs={"slug": flag.community.slug, "flag_pk": flag.pk})


def flag_it(as_user, reporter, case):
    response = as_user(reporter).post(case.report, {"kind": "patient", "reason": ""})
    assert response.status_code == 302
    return PrivacyFlag.objects.get()


@pytest.mark.parametrize("kind", KINDS)
def test_it_hides_a_reported_post_from_members_but_not_from_facilitators(
    kind, make, as_user, newcomer, member, facilitator, sponsor
):
    case = make(kind)
    assert SECRET in as_user(member).get(case.page).content.decode()
    assert "Report a privacy concern" in as_user(member).get(case.page).content.decode()
    flag_it(as_user, newcomer, case)
    case.post.refresh_from_db()
    assert case.post.is_hidden and case.post.hidden_reason == privacy.PENDING_REASON
    page = as_user(member).get(case.page).content.decode()
    assert "Hidden pending a privacy review" in page and SECRET not in page
    for moderator in (facilitator, sponsor):
        page = as_user(moderator).get(case.page).content.decode()
        assert SECRET in page and "Hidden from members: Hidden pending a privacy review" in page


@pytest.mark.parametrize("kind", KINDS)
def test_restore_shows_the_post_again(kind, make, as_user, newcomer, member, facilitator):
    case = make(kind)
    flag = flag_it(as_user, newcomer, case)
    assert as_user(facilitator).post(review_url(flag), {"action": "restore"}).status_code == 302
    case.post.refresh_from_db()
    flag.refresh_from_db()
    assert not case.post.is_hidden and flag.state == "restored"
    assert SECRET in as_user(member).get(case.page).content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_redaction_removes_the_old_text_from_every_table(kind, make, as_user, newcomer, member, core, facilitator):
    case = make(kind)
    # A pending email and a log line that quote the post.
    notify(recipients=[core], category=Category.REQUESTS, title="Quoted", body=f"Quoted: {BODY}", url="/")
    ActivityLog.objects.create(
        community=privacy.post_community(case.post), actor=facilitator, action="quote", summary=f"Quoted: {SECRET}"
    )
    assert OutboundEmail.objects.exclude(state="sent").filter(body_text__contains=SECRET).exists()
    if kind == "learning":
        assert ArtefactVersion.objects.filter(artefact=case.post).count() == 2
    assert SECRET in _dump()

    flag = flag_it(as_user, newcomer, case)
    response = as_user(facilitator).post(review_url(flag), {"action": "redact", **case.redact})
    assert response.status_code == 302

    case.post.refresh_from_db()
    assert case.post.redacted_at is not None and not case.post.is_hidden
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


def test_redacting_learning_rewrites_every_version_and_the_search(make, as_user, newcomer, member, facilitator):
    case = make("learning")
    artefact = case.post

    def found(user) -> bool:
        return artefact_list(community=artefact.community, user=user, can_see_drafts=False, search="5919").exists()

    assert found(member)
    flag = flag_it(as_user, newcomer, case)
    assert not found(member)  # hidden: out of the members' search at once
    listing = reverse("practice:learning", kwargs={"slug": artefact.community.slug})
    assert "Falls at night" not in as_user(member).get(listing).content.decode()
    assert "Falls at night" in as_user(facilitator).get(listing).content.decode()
    as_user(facilitator).post(review_url(flag), {"action": "redact", **case.redact})
    artefact.refresh_from_db()
    versions = {v.number: v.fields["insight"] for v in ArtefactVersion.objects.filter(artefact=artefact)}
    assert versions[artefact.version] == REDACTED
    assert all(SECRET not in text for text in versions.values()) and len(versions) == 2
    assert not found(member) and not found(facilitator)
    version = ArtefactVersion.objects.filter(artefact=artefact).order_by("number").first()
    page = (
        as_user(member)
        .get(
            reverse(
                "practice:learning-version",
                kwargs={"slug": artefact.community.slug, "pk": artefact.pk, "version_pk": version.pk},
            )
        )
        .content.decode()
    )
    assert SECRET not in page and "low bed" in page


def test_an_identifier_only_an_earlier_version_held_is_removed_from_the_history(
    community, core, newcomer, facilitator, as_user
):
    artefact = learning.artefact_create(
        community=community, author=core, kind="insight", title="Falls", fields={"insight": BODY}
    )
    learning.artefact_edit(artefact=artefact, editor=core, title="Falls", fields={"insight": REDACTED})
    learning.artefact_publish(artefact=artefact, actor=core)
    flag = privacy.privacy_flag_create(post=Artefact.objects.get(pk=artefact.pk), reporter=newcomer, kind="patient")
    as_user(facilitator).post(review_url(flag), {"action": "redact", "title": "Falls", "insight": REDACTED})
    assert not any(SECRET in v.fields["insight"] for v in ArtefactVersion.objects.filter(artefact=artefact))


def test_a_hidden_learning_version_page_hides_the_text_from_members(make, as_user, newcomer, member):
    case = make("learning")
    flag_it(as_user, newcomer, case)
    version = ArtefactVersion.objects.filter(artefact=case.post).first()
    slug = case.post.community.slug
    url = reverse("practice:learning-version", kwargs={"slug": slug, "pk": case.post.pk, "version_pk": version.pk})
    page = as_user(member).get(url).content.decode()
    assert SECRET not in page and "Hidden pending a privacy review" in page
    handbook = as_user(member).get(reverse("practice:learning-handbook", kwargs={"slug": slug})).content.decode()
    assert SECRET not in handbook


def test_a_hidden_session_leaves_the_calendar_text_and_a_redaction_updates_it(make, as_user, newcomer, member):
    case = make("session")
    ics_url = reverse("practice:session-ics", kwargs={"slug": case.post.community.slug, "pk": case.post.pk})
    sequence = case.post.sequence
    assert "low bed" in as_user(member).get(ics_url).content.decode().replace("\r\n ", "")
    flag_it(as_user, newcomer, case)
    case.post.refresh_from_db()
    body = as_user(member).get(ics_url).content.decode().replace("\r\n ", "")
    assert "low bed" not in body and "Hidden pending a privacy review" in body
    assert case.post.sequence == sequence + 1


@pytest.mark.parametrize("kind", KINDS)
def test_permissions_per_persona(kind, make, as_user, newcomer, member, outsider, facilitator):
    case = make(kind)
    assert as_user(outsider).get(case.report).status_code == 404
    assert as_user(outsider).post(case.report, {"kind": "patient"}).status_code == 404
    flag = flag_it(as_user, newcomer, case)
    assert as_user(member).post(review_url(flag), {"action": "restore"}).status_code == 403
    assert as_user(member).post(review_url(flag), {"action": "redact", **case.redact}).status_code == 403
    flag.refresh_from_db()
    assert flag.state == "open"
    page = as_user(facilitator).get(review_url(flag)).content.decode()
    assert f"<mark>{SECRET}</mark>" in page


def test_core_members_cannot_open_a_hidden_post_to_edit_or_copy_it(make, as_user, newcomer, core, facilitator):
    artefact = make("learning")
    flag_it(as_user, newcomer, artefact)
    slug = artefact.post.community.slug
    edit = reverse("practice:learning-edit", kwargs={"slug": slug, "pk": artefact.post.pk})
    assert as_user(core).get(edit).status_code == 403
    assert as_user(facilitator).get(edit).status_code == 200
    PrivacyFlag.objects.all().delete()
    session = make("session")
    flag_it(as_user, newcomer, session)
    for name in ("practice:session-edit", "practice:session-attendance"):
        url = reverse(name, kwargs={"slug": slug, "pk": session.post.pk})
        assert as_user(core).get(url).status_code == 403
        assert as_user(facilitator).get(url).status_code == 200
    write_up = reverse("practice:session-write-up", kwargs={"slug": slug, "pk": session.post.pk})
    assert as_user(core).post(write_up).status_code == 403


@pytest.mark.parametrize("kind", KINDS)
def test_the_review_queue_names_each_post_by_its_kind(kind, make, as_user, newcomer, facilitator):
    case = make(kind)
    flag = flag_it(as_user, newcomer, case)
    queue = reverse("practice:request-privacy-reviews", kwargs={"slug": flag.community.slug})
    page = as_user(facilitator).get(queue).content.decode()
    assert f"{capfirst(privacy.post_label(case.post))} #{case.post.pk}" in page
    assert "Advice response" not in page and "Artefact #" not in page
