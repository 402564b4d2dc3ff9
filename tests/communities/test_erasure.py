import pytest
from django.db import connection

from communities.models import Notification, User
from communities.services.erasure import account_erase
from tests.factories import MembershipFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema='public' "
            "AND data_type IN ('text','character varying','jsonb')"
        )
        parts = []
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT "{column}"::text FROM "{table}"')  # noqa: S608 - names from the catalogue
            parts.extend(str(v) for (v,) in cursor.fetchall())
        return "\n".join(parts)


def test_erase_leaves_no_trace_of_email_or_name():
    user = UserFactory(email="zelda.unique@example.org", display_name="Zelda Quintessa")
    MembershipFactory(user=user)
    NotificationFactory(user=user)
    account_erase(user=user)
    dump = _dump()
    assert "zelda.unique" not in dump
    assert "Zelda Quintessa" not in dump
    user.refresh_from_db()
    assert str(user) == "Former member" and not user.is_active
    assert not Notification.objects.filter(user=user).exists()
    assert User.objects.filter(pk=user.pk).exists()


def test_erase_rewrites_copies_told_to_others_and_leaves_ordinary_words():
    from communities.models import ActivityLog, OutboundEmail

    user = UserFactory(email="zelda.unique@example.org", display_name="Zelda Quintessa")
    other = UserFactory(email="member@example.org")
    membership = MembershipFactory(user=user)
    told = NotificationFactory(user=other, title="Zelda Quintessa asked for help", body="From a member: see her post")
    email = OutboundEmail.objects.create(
        user=other,
        to=other.email,
        subject="Zelda Quintessa asked for help",
        body_text="Zelda Quintessa (zelda.unique@example.org) asked …",
        message_id="<x.1@example.org>",
        context={"asker": "Zelda Quintessa"},
    )
    ActivityLog.objects.create(community=membership.community, actor=user, summary="Zelda Quintessa joined as member")
    account_erase(user=user)
    dump = _dump()
    assert "zelda.unique" not in dump and "Zelda Quintessa" not in dump
    told.refresh_from_db()
    email.refresh_from_db()
    assert told.title == "Former member asked for help" and told.body == "From a member: see her post"
    assert email.context == {"asker": "Former member"} and email.to == "member@example.org"
    assert ActivityLog.objects.get(actor=user).summary == "Former member joined as member"


def test_erase_keeps_rewritten_copies_within_their_columns():
    user = UserFactory(email="al@example.org", display_name="Al")
    told = NotificationFactory(user=UserFactory(), title=("Al " * 66).strip())  # 197 characters
    account_erase(user=user)
    told.refresh_from_db()
    assert len(told.title) == 200 and told.title.startswith("Former member Former member")
