"""Admin for the practice app."""

from django.contrib import admin

from practice.models import (
    Advice,
    AdviceResponse,
    Artefact,
    ArtefactVersion,
    DiscussionComment,
    HelpRequest,
    InboundEmail,
    Kudos,
    NewcomerPathItem,
    Nudge,
    PrivacyFlag,
)


class AdviceInline(admin.StackedInline):
    model = Advice
    extra = 0
    raw_id_fields = ["author", "hidden_by"]


class NudgeInline(admin.TabularInline):
    model = Nudge
    extra = 0
    readonly_fields = ["level", "due_at", "state", "sent_at", "recipient_count"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    # Site administrators see the author of an anonymous request (the ``anonymous`` column says so).
    list_display = ["title", "community", "author", "anonymous", "status", "urgency", "created_at", "first_response_at"]
    list_filter = ["status", "urgency", "anonymous", "community"]
    search_fields = ["title", "situation"]
    raw_id_fields = ["author", "hidden_by"]
    filter_horizontal = ["tags"]
    date_hierarchy = "created_at"
    inlines = [AdviceInline, NudgeInline]


@admin.register(Advice)
class AdviceAdmin(admin.ModelAdmin):
    list_display = ["request", "author", "created_at", "hidden_at"]
    raw_id_fields = ["request", "author", "hidden_by"]


@admin.register(AdviceResponse)
class AdviceResponseAdmin(admin.ModelAdmin):
    list_display = ["advice", "kind", "author", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["advice", "request", "author"]


@admin.register(DiscussionComment)
class DiscussionCommentAdmin(admin.ModelAdmin):
    list_display = ["advice", "author", "created_at", "hidden_at"]
    raw_id_fields = ["advice", "author", "hidden_by"]


@admin.register(Kudos)
class KudosAdmin(admin.ModelAdmin):
    list_display = ["user", "advice", "created_at"]
    raw_id_fields = ["user", "advice"]


@admin.register(Nudge)
class NudgeAdmin(admin.ModelAdmin):
    list_display = ["request", "level", "due_at", "state", "sent_at", "recipient_count"]
    list_filter = ["state", "level"]
    raw_id_fields = ["request"]


# --- captured learning -----------------------------------------------------------------------------


class ArtefactVersionInline(admin.TabularInline):
    model = ArtefactVersion
    extra = 0
    fields = ["number", "author", "created_at", "title", "note"]
    readonly_fields = fields
    can_delete = False


@admin.register(Artefact)
class ArtefactAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "kind", "created_by", "anonymous", "status", "version", "published_at"]
    list_filter = ["kind", "status", "anonymous", "community"]
    search_fields = ["title"]
    raw_id_fields = ["created_by", "published_by", "authors", "source_requests", "source_advice", "source_outcomes"]
    filter_horizontal = ["tags"]
    date_hierarchy = "created_at"
    inlines = [ArtefactVersionInline]


@admin.register(NewcomerPathItem)
class NewcomerPathItemAdmin(admin.ModelAdmin):
    list_display = ["community", "position", "artefact", "added_by", "added_at"]
    list_filter = ["community"]
    raw_id_fields = ["artefact", "added_by"]


# --- learning loops ------------------------------------------------------------------------------

from practice.models import FollowUp, FollowUpReminder, Outcome  # noqa: E402


class FollowUpReminderInline(admin.TabularInline):
    model = FollowUpReminder
    extra = 0
    readonly_fields = ["number", "sent_at", "message_id"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["request", "community", "asker", "state", "due_at", "reminders_sent", "postponements"]
    list_filter = ["state", "community"]
    raw_id_fields = ["request", "asker"]
    readonly_fields = ["reminders_sent", "cycle_reminders", "last_reminded_at", "lapsed_at", "closed_at"]
    inlines = [FollowUpReminderInline]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["request", "community", "result", "share_as_learning", "story_consent", "recorded_at"]
    list_filter = ["result", "share_as_learning", "story_consent", "community"]
    raw_id_fields = ["request", "author", "helpful_advice"]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Every reply by email and what became of it; failed ones keep their bytes and error."""

    list_display = ["received_at", "state", "source", "from_address", "subject", "outcome", "attempts"]
    list_filter = ["state", "source"]
    search_fields = ["from_address", "subject", "key", "outcome"]
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in InboundEmail._meta.fields if f.name != "raw"] + ["raw_size"]
    exclude = ["raw"]
    actions = ["process_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="kept bytes")
    def raw_size(self, obj: InboundEmail) -> int:
        return len(obj.raw or b"")

    @admin.action(description="Process the selected failed messages again")
    def process_again(self, request, queryset) -> None:
        from practice.inbound.service import process_inbound

        done = 0
        for row in queryset.filter(state=InboundEmail.State.FAILED).exclude(raw=b""):
            again = process_inbound(bytes(row.raw), source=row.source)
            done += again.state != InboundEmail.State.FAILED
        self.message_user(request, f"{done} message(s) processed; the others are still failed.")


@admin.register(PrivacyFlag)
class PrivacyFlagAdmin(admin.ModelAdmin):
    """Privacy concerns: who raised them and when, and the review; reviewing happens in the community."""

    list_display = ["pk", "community", "kind", "state", "content_type", "object_id", "reporter", "created_at",
                    "reviewed_by", "reviewed_at"]  # fmt: skip
    list_filter = ["state", "kind", "content_type", "community"]
    date_hierarchy = "created_at"
    readonly_fields = ["community", "content_type", "object_id", "reporter", "kind", "reason", "created_at",
                       "reviewed_by", "reviewed_at"]  # fmt: skip
    fields = [*readonly_fields, "state"]
