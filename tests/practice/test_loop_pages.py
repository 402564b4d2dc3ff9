"""Learning loop pages: the outcome form, stopping reminders, consent, kudos; the dashboard section,
the value funnel and the weekly digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from communities.access import CommunityAccess
from communities.models import Category, Membership, NotificationPreference, OutboundEmail
from practice import tasks
from practice.models import AdviceResponse, FollowUp, HelpRequest, Kudos, Outcome
from practice.sections import loops as sections_loops
from practice.selectors import requests as selectors
from practice.services import loops
from practice.services import requests as services
from tests.practice.factories import AdviceFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def taken(post_request, member, core):
    help_request = post_request()
    advice = services.advice_create(help_request=help_request, author=core, body="Use a checklist at night.")
    services.advice_respond(advice=advice, author=member, kind="try")
    return help_request


def outcome_url(help_request, slug="med-safety"):
    return reverse("practice:request-outcome", kwargs={"slug": slug, "pk": help_request.pk})


def url(name, help_request):
    return reverse(f"practice:{name}", kwargs={"slug": "med-safety", "pk": help_request.pk})


# --- permissions, per persona -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("stranger", 404),
        ("newcomer", 403),
        ("core", 403),
        ("facilitator", 403),
        ("sponsor", 403),
        ("member", 200),
    ],
)
def test_only_the_asker_opens_the_outcome_form(personas, as_user, taken, persona, status):
    response = as_user(personas[persona]).get(outcome_url(taken))
    assert response.status_code == status
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["request-follow-up-stop", "request-follow-up-resume"])
@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("outsider", 404), ("core", 403)])
def test_only_the_asker_stops_or_resumes_reminders(personas, as_user, taken, name, persona, status):
    assert as_user(personas[persona]).post(url(name, taken)).status_code == status
    assert FollowUp.objects.get().state == FollowUp.State.SCHEDULED


def test_stopping_is_post_only_and_resuming_brings_reminders_back(as_user, member, taken):
    client = as_user(member)
    assert client.get(url("request-follow-up-stop", taken)).status_code == 405
    response = client.post(url("request-follow-up-stop", taken))
    assert response.status_code == 302 and response["Location"].endswith("#learning-loop")
    follow_up = FollowUp.objects.get()
    assert follow_up.state == "stopped" and follow_up.stopped_at is not None
    page = client.get(taken.get_absolute_url()).content.decode()
    assert "You stopped the reminders for this request." in page and "Resume reminders" in page
    before = timezone.now()
    client.post(url("request-follow-up-resume", taken))
    follow_up.refresh_from_db()
    assert follow_up.state == "scheduled" and follow_up.stopped_at is None
    assert before + 7 * DAY <= follow_up.due_at <= timezone.now() + 7 * DAY


def test_the_outcome_form_closes_the_loop_and_the_adviser_sees_their_advice_helped(as_user, member, core, taken):
    advice = taken.advice.get()
    client = as_user(member)
    page = client.get(outcome_url(taken)).content.decode()
    assert "How did it go?" in page and "Which advice helped?" in page and "Too early to tell" in page
    response = client.post(
        outcome_url(taken),
        {
            "result": "partly",
            "what_worked": "The **checklist**.",
            "what_didnt": "Paper got lost.",
            "do_differently": "Laminate it.",
            "helpful_advice": [advice.pk],
            "story_consent": "on",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#outcome")
    outcome = Outcome.objects.get()
    assert (outcome.result, outcome.what_worked, outcome.story_consent) == ("partly", "The **checklist**.", True)
    assert list(outcome.helpful_advice.all()) == [advice]
    assert FollowUp.objects.get().state == FollowUp.State.CLOSED
    adviser_page = as_user(core).get(taken.get_absolute_url()).content.decode()
    assert "Your advice helped." in adviser_page
    assert "<strong>checklist</strong>" in adviser_page  # Markdown through the safe pipeline
    assert "Partly resolved" in adviser_page
    # The form is not offered twice.
    again = client.get(outcome_url(taken))
    assert again.status_code == 302


def test_too_early_to_tell_keeps_what_was_written_and_says_when_we_ask_again(as_user, member, taken):
    client = as_user(member)
    before = timezone.now()
    response = client.post(outcome_url(taken), {"result": "too_early", "what_worked": "Started monday."})
    assert response.status_code == 302
    assert not Outcome.objects.exists()
    follow_up = FollowUp.objects.get()
    assert follow_up.postponements == 1
    assert before + 7 * DAY <= follow_up.due_at <= timezone.now() + 7 * DAY
    form = client.get(outcome_url(taken)).content.decode()
    assert "Started monday." in form and "2 times left" in form


def test_bad_input_rerenders_the_form_with_what_was_typed(as_user, member, taken):
    response = as_user(member).post(outcome_url(taken), {"what_worked": "Kept text", "share_as_learning": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose how it turned out" in body and "Kept text" in body
    assert not Outcome.objects.exists()


def test_the_fourth_too_early_is_not_offered(as_user, member, taken):
    FollowUp.objects.update(postponements=3)
    client = as_user(member)
    assert 'value="too_early"' not in client.get(outcome_url(taken)).content.decode()
    assert client.post(outcome_url(taken), {"result": "too_early"}).status_code == 400


def test_without_advice_taken_the_form_sends_the_asker_back(as_user, member, post_request):
    help_request = post_request()
    response = as_user(member).get(outcome_url(help_request))
    assert response.status_code == 302 and response["Location"] == help_request.get_absolute_url()


def test_the_asker_withdraws_story_consent_on_the_request_page(as_user, member, core, taken):
    loops.outcome_record(help_request=taken, author=member, result="resolved", story_consent=True)
    assert as_user(core).post(url("request-outcome-consent", taken), {"consent": "0"}).status_code == 403
    client = as_user(member)
    assert "Withdraw consent" in client.get(taken.get_absolute_url()).content.decode()
    client.post(url("request-outcome-consent", taken), {"consent": "0"})
    assert Outcome.objects.get().story_consent is False
    client.post(url("request-outcome-consent", taken), {"consent": "1"})
    assert Outcome.objects.get().story_consent is True


def test_members_congratulate_an_outcome_from_the_request_page(as_user, member, newcomer, outsider, taken):
    loops.outcome_record(help_request=taken, author=member, result="resolved")
    assert as_user(outsider).post(url("request-outcome-kudos", taken)).status_code == 404
    as_user(newcomer).post(url("request-outcome-kudos", taken))
    assert Kudos.objects.get().user == newcomer
    page = as_user(newcomer).get(taken.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in page and "Congratulate" in page


def test_the_request_page_costs_the_same_queries_with_or_without_a_loop(as_user, member, taken, post_request):
    client = as_user(member)
    plain = post_request(title="No loop on this one")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as without:
        client.get(plain.get_absolute_url())
    loops.outcome_record(help_request=taken, author=member, result="resolved", helpful_advice=taken.advice.all())
    with CaptureQueriesContext(connection) as with_outcome:
        client.get(taken.get_absolute_url())
    assert len(with_outcome) == len(without)


# --- the value funnel and the dashboard section -------------------------------------------------


def _request(community, *, ago, answered=True, took=False, outcome=None, hidden=False):
    created = NOW - ago
    hr = HelpRequestFactory(
        community=community,
        created_at=created,
        first_response_at=created + timedelta(hours=2) if answered else None,
        status=HelpRequest.Status.ANSWERED if answered else HelpRequest.Status.OPEN,
        hidden_at=NOW if hidden else None,
    )
    if took:
        advice = AdviceFactory(request=hr, created_at=created + timedelta(hours=2))
        AdviceResponse.objects.create(advice=advice, request=hr, author=hr.author, kind="try")
        state = FollowUp.State.CLOSED if outcome else took
        FollowUp.objects.create(
            request=hr, community=community, asker=hr.author, due_at=created, state=state, created_at=created
        )
    if outcome:
        Outcome.objects.create(request=hr, community=community, author=hr.author, result=outcome, recorded_at=NOW)
    return hr


@pytest.fixture
def funnel_data(community):
    _request(community, ago=3 * DAY, answered=False)
    _request(community, ago=4 * DAY)
    _request(community, ago=5 * DAY, took="scheduled")
    _request(community, ago=6 * DAY, took="lapsed")
    _request(community, ago=7 * DAY, took="reminded", outcome="resolved")
    _request(community, ago=8 * DAY, took="reminded", outcome="not_resolved")
    _request(community, ago=9 * DAY, took="reminded", outcome="resolved", hidden=True)  # hidden: not counted
    _request(community, ago=200 * DAY, took="lapsed")  # before the period
    return community


def test_the_value_funnel_counts_each_step_in_one_query(funnel_data, django_assert_num_queries):
    with django_assert_num_queries(1):
        funnel = selectors.value_funnel(funnel_data, since=NOW - 90 * DAY, until=NOW)
    assert {k: funnel[k] for k in ("asked", "answered", "advice_taken", "outcome_reported")} == {
        "asked": 6,
        "answered": 5,
        "advice_taken": 4,
        "outcome_reported": 2,
    }
    assert "captured" in funnel
    everything = selectors.value_funnel(funnel_data)
    assert (everything["asked"], everything["advice_taken"]) == (7, 5)
    window = selectors.value_funnel(funnel_data, since=NOW - 6 * DAY - timedelta(hours=1), until=NOW - 4 * DAY)
    assert (window["asked"], window["advice_taken"]) == (2, 2)  # 5 and 6 days ago; "until" is exclusive
    steps = selectors.funnel_steps(
        {"asked": 10, "answered": 5, "advice_taken": 0, "outcome_reported": 0, "captured": None}
    )
    assert [s["share"] for s in steps] == [None, 0.5, 0.0, None, None]


def test_the_loop_figures_follow_the_design_definitions(funnel_data):
    from practice.selectors.loops import loop_figures

    with time_machine.travel(NOW, tick=False):
        f = loop_figures(community=funnel_data)
    assert f.closure_rate == 2 / 4
    assert (f.lapsed, f.open) == (1, 1)
    assert [(value, n) for value, _label, n in f.outcomes_by_result] == [
        ("resolved", 1),
        ("partly", 0),
        ("not_resolved", 1),
    ]


def test_the_dashboard_section_renders_with_a_fixed_number_of_queries(
    community, facilitator, as_user, django_assert_num_queries
):
    def page_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = as_user(facilitator).get(reverse("communities:dashboard", kwargs={"slug": community.slug}))
        assert response.status_code == 200
        return len(ctx), response.content.decode()

    with time_machine.travel(NOW, tick=False):
        for i in range(3):
            _request(community, ago=(i + 2) * DAY, took="reminded", outcome="partly")
        small, page = page_queries()
        assert "Learning loops: how advice turned out" in page and "The value funnel" in page
        for i in range(9):
            _request(community, ago=(i + 2) * DAY, took="lapsed")
            _request(community, ago=(i + 2) * DAY, took="reminded", outcome="resolved")
        large, _ = page_queries()
    assert small == large
    request = RequestFactory().get("/")
    request.user = facilitator
    access = CommunityAccess(
        community=community, membership=Membership.objects.get(community=community, user=facilitator)
    )
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(3):
        section = sections_loops.dashboard_learning_loops(request, access)
        section["loops"].steps  # noqa: B018 - evaluated, no further query
    assert section["loops"].lapsed == 9


def test_the_dashboard_is_for_facilitators(community, member, as_user):
    response = as_user(member).get(reverse("communities:dashboard", kwargs={"slug": community.slug}))
    assert response.status_code == 403


# --- the weekly digest --------------------------------------------------------------------------


@pytest.fixture
def digest_world(community, tags, expert, member, core, facilitator):
    with time_machine.travel(NOW - 3 * DAY, tick=False):
        closed = services.help_request_create(community=community, author=member, title="Falls at night", situation="x")
        advice = services.advice_create(help_request=closed, author=facilitator, body="Hip protectors.")
        services.advice_respond(advice=advice, author=member, kind="try")
        loops.outcome_record(
            help_request=closed, author=member, result="resolved", what_worked="Hip protectors and a bed alarm."
        )
        services.help_request_create(
            community=community, author=member, title="Insulin pens", situation="x", tags=[tags["medication"]]
        )
    return community


def digests():
    return OutboundEmail.objects.filter(category=Category.DIGEST, message_id__startswith="<digest.")


def test_the_weekly_digest_tells_closed_loops_and_matching_requests_once_per_week(digest_world, core, member):
    with time_machine.travel(NOW, tick=False):
        first = tasks.send_weekly_digests()
        again = tasks.send_weekly_digests()
    assert first >= 1 and again == 0
    mine = digests().get(to=core.email)
    assert mine.message_id == f"<digest.{core.pk}.2026-W10@child.example>"
    assert "Falls at night" in mine.body_text and "Resolved" in mine.body_text
    assert "Hip protectors and a bed alarm." in mine.body_text
    assert "Open requests that match your expertise" in mine.body_text and "Insulin pens" in mine.body_text
    assert "Insulin pens" in mine.body_html
    # The asker is not told about their own outcome or their own request.
    member_digest = digests().filter(to=member.email).first()
    assert member_digest is None or "Falls at night" not in member_digest.body_text
    # Next week is another digest.
    with time_machine.travel(NOW + 7 * DAY, tick=False):
        tasks.send_weekly_digests()
    assert digests().filter(to=core.email).count() in (1, 2)  # only if there is news that week
    assert digests().filter(to=core.email, message_id__contains="2026-W10").count() == 1


def test_the_weekly_digest_respects_the_off_preference(digest_world, core, facilitator):
    NotificationPreference.objects.create(user=core, category=Category.DIGEST, email="off")
    # Another category off says nothing about the digest.
    NotificationPreference.objects.create(user=facilitator, category=Category.ADVICE, email="off")
    NotificationPreference.objects.create(user=facilitator, category=Category.DIGEST, email="daily")
    with time_machine.travel(NOW, tick=False):
        tasks.send_weekly_digests()
    assert not digests().filter(to=core.email).exists()
    assert digests().filter(to=facilitator.email).exists()


def test_the_digest_context_is_one_function_per_section(digest_world, core):
    keys = [section.__name__ for section in loops.DIGEST_SECTIONS]
    assert keys[:2] == ["digest_closed_loops", "digest_matching_requests"]
    with time_machine.travel(NOW, tick=False):
        context = loops.digest_context(user=core, now=NOW)
    assert [s["key"] for s in context["sections"]][:2] == ["closed_loops", "matching_requests"]
