"""factory_boy factories mirroring the models."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from communities.models import Community, Membership, Role, Tag, User

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted is not False:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    domain = "Improving how we care for patients, together."
    visibility = Community.Visibility.PRIVATE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    joined_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=90))


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
