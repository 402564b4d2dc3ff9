"""Members report a privacy concern about a post; facilitators restore it, or redact it everywhere it is kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import ActivityLog, Notification, OutboundEmail
from practice.models import InboundEmail, PrivacyFlag
from practice.selectors.requests import request_search
from practice.services import privacy
from practice.services import requests as services

pytestmark = pytest.mark.django_db

SECRET = "943 476 5919"
BODY = f"For the patient with NHS number {SECRET}, a low bed and a sensor mat helped."
REDACTED = "For the patient, a low bed and a sensor mat helped."


@pytest.fixture
def advice(post_request, core, member):
    hr = post_request()
    return services.advice_create(help_request=hr, author=core, body=BODY)


def report_url(advice):
    return reverse(
        "practice:request-advice-privacy-report", kwargs={"slug": advice.request.community.slug, "post_pk": advice.pk}
    )


def review_url(flag):
    return reverse("practice:request-privacy-review", kwargs={"slug": flag.community.slug, "flag_pk": flag.pk})


def flag_it(as_user, reporter, advice, **data):
    return as_user(reporter).post(report_url(advice), {"kind": "patient", "reason": "", **data})


def test_it_hides_a_reported_post_at_once_from_members_but_not_from_facilitators(
    as_user, advice, newcomer, facilitator, member
):
    response = flag_it(as_user, newcomer, advice, reason="Names a number")
    assert response.status_code == 302
    advice.refresh_from_db()
    assert advice.is_hidden and advice.hidden_reason == privacy.PENDING_REASON
    flag = PrivacyFlag.objects.get()
    assert (flag.reporter, flag.kind, flag.reason, flag.state) == (newcomer, "patient", "Names a number", "open")
    member_page = as_user(member).get(advice.request.get_absolute_url()).content.decode()
    assert "Hidden pending a privacy review." in member_page and SECRET not in member_page
    facilitator_page = as_user(facilitator).get(advice.request.get_absolute_url()).content.decode()
    assert SECRET in facilitator_page
    # The facilitators are told; the log names the kind of concern, never the text.
    assert Notification.objects.filter(user=facilitator, category="privacy").exists()
    log = ActivityLog.objects.get(action="practice.privacy.flag")
    assert SECRET not in log.summary and "patient could be identified" in log.summary


def test_repeated_flags_by_the_same_member_are_one_flag(as_user, advice, newcomer, member):
    flag_it(as_user, newcomer, advice)
    flag_it(as_user, newcomer, advice)
    flag_it(as_user, member, advice)
    assert PrivacyFlag.objects.filter(reporter=newcomer).count() == 1
    assert PrivacyFlag.objects.count() == 2


def test_it_rate_limits_flagging(as_user, advice, newcomer, monkeypatch):
    from childsys.lib.ratelimit import Rate

    monkeypatch.setattr(privacy, "FLAG_RATE", Rate(limit=1, period=3600))
    other = services.advice_create(help_request=advice.request, author=advice.author, body="Another idea")
    assert flag_it(as_user, newcomer, advice).status_code == 302
    response = flag_it(as_user, newcomer, other, reason="kept")
    assert response.status_code == 200 and "limit" in response.content.decode()
    assert 'value="kept"' in response.content.decode()
    assert PrivacyFlag.objects.count() == 1


def test_permissions_per_persona(as_user, advice, newcomer, member, facilitator, sponsor, outsider):
    assert as_user(outsider).get(report_url(advice)).status_code == 404
    assert as_user(outsider).post(report_url(advice), {"kind": "patient"}).status_code == 404
    flag_it(as_user, newcomer, advice)
    flag = PrivacyFlag.objects.get()
    queue = reverse("practice:request-privacy-reviews", kwargs={"slug": flag.community.slug})
    assert as_user(outsider).get(queue).status_code == 404
    assert as_user(member).get(queue).status_code == 403
    assert as_user(member).post(review_url(flag), {"action": "restore"}).status_code == 403
    assert as_user(outsider).post(review_url(flag), {"action": "restore"}).status_code == 404
    flag.refresh_from_db()
    assert flag.state == "open"
    assert as_user(facilitator).get(queue).status_code == 200
    assert as_user(sponsor).get(review_url(flag)).status_code == 200


def test_restore_shows_the_post_again_and_tells_the_reporter(as_user, advice, newcomer, facilitator, member):
    flag_it(as_user, newcomer, advice)
    flag = PrivacyFlag.objects.get()
    response = as_user(facilitator).post(review_url(flag), {"action": "restore"})
    assert response.status_code == 302
    advice.refresh_from_db()
    flag.refresh_from_db()
    assert not advice.is_hidden and flag.state == "restored" and flag.reviewed_by == facilitator
    assert Notification.objects.filter(user=newcomer, category="privacy", title__contains="shown again").exists()
    assert SECRET in as_user(member).get(advice.request.get_absolute_url()).content.decode()


def test_the_review_page_marks_the_identifier(as_user, advice, newcomer, facilitator):
    flag_it(as_user, newcomer, advice)
    page = as_user(facilitator).get(review_url(PrivacyFlag.objects.get())).content.decode()
    assert f"<mark>{SECRET}</mark>" in page


def _dump() -> str:
    """Every row of every table as text (SQLite: the SQL dump; PostgreSQL: each row cast to text)."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 - table names from the schema
            lines += [row[0] for row in cursor.fetchall()]
    return "\n".join(lines)


def test_after_redacting_the_old_text_is_in_no_table(as_user, advice, newcomer, facilitator, member, community):
    # Copies of the text: the asker's notification and email, a log line quoting it, an emailed reply.
    assert Notification.objects.filter(body__contains=SECRET).exists()
    assert OutboundEmail.objects.filter(body_text__contains=SECRET).exists()
    ActivityLog.objects.create(community=community, actor=facilitator, action="quote", summary=f"Quoted: {SECRET}")
    InboundEmail.objects.create(
        key="k1",
        sha256="x",
        source="command",
        state="done",
        advice=advice,
        subject=f"Re: {SECRET}",
        raw=f"Subject: Re\\r\\n\\r\\n{BODY}".encode(),
    )
    assert SECRET in _dump()

    flag_it(as_user, newcomer, advice)
    flag = PrivacyFlag.objects.get()
    response = as_user(facilitator).post(review_url(flag), {"action": "redact", "body": REDACTED})
    assert response.status_code == 302

    advice.refresh_from_db()
    assert advice.body == REDACTED and advice.redacted_at is not None and not advice.is_hidden
    dump = _dump()
    assert SECRET not in dump, [line for line in dump.splitlines() if SECRET in line]
    assert SECRET.encode().hex() not in dump  # nor in a stored raw message
    assert bytes(InboundEmail.objects.get().raw) == b""
    pending = OutboundEmail.objects.exclude(state="sent")
    assert pending.exists() and not any(SECRET in e.body_text + e.body_html + e.subject for e in pending)
    # The note on the post; the log says who redacted, never what was removed.
    page = as_user(member).get(advice.request.get_absolute_url()).content.decode()
    assert "Redacted by a facilitator on" in page and REDACTED in page
    log = ActivityLog.objects.get(action="practice.privacy.redact")
    assert log.actor == facilitator and SECRET not in log.summary
    flag.refresh_from_db()
    assert flag.state == "redacted"
    assert Notification.objects.filter(user=newcomer, title__contains="redacted").exists()


def test_an_empty_redaction_is_refused_and_keeps_the_post_hidden(as_user, advice, newcomer, facilitator):
    flag_it(as_user, newcomer, advice)
    flag = PrivacyFlag.objects.get()
    response = as_user(facilitator).post(review_url(flag), {"action": "redact", "body": ""})
    assert response.status_code == 200
    advice.refresh_from_db()
    assert advice.body == BODY and advice.is_hidden


def test_the_review_queue_has_a_fixed_number_of_queries(
    as_user, post_request, core, newcomer, member, facilitator, django_assert_max_num_queries
):
    hr = post_request()
    for i in range(6):
        advice = services.advice_create(help_request=hr, author=core, body=f"Advice {i}")
        services.advice_respond(advice=advice, author=member, kind="discuss")
        comment = services.comment_create(advice=advice, author=member, body=f"Comment {i}")
        privacy.privacy_flag_create(post=advice, reporter=newcomer, kind="patient")
        privacy.privacy_flag_create(post=comment, reporter=newcomer, kind="confidential")
    privacy.privacy_flag_create(post=hr, reporter=newcomer, kind="patient")
    client = as_user(facilitator)
    url = reverse("practice:request-privacy-reviews", kwargs={"slug": hr.community.slug})
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    hr = post_request(title="Another request")
    for i in range(6):
        advice = services.advice_create(help_request=hr, author=core, body=f"More advice {i}")
        services.advice_respond(advice=advice, author=member, kind="discuss")
        comment = services.comment_create(advice=advice, author=member, body=f"More {i}")
        privacy.privacy_flag_create(post=advice, reporter=newcomer, kind="patient")
        privacy.privacy_flag_create(post=comment, reporter=newcomer, kind="confidential")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count("Review</a>") == 25


def test_a_redacted_request_is_no_longer_found_by_its_old_words(
    as_user, post_request, newcomer, facilitator, community
):
    hr = post_request(situation=BODY)
    assert request_search(type(hr).objects.filter(community=community), "5919").exists()
    flag = privacy.privacy_flag_create(post=hr, reporter=newcomer, kind="patient")
    data = {"action": "redact", "title": hr.title, "situation": REDACTED, "tried": hr.tried}
    assert as_user(facilitator).post(review_url(flag), data).status_code == 302
    assert not request_search(type(hr).objects.filter(community=community), "5919").exists()
    assert request_search(type(hr).objects.filter(community=community), "sensor").exists()
    assert SECRET not in _dump()


def test_a_session_proposal_reason_is_checked_for_patient_identifiers(as_user, post_request, member, facilitator):
    from practice.models import SessionAgendaItem
    from tests.practice.factories_sessions import PracticeSessionFactory

    hr = post_request()
    session = PracticeSessionFactory(community=hr.community, created_by=facilitator)
    url = reverse("practice:session-propose", kwargs={"slug": hr.community.slug, "pk": session.pk})
    response = as_user(member).post(url, {"request": hr.pk, "reason": f"Patient {SECRET} again"})
    assert response.status_code == 200
    assert "This looks like" in response.content.decode() and f"Patient {SECRET} again" in response.content.decode()
    assert not SessionAgendaItem.objects.exists()
