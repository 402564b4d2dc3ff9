"""Deleting an account and also removing what the member wrote where nobody else's posts depend on it."""

import pytest
from django.urls import reverse

from communities.models import Notification, OutboundEmail, VisionComment, VisionDraft
from communities.services import direction
from communities.services.erasure import account_delete, contributions_removal_plan
from practice.models import Advice, Artefact, DiscussionComment, HelpRequest
from practice.services import learning
from practice.services import requests as services
from tests.communities.test_account_delete import URL, _signed_in
from tests.communities.test_erasure import _dump
from tests.conftest import client_for
from tests.factories import NotificationFactory, VisionDraftFactory, VisionStanceFactory
from tests.practice.factories import KudosFactory

pytestmark = pytest.mark.django_db


def _counts(user) -> dict[str, tuple[int, int]]:
    return {c.what: (c.removed, c.kept) for c in contributions_removal_plan(user=user)}


def _posts(community, member, facilitator, core):
    """The member's posts: some that others' posts depend on, some that nobody else's do."""
    lonely = services.help_request_create(
        community=community, author=member, title="Lonely night handover", situation="Nobody answered this one."
    )
    answered = services.help_request_create(
        community=community, author=member, title="Answered ward rounds", situation="Others advised on this."
    )
    services.advice_create(help_request=answered, author=facilitator, body="Try a checklist at the door.")
    theirs = services.help_request_create(
        community=community, author=facilitator, title="Facilitator's question", situation="How do you hand over?"
    )
    unanswered_advice = services.advice_create(
        help_request=theirs, author=member, body="Zanzibar marmalade technique for handovers."
    )
    kudosed = services.advice_create(help_request=theirs, author=member, body="Quiet corner for the briefing.")
    KudosFactory(advice=kudosed, user=core)
    core_advice = services.advice_create(help_request=theirs, author=core, body="Use the whiteboard.")
    services.advice_respond(advice=core_advice, author=facilitator, kind="discuss", note="Not sure about that.")
    replied = services.comment_create(advice=core_advice, author=member, body="Whiteboards get wiped overnight.")
    services.comment_create(advice=core_advice, author=core, body="Photograph it first.")
    last_word = services.comment_create(advice=core_advice, author=member, body="Quokka photographs then, agreed.")
    return {
        "lonely": lonely,
        "answered": answered,
        "unanswered_advice": unanswered_advice,
        "kudosed": kudosed,
        "replied": replied,
        "last_word": last_word,
    }


def test_plan_counts_what_would_go_and_what_stays(community, member, facilitator, core):
    _posts(community, member, facilitator, core)
    draft = VisionDraftFactory(community=community, author=member, title="Wards learning together")
    VisionStanceFactory(draft=draft, user=core)
    VisionDraftFactory(community=community, author=member, title="Solo draft nobody read")
    counts = _counts(member)
    assert counts["Help requests"] == (1, 1)
    assert counts["Advice"] == (1, 1)
    assert counts["Discussion comments"] == (1, 1)
    assert counts["Vision drafts"] == (1, 1)
    assert counts["Captured learning (artefacts)"] == (0, 0)


def test_page_shows_the_choice_and_the_counts(community, member, facilitator, core):
    _posts(community, member, facilitator, core)
    body = client_for(member).get(URL).content.decode()
    assert "Keep what I wrote, as Former member" in body
    assert "Also remove what I wrote where nobody else&#x27;s posts depend on it" in body
    keep = body.split('value="keep"')[1].split(">")[0]
    remove = body.split('value="remove"')[1].split(">")[0]
    assert "checked" in keep and "checked" not in remove  # keeping is the default
    row = body.split("<td>Help requests</td>")[1].split("</tr>")[0]
    assert '<td class="text-end">1</td><td class="text-end">1</td>' in row
    assert "someone else advised or commented" in row


def test_remove_deletes_what_nobody_depends_on_and_keeps_the_rest(community, member, facilitator, core):
    posts = _posts(community, member, facilitator, core)
    account_delete(user=member, remove_contributions=True)
    assert not HelpRequest.objects.filter(pk=posts["lonely"].pk).exists()
    assert not Advice.objects.filter(pk=posts["unanswered_advice"].pk).exists()
    theirs = HelpRequest.objects.get(pk=posts["unanswered_advice"].request_id)
    assert theirs.status == HelpRequest.Status.ANSWERED  # the core member's advice is still there
    assert not DiscussionComment.objects.filter(pk=posts["last_word"].pk).exists()
    # Kept because others' posts depend on them: advice on it, kudos, a reply after it.
    kept = HelpRequest.objects.get(pk=posts["answered"].pk)
    assert kept.author == member  # the erased account, shown as "Former member"
    assert Advice.objects.filter(pk=posts["kudosed"].pk).exists()
    assert DiscussionComment.objects.filter(pk=posts["replied"].pk).exists()
    member.refresh_from_db()
    assert member.display_name == "Former member" and not member.is_active


def test_keep_is_the_default_and_removes_nothing(community, member, facilitator, core):
    posts = _posts(community, member, facilitator, core)
    client = _signed_in(member)
    response = client.post(URL, {"confirm": "delete"})
    assert response.status_code == 302
    assert HelpRequest.objects.filter(pk=posts["lonely"].pk).exists()
    assert Advice.objects.filter(pk=posts["unanswered_advice"].pk).exists()


def test_removed_posts_text_is_gone_from_every_copy(community, member, facilitator, core):
    posts = _posts(community, member, facilitator, core)
    theirs = posts["unanswered_advice"].request
    advice_link = f"{theirs.get_absolute_url()}#advice-{posts['unanswered_advice'].pk}"
    # The facilitator was told about the advice, in the inbox and by email.
    assert Notification.objects.filter(user=facilitator, url=advice_link).exists()
    assert OutboundEmail.objects.filter(body_text__contains="Zanzibar marmalade").exists()
    assert "Zanzibar marmalade" in _dump() and "Quokka photographs" in _dump()
    client = _signed_in(member)
    response = client.post(URL, {"confirm": "delete", "contributions": "remove"})
    assert response.status_code == 302
    dump = _dump()
    assert "Zanzibar marmalade" not in dump
    assert "Quokka photographs" not in dump
    assert "Lonely night handover" not in dump and "Nobody answered this one." not in dump
    assert not Notification.objects.filter(url=advice_link).exists()
    # What stays is still there, and so are the notifications about it.
    assert "Quiet corner for the briefing." in dump and "Whiteboards get wiped overnight." in dump
    assert Notification.objects.filter(user=member, url__contains=f"#advice-{posts['kudosed'].pk}").count() == 0
    assert Notification.objects.filter(user=core).exists()


def test_community_pages_render_after_removal(community, member, facilitator, core):
    posts = _posts(community, member, facilitator, core)
    account_delete(user=member, remove_contributions=True)
    client = client_for(facilitator)
    for url in (
        reverse("communities:home", args=[community.slug]),
        reverse("communities:dashboard", args=[community.slug]),
        reverse("practice:request-list", args=[community.slug]),
        reverse("practice:request-detail", args=[community.slug, posts["answered"].pk]),
        reverse("practice:request-detail", args=[community.slug, posts["unanswered_advice"].request_id]),
        reverse("practice:learning", args=[community.slug]),
        reverse("communities:direction", args=[community.slug]),
        reverse("communities:notifications"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("practice:request-detail", args=[community.slug, posts["answered"].pk]))
    assert "Former member" in page.content.decode()


def test_artefacts_with_other_authors_stay_and_solo_ones_go(community, member, facilitator):
    solo = learning.artefact_create(
        community=community, author=member, kind="insight", title="Ocelot insight", fields={"insight": "Alone."}
    )
    shared = learning.artefact_create(
        community=community, author=member, kind="insight", title="Shared insight", fields={"insight": "Together."}
    )
    learning.artefact_edit(artefact=shared, editor=facilitator, title="Shared insight", fields={"insight": "More."})
    assert _counts(member)["Captured learning (artefacts)"] == (1, 1)
    account_delete(user=member, remove_contributions=True)
    assert not Artefact.objects.filter(pk=solo.pk).exists()
    assert Artefact.objects.filter(pk=shared.pk).exists()
    assert "Ocelot insight" not in _dump()


def test_vision_drafts_with_others_stances_or_comments_stay(community, member, core):
    lonely = VisionDraftFactory(community=community, author=member, title="Pangolin vision")
    commented = VisionDraftFactory(community=community, author=member, title="Commented vision")
    mine_first = direction.vision_comment_add(draft=commented, author=member, text="My own first thought here.")
    direction.vision_comment_add(draft=commented, author=core, text="A reply from core.")
    last = direction.vision_comment_add(draft=commented, author=member, text="Armadillo closing remark.")
    assert _counts(member)["Vision drafts"] == (1, 1)
    assert _counts(member)["Comments on vision drafts"] == (1, 1)
    account_delete(user=member, remove_contributions=True)
    assert not VisionDraft.objects.filter(pk=lonely.pk).exists()
    assert VisionDraft.objects.filter(pk=commented.pk).exists()
    assert VisionComment.objects.filter(pk=mine_first.pk).exists()
    assert not VisionComment.objects.filter(pk=last.pk).exists()
    dump = _dump()
    assert "Pangolin vision" not in dump and "Armadillo closing remark." not in dump


def test_copies_linking_are_deleted_and_digests_keep_their_row_without_the_quote(community, facilitator):
    from communities.services.erasure import copies_remove, quotes_of

    link = "/c/x/requests/3/#advice-3"
    told = NotificationFactory(user=facilitator, url=link, title="Someone advised")
    neighbour = NotificationFactory(user=facilitator, url="/c/x/requests/3/#advice-34", title="Other advice")
    email = OutboundEmail.objects.create(
        user=facilitator, to=facilitator.email, body_text=f"See http://site{link}", message_id="<e.1@x>"
    )
    digest = OutboundEmail.objects.create(
        user=facilitator,
        to=facilitator.email,
        category="daily_digest",
        body_text=f"Nurse's handover trick http://site{link}",
        body_html="<li>Nurse&#x27;s handover trick</li>",
        message_id="<e.2@x>",
    )
    copies_remove(links=[link], quotes=quotes_of("Nurse's handover trick"))
    assert not Notification.objects.filter(pk=told.pk).exists()
    assert Notification.objects.filter(pk=neighbour.pk).exists()
    assert not OutboundEmail.objects.filter(pk=email.pk).exists()
    digest.refresh_from_db()
    assert "handover trick" not in digest.body_text and "handover trick" not in digest.body_html
    assert "[removed]" in digest.body_html


def test_a_request_left_without_advice_is_open_again(community, member, facilitator):
    theirs = services.help_request_create(
        community=community, author=facilitator, title="Only my advice", situation="Anyone?"
    )
    services.advice_create(help_request=theirs, author=member, body="A thought nobody answered.")
    theirs.refresh_from_db()
    assert theirs.status == HelpRequest.Status.ANSWERED
    account_delete(user=member, remove_contributions=True)
    theirs.refresh_from_db()
    assert theirs.status == HelpRequest.Status.OPEN and not theirs.advice.exists()


def test_site_admin_erases_an_account_and_its_posts_from_the_admin(community, member, facilitator, core, site_admin):
    posts = _posts(community, member, facilitator, core)
    site_admin.is_staff = site_admin.is_superuser = True
    site_admin.save(update_fields=["is_staff", "is_superuser"])
    response = client_for(site_admin).post(
        reverse("admin:communities_user_changelist"),
        {"action": "erase_personal_data_and_posts", "_selected_action": [member.pk]},
        follow=True,
    )
    assert "Erased the personal data of 1 account(s)." in response.content.decode()
    assert not HelpRequest.objects.filter(pk=posts["lonely"].pk).exists()
    assert HelpRequest.objects.filter(pk=posts["answered"].pk).exists()  # others advised on it
    member.refresh_from_db()
    assert member.display_name == "Former member" and not member.is_active
