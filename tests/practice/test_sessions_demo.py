"""The demo's practice sessions: an upcoming case clinic with an agenda of two demo requests and RSVPs,
a past huddle with attendance and a published summary; seeding twice changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from communities.demo import core
from communities.models import Notification
from practice.demo import learning as demo_learning
from practice.demo import requests as demo
from practice.demo import sessions as demo_sessions
from practice.demo import value as demo_value
from practice.models import Advice, Artefact, PracticeSession, SessionAttendance, SessionRSVP
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    state = core.seed()
    demo.seed(state)
    demo_value.seed(state)
    demo_learning.seed(state)
    demo_sessions.seed(state)
    return state


def test_it_seeds_an_upcoming_case_clinic_and_a_past_huddle_with_its_summary(seeded):
    clinic = PracticeSession.objects.get(community=seeded.community, title=demo_sessions.CLINIC)
    assert clinic.kind == "case_clinic" and clinic.starts_at > seeded.now
    assert sorted(i.request.title for i in clinic.agenda.all()) == sorted(demo_sessions.AGENDA)
    assert clinic.rsvps.filter(answer=SessionRSVP.Answer.GOING).count() == 3
    huddle = PracticeSession.objects.get(community=seeded.community, title=demo_sessions.HUDDLE)
    assert huddle.ends_at < seeded.now
    assert SessionAttendance.objects.filter(session=huddle).count() == 5
    assert SessionAttendance.objects.filter(session=huddle, walk_in=True).count() == 2  # facilitator, Hugo
    assert huddle.summary.kind == Artefact.Kind.SUMMARY and huddle.summary.is_published
    newcomer = seeded.users["newcomer"]
    assert Notification.objects.filter(user=newcomer, title__startswith="You missed", read_at__isnull=True).exists()


def test_seeding_twice_changes_nothing(seeded):
    counts = (PracticeSession.objects.count(), SessionRSVP.objects.count(), Artefact.objects.count())
    demo_sessions.seed(seeded)
    assert (PracticeSession.objects.count(), SessionRSVP.objects.count(), Artefact.objects.count()) == counts


def test_the_demo_member_sees_both_on_the_sessions_page(seeded):
    client = client_for(seeded.users["member"])
    page = client.get(reverse("practice:session-list", kwargs={"slug": seeded.community.slug})).content.decode()
    assert "night-shift medication safety" in page and "handovers that do not lose results" in page


def test_the_huddle_carries_advice_from_the_session_on_hugos_request(seeded):
    huddle = PracticeSession.objects.get(community=seeded.community, title=demo_sessions.HUDDLE)
    advice = Advice.objects.get(session=huddle)
    assert advice.request.title == demo_sessions.HUDDLE_REQUEST
    assert advice.author == seeded.users["ayla.core"]
    assert huddle.agenda.filter(request=advice.request, status="accepted").exists()
    page = client_for(seeded.users["hugo"]).get(advice.request.get_absolute_url()).content.decode()
    assert f'from the session <a href="{huddle.get_absolute_url()}">{demo_sessions.HUDDLE}</a>' in page
    demo_sessions.seed(seeded)
    assert Advice.objects.filter(session=huddle).count() == 1
