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
