"""The sliders page: who sees it, labelled range inputs, partial saves, revisions, validation, closed rounds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import VibrancyScore, VibrancyTally
from communities.services import vibrancy as services
from tests.communities.vibrancy_helpers import add_members, dimensions, make_round, rate

pytestmark = pytest.mark.django_db

GET_EXPECTED = {
    "anonymous": 302,
    "outsider": 404,
    "stranger": 404,
    "site_admin": 404,
    "newcomer": 200,
    "member": 200,
    "core": 200,
    "facilitator": 200,
    "sponsor": 200,
}


def url(community) -> str:
    return reverse("communities:vibrancy", args=[community.slug])


def form_data(round_, **ratings) -> dict:
    """A full form post: every slider unrated at 5, except ``slug=(now, should_be)`` (None = leave unrated)."""
    data = {"round": str(round_.pk)}
    for slug in dimensions():
        now, should_be = ratings.get(slug, (None, None))
        for measure, value in (("now", now), ("should_be", should_be)):
            data[f"{slug}-{measure}"] = "5" if value is None else str(value)
            data[f"{slug}-{measure}-shown"] = "5"
            if value is None:
                data[f"{slug}-{measure}-unrated"] = "on"
        data[f"{slug}-comment"] = ""
    return data


def scores(round_, user) -> dict[str, tuple]:
    return {
        s.dimension.slug: (s.now, s.should_be, s.comment)
        for s in VibrancyScore.objects.filter(round=round_, user=user).select_related("dimension")
    }


@pytest.mark.parametrize("persona", list(GET_EXPECTED))
def test_it_shows_the_sliders_to_members_only(as_user, personas, community, persona):
    make_round(community)
    response = as_user(personas[persona]).get(url(community))
    assert response.status_code == GET_EXPECTED[persona]
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]


def test_it_renders_labelled_keyboard_sliders_with_guidance_and_focus(as_user, community, member, facilitator):
    make_round(community)
    services.focus_set(community=community, actor=facilitator, dimensions=[dimensions()["voice"]])
    html = as_user(member).get(url(community)).content.decode()
    assert html.count('type="range"') == 14
    assert '<label class="form-label fw-semibold mb-1" for="id_practice-now">Where we are now' in html
    assert 'id="id_practice-now"' in html and 'min="0" max="10" step="1"' in html
    assert 'aria-valuetext="not rated yet"' in html
    assert '<output class="vibrancy-value badge text-bg-light border" for="id_voice-should_be"' in html
    assert 'for="id_voice-now-unrated">Not rated yet' in html
    assert "commit to respond within a given timeframe" in html  # the Practice guidance beside the sliders
    assert "Focus this period" in html and "This period we are turning up:" in html
    assert "<script>" not in html and "onclick" not in html
    assert "/static/js/vibrancy.js" in html


def test_it_saves_a_partial_assessment(as_user, community, member):
    round_ = make_round(community)
    data = form_data(round_, practice=(7, 9), voice=(2, None))
    data["voice-comment"] = "Nobody asks us before policies change."
    response = as_user(member).post(url(community), data)
    assert response.status_code == 302
    assert scores(round_, member) == {
        "practice": (7, 9, ""),
        "voice": (2, None, "Nobody asks us before policies change."),
    }
    round_.refresh_from_db()
    assert round_.raters_count == 1
    voice = dimensions()["voice"]
    assert VibrancyTally.objects.get(round=round_, dimension=voice, measure="now", value=2).raters == 1
    assert not VibrancyTally.objects.filter(round=round_, dimension=voice, measure="should_be", raters__gt=0).exists()


def test_it_lets_a_member_revise_and_take_ratings_back_until_the_round_closes(as_user, community, member):
    round_ = make_round(community)
    client = as_user(member)
    client.post(url(community), form_data(round_, practice=(7, 9), voice=(2, 8)))
    client.post(url(community), form_data(round_, practice=(8, 9)))  # voice ticked "not rated" again
    assert scores(round_, member) == {"practice": (8, 9, "")}
    practice = dimensions()["practice"]
    tally = dict(
        VibrancyTally.objects.filter(round=round_, dimension=practice, measure="now").values_list("value", "raters")
    )
    assert tally.get(7, 0) == 0 and tally[8] == 1
    page = client.get(url(community)).content.decode()
    assert 'name="practice-now" id="id_practice-now"\n                     min="0" max="10" step="1" value="8"' in page


@pytest.mark.parametrize("bad", ["11", "-1", "abc", "5.5", ""])
def test_it_rejects_anything_but_whole_numbers_from_0_to_10_and_keeps_the_input(as_user, community, member, bad):
    round_ = make_round(community)
    data = form_data(round_, practice=(7, 9))
    data["voice-now"] = bad
    data.pop("voice-now-unrated")  # the member means to rate it
    data["community-comment"] = "Huddles feel warmer since spring."
    response = as_user(member).post(url(community), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "Enter a whole number from 0 to 10." in html
    assert "Huddles feel warmer since spring." in html  # nothing lost
    assert 'value="7"' in html and 'value="9"' in html
    assert not VibrancyScore.objects.exists()


def test_it_catches_a_slider_moved_while_not_rated_is_still_ticked(as_user, community, member):
    round_ = make_round(community)
    data = form_data(round_)
    data["voice-now"] = "3"  # moved, but the box stays ticked (a page without scripts)
    response = as_user(member).post(url(community), data)
    assert response.status_code == 400
    assert "You moved this slider to 3" in response.content.decode()
    assert not VibrancyScore.objects.exists()
    # Saving again as shown (the page now shows 3 with the box ticked) leaves it unrated on purpose.
    data["voice-now-shown"] = "3"
    assert as_user(member).post(url(community), data).status_code == 302
    assert not VibrancyScore.objects.exists()


def test_it_saves_without_a_reload_for_scripts(as_user, community, member):
    round_ = make_round(community)
    client = as_user(member)
    ok = client.post(url(community), form_data(round_, voice=(3, 9)), HTTP_ACCEPT="application/json")
    assert ok.status_code == 200
    assert ok.json()["ok"] is True and ok.json()["rated"] == 1
    assert scores(round_, member) == {"voice": (3, 9, "")}
    data = form_data(round_, voice=(3, 9))
    data["voice-should_be"] = "12"
    bad = client.post(url(community), data, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400
    assert bad.json()["errors"]["voice-should_be"] == ["Enter a whole number from 0 to 10."]
    assert scores(round_, member) == {"voice": (3, 9, "")}


def test_it_rejects_edits_to_a_closed_round_with_a_clear_message(as_user, community, member):
    round_ = make_round(community)
    client = as_user(member)
    client.post(url(community), form_data(round_, voice=(3, 9)))
    services.round_close(round_=round_)
    data = form_data(round_, voice=(6, 9))
    data["voice-comment"] = "A thought I typed before it closed."
    response = client.post(url(community), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "This round has closed, so your changes were not saved." in html
    assert "A thought I typed before it closed." in html
    as_json = client.post(url(community), data, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 409 and "closed" in as_json.json()["message"]
    assert scores(round_, member) == {"voice": (3, 9, "")}


def test_it_rejects_edits_past_the_closing_date_before_the_task_closed_it(as_user, community, member):
    round_ = make_round(community, closes_at=timezone.now() - timedelta(minutes=1))
    response = as_user(member).post(url(community), form_data(round_, voice=(6, 9)))
    assert response.status_code == 409
    assert not VibrancyScore.objects.exists()


def test_it_shows_my_last_ratings_when_no_round_is_open(as_user, community, member, facilitator):
    round_ = make_round(community, opened_days_ago=30)
    rate(round_, member, {"voice": (3, 9)})
    services.round_close(round_=round_)
    html = as_user(member).get(url(community)).content.decode()
    assert "No self-assessment is open right now" in html
    assert 'type="range"' not in html
    assert "Your ratings in the round of" in html
    facilitator_html = as_user(facilitator).get(url(community)).content.decode()
    assert "Open the round" in facilitator_html


def test_it_costs_the_same_queries_however_many_have_rated(
    as_user, community, member, django_assert_num_queries, django_db_blocker
):
    round_ = make_round(community)
    client = as_user(member)
    rate(round_, member, {"voice": (3, 9)})

    def add_raters(n: int) -> None:
        for user in add_members(community, n):
            rate(round_, user, {"voice": (4, 8), "practice": (6, 9)}, comment="ok")

    add_raters(3)
    client.get(url(community))  # warm up (session, content types)
    with django_assert_num_queries(9) as small:
        assert client.get(url(community)).status_code == 200
    add_raters(9)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url(community)).status_code == 200


def test_it_tells_facilitators_how_many_have_rated_so_far(as_user, community, member, facilitator):
    round_ = make_round(community)
    as_user(member).post(url(community), form_data(round_, voice=(3, 9)))
    html = as_user(facilitator).get(url(community)).content.decode()
    assert "1 of 2 members have rated so far." in html
    assert "Close the round now" in html
    assert "Close the round now" not in as_user(member).get(url(community)).content.decode()
