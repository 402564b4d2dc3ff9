"""factory_boy factories for captured learning (rows without the services' versions and notifications)."""

from __future__ import annotations

import factory
from django.utils import timezone

from practice.models import Artefact, NewcomerPathItem
from tests.factories import CommunityFactory


class ArtefactFactory(factory.django.DjangoModelFactory):
    """An insight by default; ``authors=[user]`` sets the authors, ``published=True`` publishes it."""

    class Meta:
        model = Artefact
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    kind = Artefact.Kind.INSIGHT
    title = factory.Sequence(lambda n: f"What we learned about handovers, part {n}")
    insight = "Handovers at the **bedside** catch more errors."
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)
    version = 1

    class Params:
        published = factory.Trait(
            status=Artefact.Status.PUBLISHED, published_at=factory.LazyAttribute(lambda o: o.created_at)
        )

    @factory.post_generation
    def authors(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.authors.set(extracted)

    @factory.post_generation
    def tags(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.tags.set(extracted)


class NewcomerPathItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewcomerPathItem

    artefact = factory.SubFactory(ArtefactFactory, published=True)
    community = factory.LazyAttribute(lambda o: o.artefact.community)
    position = factory.Sequence(lambda n: n)
