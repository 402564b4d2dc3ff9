"""The sponsor's value report page (/c/<slug>/value/), its CSV export and the monthly email."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import (
    Category,
    EmailMode,
    Membership,
    Notification,
    NotificationPreference,
    OutboundEmail,
    Role,
    ValueReportDelivery,
)
from communities.services import value as value_services
from communities.tasks import send_monthly_value_reports
from practice.models import Outcome
from tests.factories import MembershipFactory, ObjectiveFactory, UserFactory
from tests.practice.factories import AdviceFactory, AdviceResponseFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def url(community, name="communities:value") -> str:
    return reverse(name, kwargs={"slug": community.slug})


def grow(community, n: int, *, start: datetime = datetime(2026, 7, 2, tzinfo=UTC)) -> None:
    """``n`` requests in Q3, each answered by a new member, advice taken, an outcome shared as a story."""
    for i in range(n):
        asker, adviser = UserFactory(verified=False), UserFactory(verified=False)
        for user in (asker, adviser):
            MembershipFactory(community=community, user=user, joined_at=start - timedelta(days=30))
        created = start + i * H
        help_request = HelpRequestFactory(
            community=community,
            author=asker,
            title=f"Problem number {i}",
            created_at=created,
            response_due_at=created + 48 * H,
            first_response_at=created + H,
            status="answered",
        )
        advice = AdviceFactory(request=help_request, author=adviser, created_at=created + H)
        AdviceResponseFactory(advice=advice, created_at=created + 2 * H)
        outcome = Outcome.objects.create(
            request=help_request,
            community=community,
            author=asker,
            result="resolved",
            what_worked=f"It worked, case {i}.",
            story_consent=True,
            recorded_at=created + 24 * H,
        )
        outcome.helpful_advice.set([advice])
        ObjectiveFactory(community=community, owner=adviser, due_date=date(2026, 8, 1) + timedelta(days=i))


# --- Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["communities:value", "communities:value-csv"])
def test_it_lets_only_sponsors_and_facilitators_in(name, community, personas, as_user):
    expected = {
        "anonymous": 302,
        "outsider": 404,
        "stranger": 404,
        "site_admin": 404,
        "newcomer": 403,
        "member": 403,
        "core": 403,
        "facilitator": 200,
        "sponsor": 200,
    }
    got = {persona: as_user(user).get(url(community, name)).status_code for persona, user in personas.items()}
    assert got == expected
    response = as_user(None).get(url(community, name))
    assert response["Location"].startswith(reverse("account_login"))


def test_it_answers_404_for_a_slug_that_never_existed(sponsor, as_user):
    assert as_user(sponsor).get("/c/no-such-community/value/").status_code == 404


def test_it_shows_the_value_tab_to_facilitators_only(community, sponsor, member, as_user):
    assert url(community) in as_user(sponsor).get(url(community, "communities:home")).content.decode()
    assert url(community) not in as_user(member).get(url(community, "communities:home")).content.decode()


# --- The page ---------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_last_full_quarter_with_every_section(community, sponsor, as_user):
    grow(community, 2)
    page = as_user(sponsor).get(url(community)).content.decode()
    assert "Value report: Q3 2026" in page
    assert "1 Jul – 30 Sep 2026" in page and "1 Apr – 30 Jun 2026" in page
    for heading in (
        "Value funnel",
        "Value-creation stories",
        "Practice health",
        "Participation",
        "Vibrancy: how the seven dimensions moved",
        "Objectives",
    ):
        assert f">{heading}</h2>" in page, heading
    assert "Problem number 0" in page and "Problem number 1" in page
    assert "<p>It worked, case 1.</p>" in page  # what changed, through the Markdown pipeline
    assert "up 2 from 0" in page  # changes in words, not colour alone
    assert page.count("<h1") == 1


@time_machine.travel(NOW, tick=False)
def test_it_renders_story_markdown_safely(community, sponsor, as_user):
    grow(community, 1)
    outcome = Outcome.objects.get(community=community)
    outcome.what_worked = "**Better**: <script>alert(1)</script> [x](javascript:alert(2))"
    outcome.save()
    page = as_user(sponsor).get(url(community)).content.decode()
    assert "<strong>Better</strong>" in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page  # shown as text
    assert 'href="javascript' not in page


@time_machine.travel(NOW, tick=False)
def test_it_never_shows_a_story_whose_asker_did_not_opt_in(community, sponsor, as_user):
    grow(community, 2)
    Outcome.objects.filter(request__title="Problem number 1").update(story_consent=False)
    page = as_user(sponsor).get(url(community)).content.decode()
    assert "Problem number 0" in page
    assert "Problem number 1" not in page


@time_machine.travel(NOW, tick=False)
def test_it_shows_a_chosen_period_and_keeps_bad_input(community, sponsor, as_user):
    grow(community, 1)
    client = as_user(sponsor)
    page = client.get(url(community), {"period": "custom", "from": "2026-07-02", "to": "2026-07-03"}).content.decode()
    assert "Value report: 2 Jul – 3 Jul 2026" in page
    assert "Problem number 0" in page  # reported on 3 July
    page = client.get(url(community), {"period": "custom", "from": "2026-07-02", "to": "2026-07-02"}).content.decode()
    assert "Value report: 2 Jul 2026" in page
    assert "Problem number 0" not in page
    page = client.get(url(community), {"period": "month"}).content.decode()
    assert "Value report: October 2026" in page and "Problem number 0" not in page
    page = client.get(url(community), {"period": "custom", "from": "2026-09-30", "to": "2026-07-01"}).content.decode()
    assert "The last day cannot come before the first day." in page
    assert 'value="2026-09-30"' in page  # what was typed stays
    assert "Value report: Q3 2026" in page  # the default period meanwhile
    page = client.get(url(community), {"period": "quarter", "from": "2026-07-01", "to": "2026-07-31"}).content.decode()
    assert "Value report: 1 Jul – 31 Jul 2026" in page  # edited days win over the preset


@time_machine.travel(NOW, tick=False)
def test_it_warns_when_a_few_carry_the_community(community, sponsor, as_user):
    busy = UserFactory(verified=False)
    MembershipFactory(community=community, user=busy, joined_at=NOW - timedelta(days=300))
    HelpRequestFactory.create_batch(3, community=community, author=busy, created_at=datetime(2026, 8, 1, tzinfo=UTC))
    page = as_user(sponsor).get(url(community)).content.decode()
    assert "Carried by a few." in page
    assert "made 3 of 3 contributions (100%)" in page


@time_machine.travel(NOW, tick=False)
def test_it_costs_the_same_queries_whatever_the_data(community, sponsor, as_user, django_assert_num_queries):
    client = as_user(sponsor)
    grow(community, 3)
    client.get(url(community))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(community)).status_code == 200
    grow(community, 6, start=datetime(2026, 8, 2, tzinfo=UTC))
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url(community)).status_code == 200
    with CaptureQueriesContext(connection) as csv_small:
        client.get(url(community, "communities:value-csv"))
    grow(community, 9, start=datetime(2026, 9, 2, tzinfo=UTC))
    with django_assert_num_queries(len(csv_small.captured_queries)):
        client.get(url(community, "communities:value-csv"))


# --- CSV --------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_it_exports_the_figures_side_by_side(community, sponsor, as_user):
    grow(community, 2)
    HelpRequestFactory(community=community, created_at=datetime(2026, 5, 1, tzinfo=UTC))  # Q2: asked, unanswered
    response = as_user(sponsor).get(url(community, "communities:value-csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="med-safety-value-2026-07-01-2026-09-30.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["period", "2026-07-01 to 2026-09-30", "UTC"]
    assert rows[1] == ["previous period", "2026-04-01 to 2026-06-30"]
    assert rows[2] == ["section", "figure", "unit", "this period", "previous period", "change", "note"]
    by_label = {(r[0], r[1]): r for r in rows[3:]}
    assert by_label[("Value funnel", "Requests asked")][3:6] == ["2", "1", "up 1 from 1"]
    assert by_label[("Value funnel", "Answered: share of “Requests asked”")][2:5] == ["percent", "100.0", "0.0"]
    assert by_label[("Practice health", "Median time to first response")][2:5] == ["hours", "1.00", ""]
    assert by_label[("Value-creation stories", "Value-creation stories (consented)")][3:5] == ["2", "0"]
    assert by_label[("Objectives", "Objectives due in the period")][3:5] == ["2", "0"]


# --- The monthly email --------------------------------------------------------------------------------


def reports() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(category=Category.REPORTS).order_by("pk"))


def test_it_emails_each_sponsor_once_a_month(community, sponsor, facilitator):
    second = UserFactory(email="second.sponsor@example.org")
    MembershipFactory(community=community, user=second, role=Role.SPONSOR, joined_at=NOW - timedelta(days=200))
    community.created_at = NOW - timedelta(days=400)
    community.save()
    grow(community, 2, start=datetime(2026, 10, 3, tzinfo=UTC))
    assert value_services.value_reports_send_monthly(now=NOW) == 2
    assert value_services.value_reports_send_monthly(now=NOW + H) == 0  # a second run the same day
    assert value_services.value_reports_send_monthly(now=datetime(2026, 11, 30, 23, tzinfo=UTC)) == 0
    emails = reports()
    assert sorted(e.to for e in emails) == ["second.sponsor@example.org", "sponsor@example.org"]
    assert ValueReportDelivery.objects.filter(community=community, month=date(2026, 11, 1)).count() == 2
    email = emails[0]
    assert email.subject == "[Medication Safety Network] Value report for October 2026"
    assert "Requests asked: 2 (up 2 from 0, better)" in email.body_text
    assert "/c/med-safety/value/?period=month" in email.body_text
    assert "Open the whole report" in email.body_html
    assert "List-Unsubscribe" in email.headers
    notification = Notification.objects.get(user=sponsor, category=Category.REPORTS)
    assert notification.title == "Value report for October 2026: Medication Safety Network"
    assert "Requests asked: 2" in notification.body
    assert not Notification.objects.filter(user=facilitator, category=Category.REPORTS).exists()
    # December: a new month, a new report.
    assert value_services.value_reports_send_monthly(now=datetime(2026, 12, 1, 6, tzinfo=UTC)) == 2
    assert len(reports()) == 4


def test_it_honours_each_sponsors_preference(community, sponsor):
    community.created_at = NOW - timedelta(days=400)
    community.save()
    off, daily = sponsor, UserFactory(email="daily@example.org")
    MembershipFactory(community=community, user=daily, role=Role.SPONSOR)
    NotificationPreference.objects.create(user=off, category=Category.REPORTS, email=EmailMode.OFF)
    NotificationPreference.objects.create(user=daily, category=Category.REPORTS, email=EmailMode.DAILY)
    assert value_services.value_reports_send_monthly(now=NOW) == 2
    assert reports() == []  # no immediate email for either
    assert Notification.objects.get(user=off, category=Category.REPORTS).in_daily_digest is False
    assert Notification.objects.get(user=daily, category=Category.REPORTS).in_daily_digest is True
    assert value_services.value_reports_send_monthly(now=NOW + H) == 0
    assert Notification.objects.filter(category=Category.REPORTS).count() == 2


def test_it_reads_the_month_in_the_communitys_time_zone(sponsor, community):
    community.time_zone = "Pacific/Auckland"
    community.created_at = NOW - timedelta(days=400)
    community.save()
    # 30 November 12:00 UTC is 1 December 01:00 in Auckland: December's report, about November.
    assert value_services.value_reports_send_monthly(now=datetime(2026, 11, 30, 12, tzinfo=UTC)) == 1
    delivery = ValueReportDelivery.objects.get()
    assert delivery.month == date(2026, 12, 1)
    assert "Value report for November 2026" in reports()[0].subject
    # The next morning (UTC) is still December there: nothing more.
    assert value_services.value_reports_send_monthly(now=datetime(2026, 12, 1, 6, tzinfo=UTC)) == 0


def test_it_waits_until_the_community_has_a_month_to_report(community, sponsor):
    community.created_at = datetime(2026, 11, 3, tzinfo=UTC)
    community.save()
    assert value_services.value_reports_send_monthly(now=NOW) == 0  # created after October
    assert value_services.value_reports_send_monthly(now=datetime(2026, 12, 1, 6, tzinfo=UTC)) == 1


def test_it_sends_nothing_when_another_worker_claimed_the_row_first(community, sponsor, monkeypatch):
    community.created_at = NOW - timedelta(days=400)
    community.save()
    summary = value_services.value_report_summary

    def racing_summary(*args, **kwargs):
        # Between listing the waiting sponsors and sending, another worker claims and commits.
        ValueReportDelivery.objects.create(community=community, user=sponsor, month=date(2026, 11, 1))
        return summary(*args, **kwargs)

    monkeypatch.setattr(value_services, "value_report_summary", racing_summary)
    assert value_services.value_reports_send_monthly(now=NOW) == 0
    assert not Notification.objects.filter(category=Category.REPORTS).exists()
    assert reports() == []


def test_it_skips_inactive_sponsors(community, sponsor):
    community.created_at = NOW - timedelta(days=400)
    community.save()
    sponsor.is_active = False
    sponsor.save()
    assert value_services.value_reports_send_monthly(now=NOW) == 0


@pytest.mark.django_db(transaction=True)
def test_it_sends_one_email_when_two_workers_run_at_once(community, sponsor):
    """Two real threads (two database connections) run the monthly task at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL (SQLite's shared in-memory test database locks tables)")
    community.created_at = NOW - timedelta(days=400)
    community.save()
    for i in range(5):
        user = UserFactory(email=f"sponsor{i}@example.org")
        MembershipFactory(community=community, user=user, role=Role.SPONSOR)
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            results.append(value_services.value_reports_send_monthly(now=NOW))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sum(results) == 6
    assert len(reports()) == 6
    assert Membership.objects.filter(community=community, role=Role.SPONSOR).count() == 6


def test_it_runs_as_a_daily_beat_task(community, sponsor):
    from celery.schedules import crontab

    from childsys.celery import app

    entry = app.conf.beat_schedule["send-monthly-value-reports"]
    assert entry["task"] == "communities.tasks.send_monthly_value_reports"
    assert entry["schedule"] == crontab(minute=0, hour=6)
    community.created_at = NOW - timedelta(days=400)
    community.save()
    with time_machine.travel(NOW, tick=False):
        assert send_monthly_value_reports() == 1
        assert send_monthly_value_reports() == 0


@time_machine.travel(NOW, tick=False)
def test_it_drops_a_story_as_soon_as_the_asker_withdraws_consent(community, sponsor, as_user):
    grow(community, 1)
    outcome = Outcome.objects.get(community=community)
    consent_url = reverse("practice:request-outcome-consent", kwargs={"slug": community.slug, "pk": outcome.request_id})
    assert "Problem number 0" in as_user(sponsor).get(url(community)).content.decode()
    assert as_user(outcome.author).post(consent_url, {"consent": "0"}).status_code == 302
    outcome.refresh_from_db()
    assert outcome.story_consent is False
    assert "Problem number 0" not in as_user(sponsor).get(url(community)).content.decode()
    as_user(outcome.author).post(consent_url, {"consent": "1"})  # and given again, it returns
    assert "Problem number 0" in as_user(sponsor).get(url(community)).content.decode()
