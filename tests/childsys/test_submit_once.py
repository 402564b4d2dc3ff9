"""One post per submit: every creating form carries a one-time token; a repeated POST answers with the first result."""

from __future__ import annotations

import re
import threading
import time
import uuid

import pytest
from django.db import connection
from django.test import Client

from communities.models import Invitation, Submission, VisionDraft
from practice.models import Advice, Artefact, DiscussionComment, HelpRequest
from practice.services import requests as request_services
from tests.conftest import client_for
from tests.practice.factories import HelpRequestFactory

TOKEN = re.compile(r'name="submit_token" value="([0-9a-f-]{36})"')


def _token(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    tokens = TOKEN.findall(page.content.decode())
    assert tokens, f"no submit_token on {url}"
    return tokens[-1]


def _post_twice(client: Client, url: str, data: dict) -> tuple:
    first = client.post(url, data)
    second = client.post(url, data)
    return first, second


@pytest.mark.django_db
def test_it_creates_one_help_request_for_a_repeated_post(member, community):
    client = client_for(member)
    url = f"/c/{community.slug}/requests/new/"
    data = {"title": "Labelling insulin pens", "situation": "How?", "urgency": "normal"}
    data["submit_token"] = _token(client, url)
    first, second = _post_twice(client, url, data)
    assert HelpRequest.objects.filter(title="Labelling insulin pens").count() == 1
    hr = HelpRequest.objects.get(title="Labelling insulin pens")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == hr.get_absolute_url()
    submission = Submission.objects.get(token=data["submit_token"])
    assert (submission.user, submission.target) == (member, hr)


@pytest.mark.django_db
def test_it_keeps_the_token_usable_when_the_first_post_was_refused(member, community):
    client = client_for(member)
    url = f"/c/{community.slug}/requests/new/"
    token = _token(client, url)
    refused = client.post(url, {"title": "Hi", "situation": "Short title", "urgency": "normal", "submit_token": token})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "at least a few words" in body
    assert token in body and "Short title" in body  # the same token and everything typed come back
    fixed = {"title": "A proper title now", "situation": "Short title", "urgency": "normal", "submit_token": token}
    assert client.post(url, fixed).status_code == 302
    assert HelpRequest.objects.filter(community=community).count() == 1


@pytest.mark.django_db
def test_it_creates_one_advice_and_one_discussion_message_per_submit(member, facilitator, community):
    hr = HelpRequestFactory(community=community, author=member)
    advice_url = f"/c/{community.slug}/requests/{hr.pk}/advice/"
    adviser = client_for(facilitator)
    token = _token(adviser, hr.get_absolute_url())
    first, second = _post_twice(adviser, advice_url, {"body": "Colour-coded caps.", "submit_token": token})
    advice = Advice.objects.get(request=hr)
    assert first["Location"] == second["Location"] == f"{hr.get_absolute_url()}#advice-{advice.pk}"

    request_services.advice_respond(advice=advice, author=member, kind="discuss")  # opens the discussion
    asker = client_for(member)
    comment_url = f"/c/{community.slug}/requests/{hr.pk}/advice/{advice.pk}/comments/"
    token = _token(asker, hr.get_absolute_url())
    first, second = _post_twice(asker, comment_url, {"body": "Which colours?", "submit_token": token})
    comment = DiscussionComment.objects.get(advice=advice)
    assert first["Location"] == second["Location"] == f"{hr.get_absolute_url()}#comment-{comment.pk}"


@pytest.mark.django_db
def test_it_creates_one_artefact_per_submit(member, community):
    client = client_for(member)
    url = f"/c/{community.slug}/learning/new/?kind=faq"
    data = {"title": "Night-shift insulin", "question": "Who checks?", "answer": "Two nurses.", "submit_token": ""}
    data["submit_token"] = _token(client, url)
    first, second = _post_twice(client, url, data)
    artefact = Artefact.objects.get(title="Night-shift insulin")
    assert first["Location"] == second["Location"] == artefact.get_absolute_url()


@pytest.mark.django_db
def test_it_creates_one_vision_draft_per_submit(core, community):
    client = client_for(core)
    url = f"/c/{community.slug}/direction/drafts/new/"
    data = {"title": "Every ward learns", "text": "From every other ward.", "submit_token": _token(client, url)}
    first, second = _post_twice(client, url, data)
    draft = VisionDraft.objects.get(title="Every ward learns")
    assert first["Location"] == second["Location"] == draft.get_absolute_url()


@pytest.mark.django_db
def test_it_sends_one_invitation_per_submit(facilitator, community):
    client = client_for(facilitator)
    url = f"/c/{community.slug}/members/invite/"
    data = {"email": "new.nurse@example.org", "role": "member", "message": "", "submit_token": _token(client, url)}
    first, second = _post_twice(client, url, data)
    # Without the token the second POST would answer "already has a pending invitation" (200).
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Invitation.objects.filter(email="new.nurse@example.org").count() == 1


@pytest.mark.django_db
def test_it_answers_a_token_of_someone_else_without_creating(member, newcomer, community):
    url = f"/c/{community.slug}/requests/new/"
    token = _token(client_for(member), url)
    data = {"title": "Labelling insulin pens", "situation": "How?", "urgency": "normal", "submit_token": token}
    assert client_for(member).post(url, data).status_code == 302
    stolen = client_for(newcomer).post(url, {**data, "title": "Someone else's title"})
    assert stolen.status_code == 302
    assert list(HelpRequest.objects.values_list("author__email", flat=True)) == [member.email]


def _concurrently(posts) -> list:
    """Run each ``post()`` in its own thread, released together; return their responses."""
    barrier = threading.Barrier(len(posts))
    results: list = [None] * len(posts)

    def run(i, post):
        try:
            barrier.wait(timeout=10)
            results[i] = post()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_it_creates_one_help_request_for_two_concurrent_posts(member, community, monkeypatch):
    original = request_services.help_request_create

    def slow_create(**kwargs):
        created = original(**kwargs)
        time.sleep(0.5)  # hold the transaction open: the other POST arrives while the first is still creating
        return created

    monkeypatch.setattr(request_services, "help_request_create", slow_create)
    url = f"/c/{community.slug}/requests/new/"
    data = {
        "title": "Both at once",
        "situation": "Double click",
        "urgency": "normal",
        "submit_token": str(uuid.uuid4()),
    }
    clients = [client_for(member), client_for(member)]
    responses = _concurrently([lambda c=c: c.post(url, data) for c in clients])

    assert HelpRequest.objects.filter(title="Both at once").count() == 1
    hr = HelpRequest.objects.get(title="Both at once")
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {hr.get_absolute_url()}
    assert Submission.objects.filter(token=data["submit_token"]).count() == 1
