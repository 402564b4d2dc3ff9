"""The patient-identifier guard on every text a member writes: refused with the finding marked, nothing
typed lost, a false positive confirmed and logged (its kind, never the value), and the check while typing."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.urls import reverse

from childsys.lib.phi import find_identifiers
from communities.models import ActivityLog
from practice.models import Advice, Artefact, DiscussionComment, HelpRequest, Outcome
from practice.services import requests as services

pytestmark = pytest.mark.django_db

NHS = "943 476 5919"
SITUATION = f"Night shift, 28 beds. The patient (NHS {NHS}) had a **double dose** of insulin."


def _url(name, slug="med-safety", **kwargs):
    return reverse(f"practice:{name}", kwargs={"slug": slug, **kwargs})


def _new_request(client, **overrides):
    data = {"title": "Insulin double-checks at night", "situation": SITUATION, "tried": "", "urgency": "normal"}
    data.update(overrides)
    return client.post(_url("request-new"), data)


def _fingerprint(text):
    return find_identifiers(text)[0].fingerprint


def test_a_request_with_an_nhs_number_is_refused_with_the_number_marked_and_the_text_kept(as_user, member):
    response = _new_request(as_user(member))
    assert response.status_code == 200
    assert not HelpRequest.objects.exists()
    page = response.content.decode()
    assert f"This looks like an NHS number: <mark>{NHS}</mark>. Remove it, or describe the patient" in page
    assert "Nothing was posted: what you wrote may identify a patient." in page
    assert html_lib.escape(SITUATION) in page  # the textarea still holds every word
    assert "Insulin double-checks at night" in page
    assert f"“{NHS}” is not patient information" in page  # the confirmation box


def test_confirming_a_false_positive_posts_it_and_logs_the_kind_but_never_the_value(as_user, member, community):
    response = _new_request(as_user(member), phi_confirm=[_fingerprint(SITUATION)])
    assert response.status_code == 302
    assert HelpRequest.objects.get().situation == SITUATION
    entry = ActivityLog.objects.get(community=community, action="privacy.not_phi")
    assert entry.actor == member
    assert "an NHS number" in entry.summary and "a help request" in entry.summary
    assert NHS not in entry.summary and "9434765919" not in entry.summary


def test_a_confirmation_covers_only_the_finding_it_names(as_user, member):
    text = f"{SITUATION} Her NRIC is S1234567D."
    response = _new_request(as_user(member), situation=text, phi_confirm=[_fingerprint(SITUATION)])
    assert response.status_code == 200
    assert not HelpRequest.objects.exists()
    page = response.content.decode()
    assert "<mark>S1234567D</mark>" in page
    assert f"<mark>{NHS}</mark>" not in page
    assert not ActivityLog.objects.filter(action="privacy.not_phi").exists()


def test_a_forged_confirmation_is_refused_and_keeps_the_text(as_user, member):
    response = _new_request(as_user(member), phi_confirm=["not-a-fingerprint"])
    assert response.status_code == 200
    assert not HelpRequest.objects.exists()
    assert html_lib.escape(SITUATION) in response.content.decode()


def test_the_title_is_checked_too(as_user, member):
    response = _new_request(as_user(member), title="Mr B, MRN 00123456, fell twice", situation="On the ward.")
    assert response.status_code == 200
    assert not HelpRequest.objects.exists()
    assert "This looks like a medical record number: <mark>MRN 00123456</mark>" in response.content.decode()


def test_the_communitys_own_record_number_format(as_user, member, community):
    community.mrn_patterns = r"\bMSN-\d{5}\b"
    community.save()
    response = _new_request(as_user(member), situation="Patient MSN-12345 missed a dose.")
    assert response.status_code == 200
    assert "<mark>MSN-12345</mark>" in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_ordinary_clinical_numbers_pass(as_user, member):
    response = _new_request(as_user(member), situation="Ward 12, bed 4: 500 mg at 07:30, BP 120/80, since 2019.")
    assert response.status_code == 302
    assert HelpRequest.objects.count() == 1


def test_editing_a_request_is_checked(as_user, member, post_request):
    help_request = post_request()
    response = as_user(member).post(
        _url("request-edit", pk=help_request.pk),
        {"title": help_request.title, "situation": SITUATION, "tried": "", "urgency": "normal"},
    )
    assert response.status_code == 200
    help_request.refresh_from_db()
    assert NHS not in help_request.situation


def test_advice_with_an_identifier_is_refused_and_kept(as_user, core, post_request):
    help_request = post_request()
    body = "Call her daughter on 07911 123456 before discharge."
    response = as_user(core).post(_url("request-advice", pk=help_request.pk), {"body": body})
    assert response.status_code == 400
    assert not Advice.objects.exists()
    page = response.content.decode()
    assert "This looks like a phone number: <mark>07911 123456</mark>" in page
    assert html_lib.escape(body) in page


def test_advice_confirmed_as_not_patient_information_is_posted_and_logged(as_user, core, post_request):
    help_request = post_request()
    body = "The pharmacy's night line is 07911 123456."
    response = as_user(core).post(
        _url("request-advice", pk=help_request.pk), {"body": body, "phi_confirm": [_fingerprint(body)]}
    )
    assert response.status_code == 302
    assert Advice.objects.get().body == body
    assert "a phone number in advice" in ActivityLog.objects.get(action="privacy.not_phi").summary


def test_a_discussion_message_with_an_identifier_is_refused_and_kept(as_user, member, core, post_request):
    help_request = post_request()
    advice = services.advice_create(help_request=help_request, author=core, body="Use a checklist.")
    services.advice_respond(advice=advice, author=member, kind="discuss", note="Which checklist?")
    body = "Her DOB 03/04/1985 matters here."
    response = as_user(member).post(_url("request-comment", pk=help_request.pk, advice_pk=advice.pk), {"body": body})
    assert response.status_code == 400
    assert not DiscussionComment.objects.exists()
    page = response.content.decode()
    assert "This looks like a date of birth: <mark>03/04/1985</mark>" in page
    assert html_lib.escape(body) in page
    assert "“03/04/1985” is not patient information" in page


def test_an_outcome_with_an_identifier_is_refused_and_kept(as_user, member, core, post_request):
    help_request = post_request()
    advice = services.advice_create(help_request=help_request, author=core, body="Use a checklist.")
    services.advice_respond(advice=advice, author=member, kind="try")
    worked = "The checklist worked for S1234567D."
    response = as_user(member).post(
        _url("request-outcome", pk=help_request.pk), {"result": "worked", "what_worked": worked}
    )
    assert response.status_code in (200, 400)
    assert not Outcome.objects.exists()
    assert "<mark>S1234567D</mark>" in response.content.decode()
    assert html_lib.escape(worked) in response.content.decode()


def test_captured_learning_with_an_identifier_is_refused_and_kept(as_user, member):
    data = {"question": "Who checks at night?", "answer": "Ask j.smith1962@example.com, the patient's son."}
    response = as_user(member).post(_url("learning-new") + "?kind=faq", data)
    assert response.status_code == 200
    assert not Artefact.objects.exists()
    page = response.content.decode()
    assert "This looks like an email address: <mark>j.smith1962@example.com</mark>" in page
    assert "the patient&#x27;s son" in page or "the patient's son" in page


# --- the check while typing (static/js/phi-check.js) ----------------------------------------------


def test_the_check_while_typing_returns_the_findings(as_user, member):
    response = as_user(member).post(
        reverse("communities:privacy-check", kwargs={"slug": "med-safety"}), {"text": SITUATION}
    )
    assert response.status_code == 200
    (finding,) = response.json()["findings"]
    assert finding["kind"] == "gb_nhs" and finding["value"] == NHS
    assert SITUATION[finding["start"] : finding["end"]] == NHS


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("outsider", 404), ("stranger", 404)])
def test_the_check_while_typing_is_for_members_only(personas, as_user, persona, status):
    response = as_user(personas.get(persona)).post(
        reverse("communities:privacy-check", kwargs={"slug": "med-safety"}), {"text": SITUATION}
    )
    assert response.status_code == status


def test_the_form_fields_are_marked_for_the_check_and_the_page_names_its_url(as_user, member):
    page = as_user(member).get(_url("request-new")).content.decode()
    assert re.search(
        r'<textarea[^>]*name="situation"[^>]*data-phi-check="on"|data-phi-check="on"[^>]*name="situation"', page
    )
    assert '<meta name="childsys-phi-check" content="/c/med-safety/privacy/check/">' in page
    assert "js/phi-check.js" in page


def test_a_bad_record_number_pattern_in_the_settings_is_explained(as_user, sponsor, community):
    from communities.forms.community import CommunitySettingsForm

    data = {
        **{f: getattr(community, f) for f in CommunitySettingsForm.Meta.fields},
        "mrn_patterns": "ok\\d+\n(unclosed",
    }
    form = CommunitySettingsForm(data, instance=community)
    assert not form.is_valid()
    assert form.errors["mrn_patterns"][0].startswith("Line 2 is not a valid pattern")


def test_a_response_note_with_an_identifier_is_refused_and_kept(as_user, member, core, post_request):
    help_request = post_request()
    advice = services.advice_create(help_request=help_request, author=core, body="Use a checklist.")
    note = "Not for Mrs K, NRIC S1234567D: she refuses checklists."
    response = as_user(member).post(
        _url("request-advice-respond", pk=help_request.pk, advice_pk=advice.pk), {"kind": "discuss", "note": note}
    )
    assert response.status_code == 400
    assert not advice.responses.exists()
    page = response.content.decode()
    assert "<mark>S1234567D</mark>" in page
    assert html_lib.escape(note) in page


def test_a_resolution_note_with_an_identifier_is_refused_and_kept(as_user, member, post_request):
    help_request = post_request()
    note = "Solved with MRN 00123456's family."
    response = as_user(member).post(_url("request-resolve", pk=help_request.pk), {"note": note})
    assert response.status_code == 400
    help_request.refresh_from_db()
    assert help_request.status != "resolved"
    page = response.content.decode()
    assert "<mark>MRN 00123456</mark>" in page
    assert html_lib.escape(note) in page
    confirm = {"note": note, "phi_confirm": [_fingerprint(note)]}
    assert as_user(member).post(_url("request-resolve", pk=help_request.pk), confirm).status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == "resolved"
    assert "a resolution note" in ActivityLog.objects.get(action="privacy.not_phi").summary


def test_session_notes_with_an_identifier_are_refused_and_kept(as_user, facilitator, member, community):
    from datetime import timedelta

    from django.utils import timezone

    from tests.practice.factories_sessions import PracticeSessionFactory

    start = timezone.now() - timedelta(hours=3)
    held = PracticeSessionFactory(
        community=community, starts_at=start, ends_at=start + timedelta(hours=1), until=start + timedelta(hours=1)
    )
    notes = "We discussed Mrs K (NHS 943 476 5919) and her discharge."
    url = reverse("practice:session-attendance", kwargs={"slug": community.slug, "pk": held.pk})
    response = as_user(facilitator).post(url, {"attendees": [member.pk], "notes": notes})
    assert response.status_code == 200
    held.refresh_from_db()
    assert held.notes == "" and not held.attendance.exists()
    page = response.content.decode()
    assert f"<mark>{NHS}</mark>" in page
    assert html_lib.escape(notes) in page
