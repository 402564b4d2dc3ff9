"""Factories of practice sessions: a scheduled case clinic a week from now by default."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from practice.models import PracticeSession, SessionRSVP
from tests.factories import CommunityFactory, UserFactory


def _start(_o):
    return (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)


class PracticeSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeSession

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Case clinic {n}")
    kind = PracticeSession.Kind.CASE_CLINIC
    starts_at = factory.LazyAttribute(_start)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    place = "Seminar room 2"
    until = factory.LazyAttribute(lambda o: o.ends_at)


class SessionRSVPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionRSVP

    session = factory.SubFactory(PracticeSessionFactory)
    user = factory.SubFactory(UserFactory)
    answer = SessionRSVP.Answer.GOING
