"""Abuse limits: 10 requests and 60 pieces of advice an hour per user, counted in the shared cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from childsys.lib import ratelimit
from practice.models import Advice, DiscussionComment, HelpRequest
from practice.services import requests as services

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)


def new_request(client, community, n: int):
    return client.post(
        reverse("practice:request-new", kwargs={"slug": community.slug}),
        {"title": f"Problem number {n}", "situation": f"Situation text {n}", "tried": "", "urgency": "normal"},
    )


def test_it_limits_requests_to_ten_an_hour_and_keeps_what_was_typed(as_user, member, newcomer, community):
    client = as_user(member)
    with time_machine.travel(NOW, tick=False):
        for n in range(10):
            assert new_request(client, community, n).status_code == 302
        refused = new_request(client, community, 10)
        # Another member is not affected.
        assert new_request(as_user(newcomer), community, 99).status_code == 302
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "limit of 10 an hour" in html and "Nothing you wrote is lost" in html
    assert 'value="Problem number 10"' in html and "Situation text 10" in html
    assert "Please try again in about 66 minutes." in html
    assert HelpRequest.objects.filter(author=member).count() == 10
    # An hour on, the ten still weigh on the sliding window (counted as spread over their hour).
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        again = new_request(client, community, 11)
    assert again.status_code == 429
    assert "Please try again in about 6 minutes." in again.content.decode()
    with time_machine.travel(NOW + timedelta(hours=1, minutes=6), tick=False):
        assert new_request(client, community, 11).status_code == 302
    assert HelpRequest.objects.filter(author=member).count() == 11


def test_it_does_not_count_invalid_posts(as_user, member, community):
    client = as_user(member)
    url = reverse("practice:request-new", kwargs={"slug": community.slug})
    with time_machine.travel(NOW, tick=False):
        for _ in range(15):
            assert client.post(url, {"title": "", "situation": ""}).status_code == 200
        assert new_request(client, community, 1).status_code == 302


def test_it_limits_advice_and_discussion_to_sixty_an_hour(as_user, post_request, core, member, community):
    with time_machine.travel(NOW, tick=False):
        hr = post_request()
        advice = services.advice_create(help_request=hr, author=core, body="First.")
        services.advice_respond(advice=advice, author=member, kind="discuss")
        client = as_user(core)
        advise = reverse("practice:request-advice", kwargs={"slug": community.slug, "pk": hr.pk})
        comment = reverse("practice:request-comment", kwargs={"slug": community.slug, "pk": hr.pk,
                                                               "advice_pk": advice.pk})  # fmt: skip
        for n in range(30):
            assert client.post(advise, {"body": f"Advice {n}"}).status_code == 302
            assert client.post(comment, {"body": f"Message {n}"}).status_code == 302
        refused = client.post(advise, {"body": "One too many pieces of advice"})
        refused_comment = client.post(comment, {"body": "One too many messages"})
    assert refused.status_code == 429
    assert "limit of 60 an hour" in refused.content.decode()
    assert "One too many pieces of advice" in refused.content.decode()
    assert refused_comment.status_code == 429
    assert "One too many messages" in refused_comment.content.decode()
    assert Advice.objects.filter(author=core).count() == 31  # the service call above was not rate-limited
    assert DiscussionComment.objects.count() == 30


def test_it_keeps_the_counter_in_the_shared_cache():
    rate = ratelimit.Rate(limit=2, period=3600)
    now = NOW.timestamp()
    assert ratelimit.hit("test", 7, rate, now=now)
    assert ratelimit.remaining("test", 7, rate, now=now) == 1
    key = f"ratelimit:test:7:{int(now // 3600)}"
    assert cache.get(key) == 1
    assert ratelimit.hit("test", 7, rate, now=now)
    assert not ratelimit.hit("test", 7, rate, now=now)
    assert cache.get(key) == 2  # a refused hit is not counted
    assert ratelimit.hit("test", 8, rate, now=now)  # per identity


def test_the_limit_holds_across_a_window_boundary():
    # A fixed window would allow 2 just before the hour and 2 more just after: 4 in two seconds.
    rate = ratelimit.Rate(limit=2, period=3600)
    hour = 3600 * (int(NOW.timestamp()) // 3600)
    assert ratelimit.hit("test", 7, rate, now=hour - 1)
    assert ratelimit.hit("test", 7, rate, now=hour - 1)
    assert not ratelimit.hit("test", 7, rate, now=hour + 1)
    assert ratelimit.retry_after("test", 7, rate, now=hour + 1) == 1800
    # Half-way through the next hour the earlier two weigh one: one more fits, not two.
    assert ratelimit.hit("test", 7, rate, now=hour + 1800)
    assert not ratelimit.hit("test", 7, rate, now=hour + 1800)
    assert ratelimit.remaining("test", 7, rate, now=hour + 1800) == 0
    assert ratelimit.retry_after("test", 7, rate, now=hour + 1800) > 0
    # Two hours on, nothing of it is left.
    assert ratelimit.remaining("test", 7, rate, now=hour + 7200) == 2
    assert ratelimit.retry_after("test", 7, rate, now=hour + 7200) == 0


def test_it_describes_rates_for_people():
    assert ratelimit.Rate(10, 3600).describe() == "10 an hour"
    assert ratelimit.Rate(5, 60).describe() == "5 a minute"
