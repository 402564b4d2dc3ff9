"""`/me/delete/`: re-authentication, the last-sponsor rule, erasure, and the community's pages afterwards."""

import pytest
from django.test import Client
from django.urls import reverse

from communities.models import Membership, Role, User
from tests.conftest import client_for
from tests.factories import PASSWORD, MembershipFactory
from tests.practice.factories import AdviceFactory, HelpRequestFactory

pytestmark = pytest.mark.django_db

URL = reverse("communities:account-delete")


def _signed_in(user: User) -> Client:
    """A client that has just confirmed its password on allauth's re-authentication page."""
    client = client_for(user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def test_page_lists_what_goes_and_what_stays(member):
    response = client_for(member).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your notifications" in body and "Help requests you asked" in body
    assert "Type &quot;delete&quot; to confirm" in body


def test_delete_without_a_recent_sign_in_asks_to_reauthenticate_first(member):
    response = client_for(member).post(URL, {"confirm": "delete"})  # force_login: no authentication recorded
    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response["Location"]
    member.refresh_from_db()
    assert member.is_active and member.email != "" and "erased.invalid" not in member.email


def test_wrong_confirmation_word_keeps_the_account_and_says_why(member):
    client = _signed_in(member)
    response = client.post(URL, {"confirm": "yes please"})
    assert response.status_code == 400
    assert "Type the word" in response.content.decode()
    assert 'value="yes please"' in response.content.decode()
    member.refresh_from_db()
    assert member.is_active


def test_only_sponsor_must_hand_over_first(community, sponsor):
    client = _signed_in(sponsor)
    body = client.get(URL).content.decode()
    assert "You are the only sponsor of" in body and community.name in body
    response = client.post(URL, {"confirm": "delete"})
    sponsor.refresh_from_db()
    assert sponsor.is_active and Membership.objects.filter(user=sponsor, role=Role.SPONSOR).exists()
    assert response.status_code == 200


def test_a_second_sponsor_lets_the_first_go(community, sponsor):
    MembershipFactory(community=community, role=Role.SPONSOR)
    client = _signed_in(sponsor)
    response = client.post(URL, {"confirm": "delete"})
    assert response.status_code == 302
    sponsor.refresh_from_db()
    assert not sponsor.is_active


def test_deleted_member_signed_out_and_shown_as_former_member(community, member, facilitator):
    member.display_name = "Quentin Marlowe"
    member.save(update_fields=["display_name"])
    email, name = member.email, member.display_name
    request = HelpRequestFactory(community=community, author=member, title="Handover at night")
    AdviceFactory(request=request, author=facilitator)
    client = _signed_in(member)
    response = client.post(URL, {"confirm": "delete"})
    assert response.status_code == 302 and response["Location"] == reverse("communities:index")
    assert client.get(reverse("communities:security-log")).status_code == 302  # signed out
    member.refresh_from_db()
    assert not member.is_active and member.email != email
    assert not Membership.objects.filter(user=member).exists()
    assert Client().post(reverse("account_login"), {"login": email, "password": PASSWORD}).status_code != 302
    page = client_for(facilitator).get(reverse("practice:request-detail", args=[community.slug, request.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Handover at night" in body and "Former member" in body and name not in body


def test_site_admin_erases_an_account_from_the_admin(site_admin, member, community, sponsor):
    site_admin.is_staff = site_admin.is_superuser = True
    site_admin.save(update_fields=["is_staff", "is_superuser"])
    client = client_for(site_admin)
    changelist = reverse("admin:communities_user_changelist")
    response = client.post(
        changelist, {"action": "erase_personal_data", "_selected_action": [member.pk, sponsor.pk]}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Erased the personal data of 1 account(s)." in body and "only sponsor of" in body
    member.refresh_from_db()
    sponsor.refresh_from_db()
    assert member.display_name == "Former member" and not member.is_active
    assert sponsor.is_active
