"""The practice demo data: a believable three months, consistent with who joined when."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from communities.demo import core
from communities.models import Membership, OutboundEmail, User
from practice import tasks
from practice.demo import requests as demo
from practice.models import Advice, AdviceResponse, DiscussionComment, HelpRequest, Kudos, Nudge
from practice.selectors import requests as selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    state = core.seed()
    demo.seed(state)
    return state


def test_it_tells_three_months_of_helping_each_other(seeded):
    requests = HelpRequest.objects.filter(community=seeded.community)
    assert 28 <= requests.count() <= 35
    oldest = requests.order_by("created_at").first().created_at
    assert seeded.now - oldest > timedelta(days=80)
    statuses = set(requests.values_list("status", flat=True))
    assert statuses == {"open", "answered", "resolved", "closed", "withdrawn"}
    now = seeded.now
    overdue = selectors.request_filter(requests, "overdue", user=seeded.users["member"], now=now)
    assert overdue.count() >= 3
    assert requests.filter(status="open", response_due_at__gt=now).exists()  # fresh, not yet due
    assert requests.filter(created_at__gt=now - timedelta(days=2)).count() >= 3
    assert requests.filter(first_response_at__gt=F("response_due_at")).exists()  # some late answers
    assert AdviceResponse.objects.filter(kind="discuss").count() >= 5
    assert DiscussionComment.objects.count() >= 10
    assert AdviceResponse.objects.filter(kind="try").count() >= 8
    assert AdviceResponse.objects.filter(kind="thanks").exists()
    assert Kudos.objects.count() >= 15
    assert requests.filter(urgency="urgent").exists()
    assert requests.filter(tags__isnull=True).count() == 0


def test_it_has_nobody_act_before_joining(seeded):
    joined = dict(Membership.objects.filter(community=seeded.community).values_list("user_id", "joined_at"))
    for hr in HelpRequest.objects.all():
        assert joined[hr.author_id] <= hr.created_at, hr.title
    for advice in Advice.objects.all():
        assert joined[advice.author_id] <= advice.created_at, advice.body
    for comment in DiscussionComment.objects.all():
        assert joined[comment.author_id] <= comment.created_at, comment.body
    for kudos in Kudos.objects.all():
        assert joined[kudos.user_id] <= kudos.created_at


def test_it_leaves_no_stale_nudges_or_emails_behind(seeded):
    assert not Nudge.objects.filter(state=Nudge.State.PENDING, due_at__lte=seeded.now).exists()
    assert Nudge.objects.filter(state=Nudge.State.PENDING).exists()  # the fresh requests' nudges are live
    pending = OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING, category__in=["requests", "advice"])
    assert not pending.exists()
    assert tasks.send_due_nudges() == 0


def test_it_is_idempotent(seeded):
    before = HelpRequest.objects.count(), Advice.objects.count(), Kudos.objects.count()
    demo.seed(core.seed(now=seeded.now))
    assert (HelpRequest.objects.count(), Advice.objects.count(), Kudos.objects.count()) == before


def test_it_gives_the_dashboard_something_to_show(seeded):
    health = selectors.practice_health(community=seeded.community, now=seeded.now)
    assert health.median_first_response is not None
    assert 0.5 < health.within_share < 1
    assert health.overdue >= 3
    assert health.agenda[0].tag.slug == "medication-safety"


def test_it_runs_from_the_seed_demo_command(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert HelpRequest.objects.filter(community__slug=core.SLUG).count() >= 28
    client.force_login(User.objects.get(email="member@demo.example"))
    response = client.get(reverse("practice:request-list", kwargs={"slug": core.SLUG}))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20


def test_the_demo_hospitals_record_numbers_are_stopped(seeded, client):
    client.force_login(User.objects.get(email="member@demo.example"))
    url = reverse("practice:request-new", kwargs={"slug": seeded.community.slug})
    data = {"title": "A fall on the night shift", "situation": "Patient PSN-204811 fell twice.", "urgency": "normal"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "This looks like a medical record number: <mark>PSN-204811</mark>" in response.content.decode()
    assert not HelpRequest.objects.filter(title="A fall on the night shift").exists()
