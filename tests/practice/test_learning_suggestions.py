"""Don't ask twice: matching learning and resolved requests while a member writes a new request."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import HelpRequest
from tests.practice.factories import HelpRequestFactory
from tests.practice.factories_learning import ArtefactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(community, member):
    return {
        "faq": ArtefactFactory(
            community=community, kind="faq", title="Second checks for insulin at night", insight="",
            question="Who does the double check?", answer="The buddy ward.", published=True,
        ),
        "draft": ArtefactFactory(community=community, title="Insulin draft", insight="insulin at night"),
        "resolved": HelpRequestFactory(
            community=community, author=member, title="Insulin double check with one nurse", situation="Nights.",
            status=HelpRequest.Status.RESOLVED,
        ),
        "hidden": HelpRequestFactory(
            community=community, author=member, title="Insulin at night (hidden)", situation="x",
            status=HelpRequest.Status.RESOLVED, hidden_at=timezone.now(),
        ),
    }  # fmt: skip


SUGGESTIONS = {
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


@pytest.mark.parametrize("persona", list(SUGGESTIONS))
def test_it_answers_suggestions_to_members_only(persona, personas, as_user, community, answers):
    url = reverse("practice:request-suggestions", kwargs={"slug": community.slug})
    response = as_user(personas[persona]).get(url, {"q": "insulin at night"})
    assert response.status_code == SUGGESTIONS[persona]


def test_it_returns_published_learning_and_resolved_requests_as_json(as_user, member, community, answers):
    url = reverse("practice:request-suggestions", kwargs={"slug": community.slug})
    data = as_user(member).get(url, {"q": "insulin double check at night"}).json()
    assert data["artefacts"] == [
        {
            "title": "Second checks for insulin at night",
            "kind": "FAQ",
            "url": reverse("practice:learning-detail", kwargs={"slug": community.slug, "pk": answers["faq"].pk}),
        }
    ]
    assert [r["title"] for r in data["requests"]] == ["Insulin double check with one nurse"]
    assert data["requests"][0]["status"] == "Resolved"


def test_it_returns_nothing_for_a_blank_title(as_user, member, community, answers):
    url = reverse("practice:request-suggestions", kwargs={"slug": community.slug})
    assert as_user(member).get(url, {"q": " "}).json() == {"artefacts": [], "requests": []}


def test_it_refuses_to_change_anything_through_the_json_endpoint(as_user, member, community):
    url = reverse("practice:request-suggestions", kwargs={"slug": community.slug})
    assert as_user(member).post(url, {"q": "x"}).status_code == 405


def test_it_offers_the_live_region_and_the_preview_button_on_the_new_request_page(as_user, member, community):
    html = as_user(member).get(reverse("practice:request-new", kwargs={"slug": community.slug})).content.decode()
    assert 'id="request-suggestions-results" aria-live="polite"' in html
    assert reverse("practice:request-suggestions", kwargs={"slug": community.slug}) in html
    assert re.search(r'<input type="submit"\s+name="preview"\s+value="Preview and check for answers"', html)
    assert "/static/js/learning.js" in html


def test_it_puts_already_answered_right_under_the_title_above_the_post_button(as_user, member, community):
    html = as_user(member).get(reverse("practice:request-new", kwargs={"slug": community.slug})).content.decode()
    title, box = html.index('id="id_title"'), html.index('id="request-suggestions"')
    assert title < box < html.index('id="id_situation"') < html.index('value="Post request"')
    assert html.count('id="request-suggestions"') == 1
    assert 'data-live-hint="Matching learning and resolved requests appear here as you type your title."' in html


def test_it_keeps_the_suggestions_off_the_edit_form(as_user, member, community):
    from tests.practice.factories import HelpRequestFactory

    hr = HelpRequestFactory(community=community, author=member)
    url = reverse("practice:request-edit", kwargs={"slug": community.slug, "pk": hr.pk})
    assert 'id="request-suggestions"' not in as_user(member).get(url).content.decode()


def test_it_shows_suggestions_on_the_preview_step_and_keeps_everything_typed(as_user, member, community, tags, answers):
    url = reverse("practice:request-new", kwargs={"slug": community.slug})
    typed = {
        "title": "Insulin double check at night",
        "situation": "Only *two* nurses & 28 beds.",
        "tried": "Asked the coordinator.",
        "tags": [tags["medication"].pk],
        "new_tags": "night shift",
        "urgency": "urgent",
        "preview": "Preview and check for answers",
    }
    response = as_user(member).post(url, typed)
    assert response.status_code == 200
    assert not HelpRequest.objects.filter(title=typed["title"]).exists()
    html = response.content.decode()
    assert "Preview: nothing is posted yet" in html
    assert "Second checks for insulin at night" in html
    assert "Insulin double check with one nurse" in html
    assert "Insulin draft" not in html
    assert "(hidden)" not in html
    assert 'value="Insulin double check at night"' in html
    assert "Only *two* nurses &amp; 28 beds." in html
    assert "Asked the coordinator." in html
    assert 'value="night shift"' in html
    assert f'value="{tags["medication"].pk}"' in html and "checked" in html
    assert 'value="urgent"' in html
    form = response.context["form"]
    assert form.initial["urgency"] == "urgent" and form.initial["tags"] == [str(tags["medication"].pk)]
    assert not form.errors


def test_it_says_when_nothing_similar_was_found(as_user, member, community):
    url = reverse("practice:request-new", kwargs={"slug": community.slug})
    response = as_user(member).post(url, {"title": "Zebra crossings", "situation": "x", "preview": "1"})
    assert "you are the first to ask" in response.content.decode()


def test_it_posts_for_real_with_the_post_button(as_user, member, community):
    url = reverse("practice:request-new", kwargs={"slug": community.slug})
    response = as_user(member).post(
        url,
        {
            "title": "Insulin double check at night",
            "situation": "Two nurses.",
            "urgency": "normal",
            "submit": "Post request",
        },
    )
    assert response.status_code == 302
    assert HelpRequest.objects.filter(title="Insulin double check at night").exists()
