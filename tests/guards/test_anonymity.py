"""Asking anonymously: the asker's name, email and ids reach nobody but the asker.

Every page of the route table, a few searches, both CSV exports and each viewer's own data download are
fetched as every persona of the community before and after the anonymous asker posts (an anonymous request
with advice, responses, a discussion message, a reported outcome and the learning drafted from it, and an
anonymous failure reflection). Nothing that identifies the asker may appear more often afterwards. Every email, in-app
notification and activity-log entry written by those posts for anyone else is searched too. The same
sweep run on the same posts made under the asker's name finds them, so the sweep can fail.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from communities.models import (
    ALWAYS_SENT,
    DIGESTS,
    ActivityLog,
    Category,
    EmailMode,
    Membership,
    Notification,
    NotificationPreference,
    OutboundEmail,
    Role,
    User,
)
from communities.personal_data import user_relations
from communities.services import data_export, outbox
from communities.services.notify import render_deferred
from practice.models import Artefact, HelpRequest
from practice.services import learning, loops
from practice.services import requests as services
from tests.factories import UserFactory
from tests.guards.conftest import World
from tests.guards.routes import ROUTES, all_patterns, clients, fetch, url_for

# Everyone in the community who is not the asker, and a site administrator (who browses as an outsider).
VIEWERS = ("newcomer", "member", "core", "facilitator", "sponsor", "site_admin")
# Who reads their notifications in a daily digest; the others get each one by email at once.
DAILY_READERS = ("member", "facilitator", "sponsor")
SECRET_TITLE = "Wrong-patient label on a syringe driver"
ASKER_EMAIL = "quinn.hidden@example.org"


@dataclass(frozen=True)
class Posts:
    asker: User
    help_request: HelpRequest
    reflection: Artefact
    drafted: Artefact


def _asker(community) -> User:
    user = UserFactory(email=ASKER_EMAIL, display_name="Quinn Hiddenasker")
    Membership.objects.create(community=community, user=user, role=Role.MEMBER)
    return user


def _post(world: World, personas: dict, asker: User, *, anonymous: bool) -> Posts:
    """What the asker writes, through the services (their notifications, emails and log entries too)."""
    community = world.community
    help_request = services.help_request_create(
        community=community,
        author=asker,
        title=SECRET_TITLE,
        situation="I hung the wrong label and only noticed at handover. How do others double-check?",
        tags=[world.mine["help_request"].tags.first()],
        anonymous=anonymous,
    )
    advice = services.advice_create(help_request=help_request, author=personas["core"], body="Read it back aloud.")
    services.advice_respond(advice=advice, author=asker, kind="discuss", note="We are always two short.")
    services.comment_create(advice=advice, author=personas["core"], body="Then ask the pharmacist.")
    services.comment_create(advice=advice, author=asker, body="Our pharmacist leaves at five.")
    services.advice_respond(advice=advice, author=asker, kind="try", note="I'll try it on nights.")
    loops.outcome_record(
        help_request=help_request,
        author=asker,
        result="partly",
        what_worked="Reading back caught one error.",
        what_didnt="Nights are still thin.",
        helpful_advice=[advice],
        share_as_learning=True,
        share_kind="failure_reflection",
        story_consent=True,
    )
    drafted = Artefact.objects.get(source_requests=help_request)
    learning.artefact_publish(artefact=drafted, actor=personas["facilitator"])
    reflection = learning.artefact_create(
        community=community,
        author=asker,
        kind=Artefact.Kind.FAILURE_REFLECTION,
        title="The night I skipped the second check",
        fields={"what_happened": "I skipped it.", "what_we_learned": "Never skip it."},
        anonymous=anonymous,
    )
    learning.artefact_publish(artefact=reflection, actor=personas["facilitator"])
    # The digests, daily (those who chose it) and weekly, gather what was posted into more emails.
    later = timezone.now() + timedelta(days=8)
    outbox.daily_digests_send(now=later)
    digests = OutboundEmail.objects.filter(category=Category.DAILY_DIGEST).values_list("user", flat=True)
    assert {personas["facilitator"].pk, personas["sponsor"].pk} <= set(digests)
    loops.weekly_digests_send(now=later)
    for email in OutboundEmail.objects.filter(body_text=""):
        render_deferred(email)
    return Posts(asker=asker, help_request=help_request, reflection=reflection, drafted=drafted)


def _markers(asker: User) -> list[str]:
    membership = Membership.objects.get(user=asker)
    return [
        asker.name,
        asker.email,
        asker.email.split("@")[0],
        f'data-user="{asker.pk}"',
        f"/members/{membership.pk}/",
        f"user={asker.pk}",
        f'"user": {asker.pk}',
        f'"user_id": {asker.pk}',
    ]


def _urls(world: World, posts: Posts | None) -> list[str]:
    """Every page of the route table (GET), with the asker's posts in the object arguments once they exist."""
    mine = dict(world.mine)
    if posts is not None:
        hr = posts.help_request
        mine |= {
            "help_request": hr,
            "advice": hr.advice.first(),
            "comment": hr.advice.first().comments.filter(author=posts.asker).first(),
            "artefact": posts.reflection,
            "artefact_version": posts.reflection.versions.first(),
        }
    patched = World(community=world.community, other_community=world.other_community, mine=mine, other=world.other)
    urls = []
    for pattern in all_patterns():
        route = ROUTES.get(pattern.key)
        if route is None or route.post is not None:
            continue
        urls.append(url_for(pattern, route, world))
        if any(kind in ("help_request", "advice", "comment", "artefact") for kind in route.args.values()):
            urls.append(url_for(pattern, route, patched))
    slug = world.community.slug
    urls += [
        reverse("practice:request-list", kwargs={"slug": slug}) + "?q=syringe",
        reverse("practice:request-list", kwargs={"slug": slug}) + "?filter=closed",
        reverse("practice:learning", kwargs={"slug": slug}) + "?q=second+check",
        reverse("practice:learning", kwargs={"slug": slug}) + "?kind=failure_reflection",
        reverse("practice:request-suggestions", kwargs={"slug": slug}) + "?q=syringe+label",
        reverse("communities:value", kwargs={"slug": slug}) + "?period=quarter",
    ]
    if posts is not None:
        urls.append(reverse("practice:learning-detail", kwargs={"slug": slug, "pk": posts.drafted.pk}))
    return list(dict.fromkeys(urls))


def _counts(world: World, personas: dict, markers: list[str], posts: Posts | None) -> dict:
    """(persona, url, marker) -> occurrences in the response, for every viewer and page."""
    counts = {}
    by_persona = clients({name: personas[name] for name in VIEWERS})
    for url in _urls(world, posts):
        for name, client in by_persona.items():
            response = fetch(client, "GET", url)
            body = response.content.decode(errors="replace") + " ".join(f"{k}: {v}" for k, v in response.items())
            for marker in markers:
                counts[name, url, marker] = len(_bounded(marker).findall(body))
    asker = next((m.user for m in Membership.objects.filter(user__email=ASKER_EMAIL).select_related("user")), None)
    for name in VIEWERS:
        body = _download_text(personas[name], asker)
        for marker in markers:
            counts[name, "their data download (/me/data/)", marker] = len(_bounded(marker).findall(body))
    return counts


def _download_text(user: User, asker: User | None) -> str:
    """What the viewer's own data download holds (data.json and index.html, as the worker builds them), and
    ``user=<asker's id>`` for every relation to a person in it that names the asker (``"author": 12``)."""
    with zipfile.ZipFile(io.BytesIO(data_export.export_zip(user=user, now=timezone.now()))) as archive:
        text = " ".join(archive.read(name).decode() for name in archive.namelist())
        data = json.loads(archive.read("data.json"))
    if asker is None:
        return text
    relations = user_relations()
    named = [
        field
        for holding in data["holdings"].values()
        for row in holding["rows"]
        for field, value in row.items()
        if (holding["model"], field) in relations and asker.pk in (value if isinstance(value, list) else [value])
    ]
    return text + "".join(f" user={asker.pk}" for _ in named)


def _bounded(marker: str) -> re.Pattern:
    """The marker as a whole token: ``user=12`` must not count inside ``user=123``."""
    before = r"(?<![\w.@-])" if marker[0].isalnum() else ""
    return re.compile(rf"{before}{re.escape(marker)}(?!\w)")


def _leaks_in_pages(before: dict, after: dict) -> list[str]:
    return [
        f"{persona} sees {marker!r} {after[key]}× on {url} (was {before.get((persona, url.split('#')[0], marker), 0)})"
        for key in after
        for persona, url, marker in [key]
        if after[key] > before.get(key, 0)
    ]


def _leaks_in_messages(asker: User, markers: list[str], since_email: int, since_log: int, since_note: int) -> list:
    leaks = []
    for email in OutboundEmail.objects.filter(pk__gt=since_email).exclude(user=asker):
        text = " ".join([email.to, email.subject, email.body_text, email.body_html, str(email.headers)])
        leaks += [f"email {email.subject!r} to {email.to} holds {m!r}" for m in markers[:3] if m in text]
    for note in Notification.objects.filter(pk__gt=since_note).exclude(user=asker):
        leaks += [f"notification {note.title!r} holds {m!r}" for m in markers[:3] if m in f"{note.title} {note.body}"]
    for entry in ActivityLog.objects.filter(pk__gt=since_log):
        if entry.actor_id == asker.pk:
            leaks.append(f"activity log names the asker as actor: {entry.summary!r}")
        leaks += [f"activity log {entry.summary!r} holds {m!r}" for m in markers[:3] if m in entry.summary]
    for message in mail.outbox:
        if asker.email not in message.to:
            text = message.subject + message.body + str(message.extra_headers) + message.from_email
            leaks += [f"sent email {message.subject!r} holds {m!r}" for m in markers[:3] if m in text]
    return leaks


def _last(model) -> int:
    row = model.objects.order_by("-pk").first()
    return row.pk if row else 0


def _sweep(world: World, personas: dict, *, anonymous: bool) -> tuple[list[str], list[str], Posts]:
    asker = _asker(world.community)
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=personas[name], category=category, email=EmailMode.DAILY)
        for name in DAILY_READERS
        for category in Category.values
        if category not in DIGESTS and category not in ALWAYS_SENT
    )
    markers = _markers(asker)
    before = _counts(world, personas, markers, None)
    marks = _last(OutboundEmail), _last(ActivityLog), _last(Notification)
    posts = _post(world, personas, asker, anonymous=anonymous)
    after = _counts(world, personas, markers, posts)
    return _leaks_in_pages(before, after), _leaks_in_messages(asker, markers, *marks), posts


@pytest.mark.django_db
def test_it_shows_the_anonymous_asker_to_nobody(world, personas, as_user):
    pages, messages, posts = _sweep(world, personas, anonymous=True)
    assert pages == []
    assert messages == []
    # The asker still got everything: the advice, the discussion, and sees their own posts as theirs.
    titles = list(Notification.objects.filter(user=posts.asker).values_list("title", flat=True))
    assert any("advised on" in t for t in titles)
    assert any("replied in the discussion" in t for t in titles)
    page = as_user(posts.asker).get(posts.help_request.get_absolute_url())
    assert "You posted this anonymously" in page.content.decode()
    assert posts.asker.name in page.content.decode()
    assert "Reveal myself" in page.content.decode()
    facilitator_page = as_user(personas["facilitator"]).get(posts.help_request.get_absolute_url()).content.decode()
    assert "A member (anonymous)" in facilitator_page
    assert "Write to the asker" in facilitator_page


@pytest.mark.django_db
def test_it_finds_the_asker_when_the_same_posts_carry_their_name(world, personas):
    pages, messages, _posts = _sweep(world, personas, anonymous=False)
    assert any("facilitator sees 'Quinn Hiddenasker'" in leak and "/requests/" in leak for leak in pages)
    assert any("/learning/" in leak for leak in pages)
    assert any("email" in leak for leak in messages)
    assert any("notification" in leak for leak in messages)
    assert any("data download" in leak for leak in pages)  # the emails and notifications it holds name them
