"""factory_boy factories mirroring the models."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from communities.models import Community, Membership, Role, Tag, User
from communities.models.direction import (
    AppreciativeInquiry,
    InquiryContribution,
    Objective,
    PurposeVersion,
    ValueProposition,
    VisionDraft,
    VisionStance,
)
from communities.models.members import hash_token

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


# --- Direction (purpose, vision, inquiry, objectives, value proposition) ------------------


class PurposeVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurposeVersion

    community = factory.SubFactory(CommunityFactory)
    text = "We exist to make care safer by learning from each other."
    author = factory.SubFactory(UserFactory)


class VisionDraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisionDraft

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Vision draft {n}")
    text = "Every ward learns from every other ward."
    author = factory.SubFactory(UserFactory)
    status = VisionDraft.Status.OPEN


class VisionStanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisionStance

    draft = factory.SubFactory(VisionDraftFactory)
    user = factory.SubFactory(UserFactory)
    stance = VisionStance.Stance.SUPPORT


class InquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppreciativeInquiry

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Inquiry {n}")
    opened_by = factory.SubFactory(UserFactory)


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InquiryContribution

    inquiry = factory.SubFactory(InquiryFactory)
    author = factory.SubFactory(UserFactory)
    phase = "discover"
    text = factory.Sequence(lambda n: f"A story of us at our best, number {n}.")


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")
    measure = "median hours to first response"
    target = "under 24"
    owner = factory.SubFactory(UserFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(days=60))
    position = factory.Sequence(lambda n: n)


class ValuePropositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ValueProposition

    community = factory.SubFactory(CommunityFactory)
    for_whom = "Ward teams and the patients in their care."
    problem = "Safety lessons stay on the ward where they were learned."
    value = "Fewer repeated incidents; faster answers for staff."
    proof = "Falls on two pilot wards fell by a third."


# --- Members, vibrancy and notifications (rows without the services' side effects) ----------


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communities.JoinRequest"

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    message = "I run the medication rounds on ward 4 and would like to learn with you."


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation whose link token is ``token`` (only its digest is stored, as in the service)."""

    class Meta:
        model = "communities.Invitation"
        exclude = ["token"]

    community = factory.SubFactory(CommunityFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    token = factory.Sequence(lambda n: f"invitation-token-{n}-0123456789abcdef")
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=14))


class VibrancyRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communities.VibrancyRound"

    community = factory.SubFactory(CommunityFactory)
    opened_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communities.Notification"

    user = factory.SubFactory(UserFactory)
    category = "requests"
    title = factory.Sequence(lambda n: f"Something happened, number {n}")
    url = "/notifications/"
