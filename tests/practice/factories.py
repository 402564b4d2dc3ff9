"""factory_boy factories for the practice models (tests that need rows without the services' side effects)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from practice.models import Advice, AdviceResponse, DiscussionComment, HelpRequest, Kudos
from tests.factories import CommunityFactory, UserFactory


class HelpRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpRequest

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"How do we handle situation {n} on the ward?")
    situation = "On night shifts we **often** run into this."
    tried = "Asked the charge nurse."
    created_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyAttribute(lambda o: o.created_at)
    response_due_at = factory.LazyAttribute(
        lambda o: o.created_at + timedelta(hours=o.community.response_commitment_hours)
    )


class AdviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advice

    request = factory.SubFactory(HelpRequestFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Piece of advice {n}: try a *checklist*.")
    created_at = factory.LazyFunction(timezone.now)


class AdviceResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdviceResponse

    advice = factory.SubFactory(AdviceFactory)
    request = factory.LazyAttribute(lambda o: o.advice.request)
    author = factory.LazyAttribute(lambda o: o.advice.request.author)
    kind = AdviceResponse.Kind.TRY


class DiscussionCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscussionComment

    advice = factory.SubFactory(AdviceFactory)
    author = factory.SubFactory(UserFactory)
    body = "I see your point, but on our ward…"


class KudosFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kudos

    advice = factory.SubFactory(AdviceFactory)
    user = factory.SubFactory(UserFactory)
