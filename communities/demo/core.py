"""The demo accounts and the demo community with its members."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from communities.models import Community, Membership, Notification, OutboundEmail, Role, Tag, User

PASSWORD = "child-demo-pass"  # noqa: S105 - the documented demo password
SLUG = "patient-safety"

# (email, display name, role or None for "not a member", days since joining)
ACCOUNTS: list[tuple[str, str, str | None, int]] = [
    ("sponsor@demo.example", "Dr. Sara Visser (sponsor)", Role.SPONSOR, 120),
    ("facilitator@demo.example", "Femke de Boer (facilitator)", Role.FACILITATOR, 118),
    ("member@demo.example", "Mo Haddad (member)", Role.MEMBER, 100),
    ("newcomer@demo.example", "Noor Janssen (newcomer)", Role.MEMBER, 6),
    ("outsider@demo.example", "Otto Bakker (outsider)", None, 0),
]
# A dozen more members, so the dashboards have enough raters to show distributions.
COLLEAGUES: list[tuple[str, str, str, int, list[str]]] = [
    ("ayla.core@demo.example", "Ayla Demir", Role.CORE, 115, ["medication-safety", "handover"]),
    ("bram.core@demo.example", "Bram Smit", Role.CORE, 110, ["falls-prevention"]),
    ("chen@demo.example", "Chen Li", Role.MEMBER, 95, ["sepsis", "deteriorating-patient"]),
    ("daan@demo.example", "Daan Mulder", Role.MEMBER, 90, ["handover"]),
    ("esra@demo.example", "Esra Yilmaz", Role.MEMBER, 85, ["medication-safety"]),
    ("finn@demo.example", "Finn de Vries", Role.MEMBER, 80, ["pressure-injuries"]),
    ("gwen@demo.example", "Gwen Peters", Role.MEMBER, 70, ["falls-prevention", "dementia-care"]),
    ("hugo@demo.example", "Hugo Meijer", Role.MEMBER, 60, ["deteriorating-patient"]),
    ("iris@demo.example", "Iris Bos", Role.MEMBER, 50, ["incident-review"]),
    ("jai@demo.example", "Jai Kapoor", Role.MEMBER, 40, ["sepsis"]),
    ("kim@demo.example", "Kim Vos", Role.MEMBER, 20, ["handover"]),
    ("lotte@demo.example", "Lotte Dekker", Role.MEMBER, 12, ["dementia-care"]),
]
TAGS = [
    "medication-safety",
    "handover",
    "falls-prevention",
    "sepsis",
    "deteriorating-patient",
    "pressure-injuries",
    "dementia-care",
    "incident-review",
]


@dataclass
class Demo:
    community: Community
    users: dict[str, User]
    now: datetime

    def user(self, email_prefix: str) -> User:
        return self.users[email_prefix]


def _account(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def seed(now: datetime | None = None) -> Demo:
    now = now or timezone.now()
    community, _ = Community.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Patient Safety Practice Network",
            "domain": (
                "Ward nurses, pharmacists, physicians and educators who make care safer together: "
                "medication safety, handovers, falls, sepsis and learning from incidents."
            ),
            "visibility": Community.Visibility.PRIVATE,
            "stage": Community.Stage.COALESCING,
            "time_zone": "Europe/Amsterdam",
            # The demo hospital's own record numbers ("PSN-123456"): posts holding one are stopped.
            "mrn_patterns": r"\bPSN-\d{6}\b",
            "created_at": now - timedelta(days=121),
        },
    )
    tags = {}
    for name in TAGS:
        tags[name], _ = Tag.objects.get_or_create(
            community=community, slug=name, defaults={"name": name.replace("-", " ")}
        )
    users: dict[str, User] = {}
    for email, name, role, days in ACCOUNTS:
        user = _account(email, name)
        users[email.split("@")[0]] = user
        if role is not None:
            Membership.objects.get_or_create(
                community=community, user=user, defaults={"role": role, "joined_at": now - timedelta(days=days)}
            )
    for email, name, role, days, expertise in COLLEAGUES:
        user = _account(email, name)
        users[email.split("@")[0]] = user
        membership, created = Membership.objects.get_or_create(
            community=community, user=user, defaults={"role": role, "joined_at": now - timedelta(days=days)}
        )
        if created:
            membership.expertise.set([tags[t] for t in expertise])
    member = Membership.objects.get(community=community, user=users["member"])
    if not member.expertise.exists():
        member.expertise.set([tags["medication-safety"], tags["sepsis"]])
    # A second, open community so the start page has something to join.
    open_community, created = Community.objects.get_or_create(
        slug="simulation-educators",
        defaults={
            "name": "Simulation Educators Circle",
            "domain": "Educators who design and debrief clinical simulation scenarios.",
            "visibility": Community.Visibility.OPEN,
            "stage": Community.Stage.POTENTIAL,
            "time_zone": "Europe/Amsterdam",
            "created_at": now - timedelta(days=30),
        },
    )
    if created:
        Membership.objects.create(
            community=open_community, user=users["facilitator"], role=Role.SPONSOR, joined_at=now - timedelta(days=30)
        )
    return Demo(community=community, users=users, now=now)


@contextmanager
def quietly(*, keep_notifications: bool = False) -> Iterator[None]:
    """Services called inside write history: the emails they queue are dropped (old news is not mailed),
    and so are their in-app notifications unless ``keep_notifications``."""
    last_email = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield
    OutboundEmail.objects.filter(pk__gt=last_email).delete()
    if not keep_notifications:
        Notification.objects.filter(pk__gt=last_notification).delete()
