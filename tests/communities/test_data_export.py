"""`/me/data/`: asking for a download, the worker's zip (every row of the person's, nobody else's, no
secrets), the emailed link, the owner-only download, expiry and erasure."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities import tasks
from communities.models import (
    Category,
    DataExport,
    Membership,
    NotificationPreference,
    OutboundEmail,
    SecurityEvent,
    User,
    VibrancyScore,
)
from communities.personal_data import REGISTRY, Erase
from communities.services import data_export, erasure
from tests.communities.vibrancy_helpers import dimensions, make_round
from tests.conftest import client_for
from tests.factories import PASSWORD, MembershipFactory, NotificationFactory, TagFactory
from tests.practice.factories import AdviceFactory, DiscussionCommentFactory, HelpRequestFactory, KudosFactory
from tests.practice.factories_sessions import PracticeSessionFactory, SessionRSVPFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("communities:data-export")
NOW = timezone.now()
TOTP_SECRET = "JBSWY3DPEHPK3PXPSECRETSEED"


def _signed_in(user: User) -> Client:
    """A client that has just confirmed its password on allauth's re-authentication page."""
    client = client_for(user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def _seed(user: User, community, *, other: User) -> dict[str, set[int]]:
    """Rows of ``user`` in many holdings (with someone else's in between); the ids by the holding's ``what``."""
    from practice.models import Outcome

    dims = dimensions()
    tag = TagFactory(community=community)
    membership = Membership.objects.get(user=user, community=community)
    membership.expertise.add(tag)
    request = HelpRequestFactory(community=community, author=user, title="Night <script>alert(1)</script> handover")
    request.tags.add(tag)
    others_request = HelpRequestFactory(community=community, author=other)
    advice = AdviceFactory(request=others_request, author=user)
    comment = DiscussionCommentFactory(advice=advice, author=user)
    outcome = Outcome.objects.create(request=request, community=community, author=user, result="resolved")
    round_ = make_round(community, closed=True)
    score = VibrancyScore.objects.create(round=round_, dimension=dims["voice"], user=user, now=2, should_be=9)
    notification = NotificationFactory(user=user, community=community)
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, category=Category.ADVICE, defaults={"email": "daily"}
    )
    rsvp = SessionRSVPFactory(session=PracticeSessionFactory(community=community), user=user)
    kudos = KudosFactory(advice=AdviceFactory(request=request, author=other), user=user)
    event = SecurityEvent.objects.create(user=user, kind=SecurityEvent.Kind.PASSWORD_CHANGED)
    totp, _ = Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": TOTP_SECRET}}
    )
    return {
        "Memberships, roles and expertise": {membership.pk},
        "Help requests you asked": {request.pk},
        "Advice you gave": {advice.pk},
        "Discussion comments": {comment.pk},
        "Outcomes you reported": {outcome.pk},
        "Vibrancy scores you gave (kept only as anonymous counts)": {score.pk},
        "Your notifications": {notification.pk},
        "Your notification preferences": {preference.pk},
        "Your RSVPs": {rsvp.pk},
        "Kudos you gave": {kudos.pk},
        "Your security log": {event.pk},
        "Authenticator apps, passkeys and recovery codes": {totp.pk},
        "Your email addresses": set(user.emailaddress_set.values_list("pk", flat=True)),
    }


def _unzip(content: bytes) -> tuple[dict, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == ["data.json", "index.html"]
        return json.loads(archive.read("data.json")), archive.read("index.html").decode()


def _ids(data: dict, what: str) -> set[int]:
    return {row["id"] for row in data["holdings"][what]["rows"]}


def test_it_builds_a_zip_with_every_row_of_the_person_under_its_holding(community, member, core, facilitator):
    expected = _seed(member, community, other=core)
    _seed(core, community, other=facilitator)  # the same kinds of rows, someone else's

    data, page = _unzip(data_export.export_zip(user=member, now=NOW))

    assert set(data["holdings"]) == {h.what for h in REGISTRY}
    for what, ids in expected.items():
        assert _ids(data, what) == ids, what
    assert data["account"]["email"] == member.email and data["account"]["display_name"] == member.display_name
    assert "inactivity_warned_at" in data["account"] and "last_login" in data["account"]
    holding = data["holdings"]["Memberships, roles and expertise"]
    row = holding["rows"][0]
    assert (holding["model"], holding["field"]) == ("communities.Membership", "user")
    assert row["community"] == community.pk and row["community_label"] == community.name
    assert row["expertise"] == list(Membership.objects.get(pk=row["id"]).expertise.values_list("pk", flat=True))
    assert "Night &lt;script&gt;alert(1)&lt;/script&gt; handover" in page and "<script>" not in page
    assert "Your data from the CHILD portal" in page and member.email in page


def test_it_holds_the_vibrancy_scores_the_portal_never_shows(community, member, core):
    _seed(member, community, other=core)
    data, page = _unzip(data_export.export_zip(user=member, now=NOW))
    [score] = data["holdings"]["Vibrancy scores you gave (kept only as anonymous counts)"]["rows"]
    assert (score["now"], score["should_be"], score["dimension_label"]) == (2, 9, dimensions()["voice"].name)
    assert "Vibrancy scores you gave" in page


def test_it_leaves_out_other_peoples_rows(community, member, core, facilitator):
    _seed(member, community, other=facilitator)
    theirs = _seed(core, community, other=facilitator)
    data, _ = _unzip(data_export.export_zip(user=member, now=NOW))
    for what, ids in theirs.items():
        assert not _ids(data, what) & ids, what
    assert core.email not in json.dumps(data["account"])


def test_it_leaves_out_secrets(community, member, core):
    _seed(member, community, other=core)
    content = data_export.export_zip(user=member, now=NOW)
    data, page = _unzip(content)
    password_hash = User.objects.get(pk=member.pk).password
    text = json.dumps(data) + page
    assert password_hash and password_hash not in text and "password" not in data["account"]
    assert TOTP_SECRET not in text
    [totp] = data["holdings"]["Authenticator apps, passkeys and recovery codes"]["rows"]
    assert totp["type"] == "totp" and "data" not in totp


def test_asking_twice_gives_the_one_pending_download(member):
    client = client_for(member)
    first = client.post(PAGE)
    assert first.status_code == 302 and first["Location"] == PAGE
    client.post(PAGE)
    [export] = DataExport.objects.filter(user=member)
    assert export.status == DataExport.Status.PENDING and export.expires_at > timezone.now()
    body = client.get(PAGE).content.decode()
    assert "being prepared" in body and "Prepare my download" not in body


def test_a_double_click_with_one_token_asks_once(member):
    client = client_for(member)
    token = client.get(PAGE).context["form"]["submit_token"].value()
    client.post(PAGE, {"submit_token": token})
    client.post(PAGE, {"submit_token": token})
    assert DataExport.objects.filter(user=member).count() == 1


def test_the_worker_builds_it_and_emails_the_link(member):
    client_for(member).post(PAGE)
    assert tasks.build_data_exports() == 1
    export = DataExport.objects.get(user=member)
    assert export.status == DataExport.Status.READY and export.size == len(export.content) > 0
    assert export.expires_at == export.ready_at + timedelta(days=settings.DATA_EXPORT_DAYS)
    _unzip(bytes(export.content))
    link = "http://testserver" + reverse("communities:data-export-download", kwargs={"token": export.token})
    [email] = OutboundEmail.objects.filter(user=member)
    assert email.to == member.email and email.category == Category.ACCOUNT
    assert "download is ready" in email.subject and link in email.body_text and link in email.body_html
    assert "List-Unsubscribe" not in email.headers  # always sent: the person asked for it
    assert tasks.build_data_exports() == 0  # idempotent: nothing pending, no second email
    assert OutboundEmail.objects.filter(user=member).count() == 1
    body = client_for(member).get(PAGE).content.decode()
    assert reverse("communities:data-export-download", kwargs={"token": export.token}) in body
    assert "Prepare my download" in body  # another may be asked for


def test_a_failed_build_is_marked_and_can_be_asked_again(member, monkeypatch):
    client_for(member).post(PAGE)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(data_export, "export_zip", broken)
    assert tasks.build_data_exports() == 0
    assert DataExport.objects.get(user=member).status == DataExport.Status.FAILED
    assert not OutboundEmail.objects.filter(user=member).exists()
    assert "could not be prepared" in client_for(member).get(PAGE).content.decode()
    client_for(member).post(PAGE)
    assert DataExport.objects.filter(user=member, status=DataExport.Status.PENDING).count() == 1


def _ready(user: User, **fields) -> DataExport:
    export = data_export.data_export_request(user=user)
    data_export.data_export_build(export_id=export.pk, **fields)
    return DataExport.objects.get(pk=export.pk)


def test_the_owner_downloads_it_after_confirming_the_sign_in(member):
    export = _ready(member)
    url = reverse("communities:data-export-download", kwargs={"token": export.token})
    asked = client_for(member).get(url)
    assert asked.status_code == 302 and reverse("account_reauthenticate") in asked["Location"]
    response = _signed_in(member).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{export.filename}"'
    data, _ = _unzip(response.content)
    assert data["account"]["id"] == member.pk


def test_anyone_else_gets_404_for_the_download(member, core, outsider):
    url = reverse("communities:data-export-download", kwargs={"token": _ready(member).token})
    for someone in (core, outsider):
        assert _signed_in(someone).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to log in


def test_a_download_past_its_days_is_gone_and_the_beat_task_deletes_it(member, core):
    old = _ready(member, now=NOW - timedelta(days=settings.DATA_EXPORT_DAYS, minutes=1))
    fresh = _ready(core)
    stale_pending = DataExport.objects.create(user=member, created_at=NOW - timedelta(days=30), expires_at=NOW)
    url = reverse("communities:data-export-download", kwargs={"token": old.token})
    assert _signed_in(member).get(url).status_code == 404
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False):
        assert tasks.delete_expired_data_exports() == 2
    assert list(DataExport.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not DataExport.objects.filter(pk=stale_pending.pk).exists()


def test_the_beat_schedule_builds_and_expires_downloads():
    from childsys.celery import app

    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"communities.tasks.build_data_exports", "communities.tasks.delete_expired_data_exports"} <= tasks_scheduled


def test_erasing_the_account_deletes_its_downloads(member, core):
    _ready(member)
    data_export.data_export_request(user=member)
    kept = _ready(core)
    erasure.account_erase(user=member)
    assert not DataExport.objects.filter(user=member).exists()
    assert list(DataExport.objects.values_list("pk", flat=True)) == [kept.pk]
    holding = next(h for h in REGISTRY if h.model == "communities.DataExport")
    assert holding.erase is Erase.DELETE and holding.what == "Your data downloads"


def test_building_takes_as_many_queries_whatever_the_rows(community, member, core):
    _seed(member, community, other=core)
    with CaptureQueriesContext(connection) as few:
        data_export.personal_data(user=member, now=NOW)
    for _ in range(5):
        _seed(member, community, other=core)
        MembershipFactory(user=member)
    with CaptureQueriesContext(connection) as many:
        data = data_export.personal_data(user=member, now=NOW)
    assert len(data["holdings"]["Help requests you asked"]["rows"]) == 6
    assert len(many) == len(few)
    # One per holding, one per many-to-many field of a holding with rows, one per labelled model, the account.
    m2m = sum(len(apps.get_model(h.model)._meta.many_to_many) for h in REGISTRY)
    assert len(many) <= len(REGISTRY) + m2m + len(data_export.LABELS) + 1


def test_the_page_says_what_is_in_it_and_lists_only_my_downloads(member, core, django_assert_max_num_queries):
    mine, theirs = _ready(member), _ready(core)
    client = client_for(member)
    with django_assert_max_num_queries(12):
        body = client.get(PAGE).content.decode()
    assert "Vibrancy scores you gave" in body and "Your notifications" in body
    assert str(mine.token) in body and str(theirs.token) not in body
    assert reverse("communities:data-export") in client.get(reverse("communities:index")).content.decode()


def test_a_form_sent_again_after_its_download_expired_is_answered(member):
    client = client_for(member)
    token = client.get(PAGE).context["form"]["submit_token"].value()
    client.post(PAGE, {"submit_token": token})
    DataExport.objects.filter(user=member).delete()  # expired and swept
    response = client.post(PAGE, {"submit_token": token})
    assert response.status_code == 302 and not DataExport.objects.filter(user=member).exists()


def test_it_never_names_another_person_behind_a_row(community, member, facilitator, core):
    """A facilitator who hid an anonymous request does not learn its author; co-authors are not listed."""
    from tests.practice.factories_learning import ArtefactFactory

    hidden = HelpRequestFactory(community=community, author=member, anonymous=True, hidden_by=facilitator)
    ArtefactFactory(community=community, authors=[facilitator, core], created_by=core)
    data, _ = _unzip(data_export.export_zip(user=facilitator, now=NOW))
    [row] = data["holdings"]["Help requests you hid"]["rows"]
    assert row["id"] == hidden.pk and row["hidden_by"] == facilitator.pk
    assert row["author"] == data_export.SOMEONE_ELSE
    [artefact] = data["holdings"]["Artefacts you co-authored"]["rows"]
    assert artefact["authors"] == [facilitator.pk] and artefact["created_by"] == data_export.SOMEONE_ELSE


def test_a_site_admin_prepares_a_download_for_a_member_who_asked_outside_the_portal(member, site_admin):
    site_admin.is_staff = site_admin.is_superuser = True
    site_admin.save(update_fields=["is_staff", "is_superuser"])
    admin = client_for(site_admin)
    response = admin.post(
        reverse("admin:communities_user_changelist"),
        {"action": "prepare_data_download", "_selected_action": [member.pk]},
        follow=True,
    )
    assert "Preparing 1 data download(s)" in response.content.decode()
    export = DataExport.objects.get(user=member, status=DataExport.Status.PENDING)
    assert tasks.build_data_exports() == 1
    assert OutboundEmail.objects.filter(user=member, subject__icontains="download").exists()
    listing = admin.get(reverse("admin:communities_dataexport_changelist")).content.decode()
    assert member.email in listing and "Ready" in listing
    assert admin.get(reverse("admin:communities_dataexport_change", args=[export.pk])).status_code == 200
    assert admin.get(reverse("admin:communities_dataexport_add")).status_code == 403
