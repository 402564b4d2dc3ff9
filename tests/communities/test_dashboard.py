"""The facilitators' dashboard: vibrancy figures exactly right, privacy thresholds, permissions, queries, CSV."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.selectors import vibrancy as selectors
from communities.services import vibrancy as services
from tests.communities.vibrancy_helpers import add_members, dimensions, make_round, rate

pytestmark = pytest.mark.django_db

EXPECTED = {
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

# Five raters, by hand: (now, should_be) per dimension; None = not rated.
HAND = [
    {"practice": (2, 6), "voice": (1, 9), "boundaries": (3, 2)},
    {"practice": (4, 8), "voice": (2, 9), "boundaries": (8, 9)},
    {"practice": (4, 8), "voice": (6, 9)},
    {"practice": (5, 10), "voice": (7, 10)},
    {"practice": (9, None), "voice": (None, 10)},
]


def dashboard_url(community, **query) -> str:
    url = reverse("communities:dashboard", args=[community.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def csv_url(community) -> str:
    return reverse("communities:dashboard-vibrancy-csv", args=[community.slug])


def hand_round(community):
    round_ = make_round(community)
    for user, ratings in zip(add_members(community, len(HAND)), HAND, strict=True):
        rate(round_, user, ratings)
    return round_


def chart(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, element_id
    return json.loads(match.group(1))


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_it_shows_the_dashboard_to_facilitators_and_sponsors_only(as_user, personas, community, persona):
    hand_round(community)
    for url in (dashboard_url(community), csv_url(community)):
        response = as_user(personas[persona]).get(url)
        assert response.status_code == EXPECTED[persona], url
        if persona == "anonymous":
            assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("closed", [False, True], ids=["open round", "closed round (frozen)"])
def test_it_computes_the_figures_exactly(community, closed):
    round_ = hand_round(community)
    if closed:
        services.round_close(round_=round_)
    figures = selectors.dashboard(community).current.by_slug()
    practice, voice = figures["practice"], figures["voice"]
    assert practice.now.raters == 5
    assert practice.now.mean == pytest.approx(4.8)
    assert practice.now.median == 4
    assert practice.now.spread == pytest.approx(math.sqrt(5.36))  # population standard deviation
    assert (practice.should_be.raters, practice.should_be.mean, practice.should_be.median) == (4, 8, 8)
    assert practice.should_be.spread == pytest.approx(math.sqrt(2))
    assert practice.gap == pytest.approx(3.2)
    assert (voice.now.raters, voice.now.mean, voice.now.median) == (4, 4, 4)  # even count: (2 + 6) / 2
    assert voice.now.spread == pytest.approx(math.sqrt(6.5))
    assert voice.should_be.mean == pytest.approx(9.4)
    assert voice.should_be.median == 9
    assert voice.should_be.spread == pytest.approx(math.sqrt(0.24))
    assert voice.gap == pytest.approx(5.4)
    assert practice.histogram_now == [0, 0, 1, 0, 2, 1, 0, 0, 0, 1, 0]
    assert practice.histogram_should_be == [0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 1]
    current = selectors.dashboard(community).current
    assert [f.dimension.slug for f in current.ranked_by_gap()][:2] == ["voice", "practice"]
    assert current.participation.raters == 5


def test_it_shows_the_figures_on_the_page_with_tables_beside_the_charts(as_user, community, facilitator):
    hand_round(community)
    html = as_user(facilitator).get(dashboard_url(community)).content.decode()
    radar = chart(html, "vibrancy-radar-data")
    labels = radar["data"]["labels"]
    now = dict(zip(labels, radar["data"]["datasets"][0]["data"], strict=True))
    should = dict(zip(labels, radar["data"]["datasets"][1]["data"], strict=True))
    assert (now["Practice"], should["Practice"]) == (4.8, 8.0)
    assert (now["Voice"], should["Voice"]) == (4.0, 9.4)
    assert radar["type"] == "radar"
    row = re.search(r'<tr data-dimension="practice">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells == ["5", "4.8", "4.0", "2.3", "4", "8.0", "8.0", "1.4", "3.2"]
    for table in ("vibrancy-figures", "vibrancy-gap-table", "vibrancy-trend-table", "vibrancy-participation-table"):
        assert f'id="{table}"' in html
    assert html.count('data-chart="') >= 5
    assert "/static/js/dashboard.js" in html and "<script>" not in html


def test_it_withholds_every_figure_drawn_from_fewer_than_three_raters(as_user, community, facilitator):
    round_ = hand_round(community)
    users = list(round_.scores.filter(dimension__slug="boundaries").values_list("user", flat=True))
    assert len(users) == 2
    figures = selectors.dashboard(community).current.by_slug()["boundaries"]
    assert figures.now.raters == 2 and figures.now.mean is None and figures.now.median is None
    assert figures.gap is None and figures.distribution_hidden
    html = as_user(facilitator).get(dashboard_url(community)).content.decode()
    radar = chart(html, "vibrancy-radar-data")
    index = radar["data"]["labels"].index("Boundaries")
    assert radar["data"]["datasets"][0]["data"][index] is None
    assert 'id="vibrancy-distribution-boundaries"' not in html
    assert "Fewer than 3 members rated this dimension" in html
    row = re.search(r'<tr data-dimension="boundaries">(.*?)</tr>', html, re.S).group(1)
    assert "withheld" in row and "5.5" not in row  # the two raters' mean now
    rows = list(csv.DictReader(io.StringIO(as_user(facilitator).get(csv_url(community)).content.decode())))
    boundaries = next(r for r in rows if r["dimension"] == "Boundaries" and r["group"] == "all")
    assert boundaries["mean_now"] == "" and boundaries["median_should_be"] == "" and boundaries["gap"] == ""


def test_it_shows_comments_anonymously_and_only_for_dimensions_with_three_raters(as_user, community, facilitator):
    round_ = hand_round(community)
    users = add_members(community, 1)
    rate(round_, users[0], {"voice": (3, 9)}, comment="Policy changes reach us last.")
    named = round_.scores.filter(dimension__slug="boundaries").first()
    named.comment = "Only two of us rated boundaries."
    named.save()
    html = as_user(facilitator).get(dashboard_url(community)).content.decode()
    assert "Policy changes reach us last." in html
    assert "Only two of us rated boundaries." not in html
    assert users[0].display_name not in html and users[0].email not in html


def test_it_splits_newcomers_and_others_only_when_both_reach_three_raters(community):
    round_ = make_round(community)
    recent = round_.opened_at - timedelta(days=5)
    for user in add_members(community, 3):
        rate(round_, user, {"voice": (2, 8)})
    newcomers = add_members(community, 2, joined=recent)
    for user in newcomers:
        rate(round_, user, {"voice": (6, 9)})
    voice = selectors.dashboard(community).current.by_slug()["voice"]
    assert voice.now.mean == pytest.approx((3 * 2 + 2 * 6) / 5)
    assert voice.group_stats("now") is None  # two newcomers: neither group is shown
    participation = selectors.dashboard(community).current.participation
    assert participation.groups_hidden and participation.newcomer_rate is None
    rate(round_, add_members(community, 1, joined=recent)[0], {"voice": (7, 9)})
    voice = selectors.dashboard(community).current.by_slug()["voice"]
    groups = voice.group_stats("now")
    assert groups["newcomer"].mean == pytest.approx(19 / 3) and groups["other"].mean == 2
    participation = selectors.dashboard(community).current.participation
    assert (participation.newcomer_raters, participation.newcomers) == (3, 3)


def test_it_shows_the_trend_and_lets_facilitators_pick_a_round(as_user, community, facilitator):
    first = make_round(community, opened_days_ago=90)
    for user, now in zip(add_members(community, 3), [2, 3, 4], strict=True):
        rate(first, user, {"voice": (now, 8)})
    services.round_close(round_=first)
    hand_round(community)
    client = as_user(facilitator)
    html = client.get(dashboard_url(community)).content.decode()
    trend = chart(html, "vibrancy-trend-data")
    voice = next(d for d in trend["data"]["datasets"] if d["label"].startswith("Voice"))
    assert voice["data"] == [3.0, 4.0]
    older = client.get(dashboard_url(community, round=first.pk)).content.decode()
    assert chart(older, "vibrancy-radar-data")["data"]["datasets"][0]["data"][6] == 3.0
    assert client.get(dashboard_url(community, round=999999)).status_code == 404


def test_it_highlights_the_focus_dimensions(as_user, community, facilitator):
    hand_round(community)
    services.focus_set(community=community, actor=facilitator, dimensions=[dimensions()["voice"]])
    html = as_user(facilitator).get(dashboard_url(community)).content.decode()
    assert "Voice ★" in chart(html, "vibrancy-radar-data")["data"]["labels"]
    assert '<tr class="table-warning" data-dimension="voice">' in html


def test_it_exports_the_aggregates_as_csv(as_user, community, facilitator):
    hand_round(community)
    response = as_user(facilitator).get(csv_url(community))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    practice = next(r for r in rows if r["dimension"] == "Practice" and r["group"] == "all")
    assert practice["raters_now"] == "5"
    assert (practice["mean_now"], practice["median_now"], practice["spread_now"]) == ("4.80", "4.00", "2.32")
    assert (practice["mean_should_be"], practice["gap"]) == ("8.00", "3.20")
    assert len([r for r in rows if r["group"] == "all"]) == 7


def test_it_invites_a_first_round_when_there_is_none(as_user, community, facilitator):
    html = as_user(facilitator).get(dashboard_url(community)).content.decode()
    assert "No vibrancy self-assessment yet" in html


def test_it_costs_the_same_queries_as_members_and_rounds_grow(
    as_user, community, facilitator, django_assert_num_queries
):
    client = as_user(facilitator)

    def grow(rounds: int, raters: int) -> None:
        for index in range(rounds):
            round_ = make_round(community, opened_days_ago=200 - 30 * index - len(community.vibrancy_rounds.all()))
            for user in add_members(community, raters):
                rate(round_, user, {"voice": (3, 8), "practice": (6, 9), "domain": (5, 5)}, comment="fine")
            services.round_close(round_=round_)

    grow(1, 3)
    make_round(community)  # an open round as well
    client.get(dashboard_url(community))
    # The practice app's sections share this page, so measure rather than hard-code the total.
    with CaptureQueriesContext(connection) as page:
        assert client.get(dashboard_url(community)).status_code == 200
    with CaptureQueriesContext(connection) as export:
        assert client.get(csv_url(community)).status_code == 200
    vibrancy_queries = [q for q in page.captured_queries if "vibrancy" in q["sql"] or "dimension" in q["sql"]]
    # rounds, dimensions with focus, statistics, histogram (+ comments when a dimension has enough raters)
    assert len(vibrancy_queries) in (4, 5)
    community.vibrancy_rounds.filter(closed_at__isnull=True).delete()
    grow(3, 9)
    make_round(community)
    with django_assert_num_queries(len(page.captured_queries)):
        assert client.get(dashboard_url(community)).status_code == 200
    with django_assert_num_queries(len(export.captured_queries)):
        assert client.get(csv_url(community)).status_code == 200
