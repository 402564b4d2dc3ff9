"""What the portal holds about a person: every relation to the user model, and what erasing does to it.

Both the export of a member's data and the erasure of an account read this one registry. A guard test
(tests/guards/test_personal_data_registry.py) fails when a model gains a relation to the user model
that is not listed here, so a new per-user table cannot be forgotten by either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Erase(Enum):
    """What erasing an account does to the rows that point at it."""

    DELETE = "delete"  # personal rows: removed with the account's data
    KEEP = "keep"  # contributions and decisions: kept, shown as "Former member"


@dataclass(frozen=True)
class Holding:
    model: str  # "app_label.ModelName"
    field: str  # the relation to the user model
    erase: Erase
    what: str  # in plain words, for the confirmation page and the export's index


D, K = Erase.DELETE, Erase.KEEP

REGISTRY: tuple[Holding, ...] = (
    Holding("admin.LogEntry", "user", D, "Site administration log entries you made"),
    Holding("account.EmailAddress", "user", D, "Your email addresses"),
    Holding("socialaccount.SocialAccount", "user", D, "Organisation sign-in (SSO) links"),
    Holding("mfa.Authenticator", "user", D, "Authenticator apps, passkeys and recovery codes"),
    Holding("communities.Membership", "user", D, "Memberships, roles and expertise"),
    Holding("communities.ActivityLog", "actor", K, "Community activity log entries"),
    Holding("communities.PurposeVersion", "author", K, "Purpose versions you wrote"),
    Holding("communities.VisionDraft", "author", K, "Vision drafts you wrote"),
    Holding("communities.VisionDraft", "adopted_by", K, "Vision drafts you adopted"),
    Holding("communities.VisionStance", "user", D, "Your stances on vision drafts"),
    Holding("communities.VisionStanceChange", "user", D, "Changes of your stances"),
    Holding("communities.VisionComment", "author", K, "Comments on vision drafts"),
    Holding("communities.VisionComment", "hidden_by", K, "Comments on vision drafts you hid"),
    Holding("communities.AppreciativeInquiry", "opened_by", K, "Appreciative inquiries you opened"),
    Holding("communities.InquiryContribution", "author", K, "Contributions to inquiries"),
    Holding("communities.InquiryContribution", "hidden_by", K, "Contributions to inquiries you hid"),
    Holding("communities.StrategyVersion", "author", K, "Strategy versions you wrote"),
    Holding("communities.Objective", "owner", K, "Objectives you own"),
    Holding("communities.Objective", "created_by", K, "Objectives you created"),
    Holding("communities.ValueProposition", "updated_by", K, "Value propositions you edited"),
    Holding("communities.JoinRequest", "user", D, "Your requests to join"),
    Holding("communities.JoinRequest", "decided_by", K, "Join requests you decided"),
    Holding("communities.Invitation", "invited_by", K, "Invitations you sent"),
    Holding("communities.Invitation", "accepted_by", K, "Invitations you accepted"),
    Holding("communities.Invitation", "revoked_by", K, "Invitations you revoked"),
    Holding("communities.Notification", "user", D, "Your notifications"),
    Holding("communities.NotificationPreference", "user", D, "Your notification preferences"),
    Holding("communities.OutboundEmail", "user", D, "Emails sent to you"),
    Holding("communities.SecurityEvent", "user", D, "Your security log"),
    Holding("communities.Submission", "user", D, "Your submissions"),
    Holding("communities.ValueReportDelivery", "user", D, "Value reports sent to you"),
    Holding("communities.DataExport", "user", D, "Your data downloads"),
    Holding("communities.VibrancyRound", "opened_by", K, "Vibrancy rounds you opened"),
    Holding("communities.VibrancyRound", "closed_by", K, "Vibrancy rounds you closed"),
    Holding("communities.VibrancyScore", "user", D, "Vibrancy scores you gave (kept only as anonymous counts)"),
    Holding("communities.FocusDimension", "set_by", K, "Focus dimensions you set"),
    Holding("practice.InboundEmail", "user", D, "Emails you sent to the portal"),
    Holding("practice.HelpRequest", "author", K, "Help requests you asked"),
    Holding("practice.HelpRequest", "hidden_by", K, "Help requests you hid"),
    Holding("practice.Advice", "author", K, "Advice you gave"),
    Holding("practice.Advice", "hidden_by", K, "Advice you hid"),
    Holding("practice.PrivacyFlag", "reporter", K, "Privacy concerns you reported"),
    Holding("practice.PrivacyFlag", "reviewed_by", K, "Privacy concerns you reviewed"),
    Holding("practice.AdviceResponse", "author", K, "Responses to advice"),
    Holding("practice.AdviceResponse", "hidden_by", K, "Responses to advice you hid"),
    Holding("practice.DiscussionComment", "author", K, "Discussion comments"),
    Holding("practice.DiscussionComment", "hidden_by", K, "Comments you hid"),
    Holding("practice.Kudos", "user", D, "Kudos you gave"),
    Holding("practice.FollowUp", "asker", K, "Follow-ups on your requests"),
    Holding("practice.Outcome", "author", K, "Outcomes you reported"),
    Holding("practice.Outcome", "hidden_by", K, "Outcomes you hid"),
    Holding("practice.Artefact", "created_by", K, "Artefacts you created"),
    Holding("practice.Artefact", "published_by", K, "Artefacts you published"),
    Holding("practice.Artefact", "hidden_by", K, "Artefacts you hid"),
    Holding("practice.Artefact", "authors", K, "Artefacts you co-authored"),
    Holding("practice.ArtefactVersion", "author", K, "Artefact versions you wrote"),
    Holding("practice.NewcomerPathItem", "added_by", K, "Newcomer path items you added"),
    Holding("practice.NewcomerPathRead", "user", D, "Newcomer path items you read"),
    Holding("practice.PracticeSession", "created_by", K, "Sessions you scheduled"),
    Holding("practice.PracticeSession", "hidden_by", K, "Sessions you hid"),
    Holding("practice.SessionRSVP", "user", D, "Your RSVPs"),
    Holding("practice.SessionAgendaItem", "added_by", K, "Agenda items you added"),
    Holding("practice.SessionAttendance", "user", D, "Your attendance"),
    Holding("practice.SessionAttendance", "recorded_by", K, "Attendance you recorded"),
    Holding("practice.SessionReminder", "user", D, "Session reminders for you"),
    Holding("practice.CalendarFeed", "user", D, "Your calendar feed tokens"),
)


def user_relations() -> set[tuple[str, str]]:
    """Every (model, field) in the installed apps that relates to the user model."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is user_model:
                found.add((model._meta.label, field.name))
    return found
