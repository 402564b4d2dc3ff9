"""ACCOUNT_INACTIVE_DAYS: the daily sweep warns an unused account once, then anonymises it; sign-ins keep it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from communities.models import Category, Membership, Notification, OutboundEmail, Role, SecurityEvent, User
from communities.services.inactivity import _warn, _with_last_active, inactive_accounts_sweep
from communities.tasks import sweep_inactive_accounts
from practice.models import InboundEmail
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.practice.factories import HelpRequestFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _inactive_after_a_year(settings):
    settings.ACCOUNT_INACTIVE_DAYS = 365
    settings.ACCOUNT_INACTIVE_WARNING_DAYS = 30


def _person(community, *, role=Role.MEMBER, last_login=START) -> User:
    with time_machine.travel(START, tick=False):
        user = UserFactory()
        MembershipFactory(community=community, user=user, role=role)
    user.last_login = last_login
    user.save(update_fields=["last_login"])
    return user


def _sweep(days: float) -> dict[str, int]:
    with time_machine.travel(START + timedelta(days=days), tick=False):
        return sweep_inactive_accounts()


def _warnings(user: User):
    return OutboundEmail.objects.filter(user=user, category=Category.ACCOUNT, subject__contains="anonymised")


def test_it_warns_once_before_the_period_ends(community):
    user = _person(community)
    assert _sweep(334)["warned"] == 0  # 31 days before the year is up: not yet
    assert _sweep(336)["warned"] == 1
    assert _sweep(337)["warned"] == 0
    assert _warnings(user).count() == 1
    email = _warnings(user).get()
    assert "sign in" in email.body_text.lower() and "Former member" in email.body_text
    assert "List-Unsubscribe" not in email.headers  # an account email: always sent
    user.refresh_from_db()
    assert user.inactivity_warned_at == START + timedelta(days=336)


def test_it_anonymises_after_the_period_and_the_warning(community):
    user = _person(community)
    request = HelpRequestFactory(community=community, author=user, title="Kept after anonymising")
    _sweep(336)
    assert _sweep(365.5)["anonymised"] == 0  # the year is up, but the warning is not 30 days old
    user.refresh_from_db()
    assert user.is_active
    assert _sweep(366.5)["anonymised"] == 1
    user.refresh_from_db()
    assert not user.is_active and user.display_name == "Former member" and "erased.invalid" in user.email
    assert not Membership.objects.filter(user=user).exists()
    request.refresh_from_db()
    assert request.author_id == user.pk  # contributions kept, as "Former member"
    assert _sweep(367.5)["anonymised"] == 0  # already erased: left alone


def test_it_never_anonymises_without_a_warning_first(community, settings):
    user = _person(community)
    settings.ACCOUNT_INACTIVE_DAYS = None
    _sweep(400)
    settings.ACCOUNT_INACTIVE_DAYS = 365
    result = _sweep(401)  # long past the year, but warned only now
    assert result == {"warned": 1, "anonymised": 0, "kept": 0}
    assert _sweep(430)["anonymised"] == 0
    assert _sweep(431.5)["anonymised"] == 1
    user.refresh_from_db()
    assert not user.is_active


def test_signing_in_clears_the_warning(community):
    user = _person(community)
    _sweep(336)
    user.refresh_from_db()
    assert user.inactivity_warned_at is not None
    with time_machine.travel(START + timedelta(days=340), tick=False):
        response = Client().post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
    user.refresh_from_db()
    assert user.inactivity_warned_at is None and user.last_login == START + timedelta(days=340)
    assert _sweep(367)["anonymised"] == 0
    user.refresh_from_db()
    assert user.is_active


def test_an_email_reply_counts_as_activity(community):
    user = _person(community)
    InboundEmail.objects.create(message_id="<r1@example.org>", user=user, received_at=START + timedelta(days=300))
    assert _sweep(366)["warned"] == 0
    assert _sweep(636)["warned"] == 1  # a year after the reply, less the warning


def test_only_sponsor_and_staff_are_left_alone(community, settings):
    sponsor = _person(community, role=Role.SPONSOR)
    staff = _person(community)
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    admin = UserFactory(is_superuser=True, is_staff=True, last_login=START + timedelta(days=360))
    _sweep(336)
    assert _warnings(staff).count() == 0
    assert _sweep(367)["kept"] == 1
    assert _sweep(368)["kept"] == 1  # still kept, but said once
    sponsor.refresh_from_db()
    staff.refresh_from_db()
    assert sponsor.is_active and staff.is_active and staff.display_name != "Former member"
    events = SecurityEvent.objects.filter(user=sponsor, detail__contains=community.name)
    assert events.count() == 1
    told = Notification.objects.filter(user=admin, title__contains="only sponsor of")
    assert told.count() == 1 and community.name in told.get().title


def test_it_does_nothing_while_the_setting_is_unset(community, settings):
    settings.ACCOUNT_INACTIVE_DAYS = None
    user = _person(community)
    assert inactive_accounts_sweep(now=START + timedelta(days=1000)) == {"warned": 0, "anonymised": 0, "kept": 0}
    user.refresh_from_db()
    assert user.is_active and user.inactivity_warned_at is None
    assert not _warnings(user).exists()


def test_two_workers_that_both_read_the_account_warn_once(community):
    user = _person(community)
    now = START + timedelta(days=336)
    # Both workers read the account as not yet warned; the conditional update lets one of them send.
    first, second = (_with_last_active(User.objects.filter(pk=user.pk)).get() for _ in range(2))
    warning = timedelta(days=30)
    assert _warn(first, days=365, now=now, warning=warning) is True
    assert _warn(second, days=365, now=now, warning=warning) is False
    assert _warnings(user).count() == 1


def test_the_sweep_runs_daily_from_the_beat_schedule():
    from celery.schedules import crontab

    from childsys.celery import app

    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "communities.tasks.sweep_inactive_accounts"]
    assert len(entries) == 1 and isinstance(entries[0]["schedule"], crontab)
