from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from communities.models import ActivityLog, Community, DataExport, Membership, Notification, OutboundEmail, Tag, User
from communities.services import data_export, erasure


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", ("inactivity_warned_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "inactivity_warned_at"]}),
    ]
    readonly_fields = ["inactivity_warned_at"]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]
    actions = ["prepare_data_download", "erase_personal_data", "erase_personal_data_and_posts"]

    @admin.action(description="Prepare a data download (the link is emailed to the member)", permissions=["change"])
    def prepare_data_download(self, request, queryset):
        """A data-protection access request made outside the portal: the member gets what /me/data/ gives."""
        users = list(queryset.filter(is_active=True))
        for user in users:
            data_export.data_export_request(user=user)
        self.message_user(
            request, f"Preparing {len(users)} data download(s); each member is emailed a link.", messages.SUCCESS
        )

    @admin.action(description="Erase personal data (keep contributions as “Former member”)", permissions=["change"])
    def erase_personal_data(self, request, queryset):
        """The member's own deletion, done by a site admin (a data-protection request); sole sponsors are skipped."""
        self._erase(request, queryset, remove_contributions=False)

    @admin.action(
        description="Erase personal data and remove their posts where nobody else's depend on them",
        permissions=["change"],
    )
    def erase_personal_data_and_posts(self, request, queryset):
        """The same, for a member who asked for their posts to go too (as the option on /me/delete/)."""
        self._erase(request, queryset, remove_contributions=True)

    def _erase(self, request, queryset, *, remove_contributions: bool) -> None:
        erased, skipped = 0, []
        for user in queryset:
            try:
                erasure.account_delete(user=user, remove_contributions=remove_contributions)
                erased += 1
            except erasure.SoleSponsor as exc:
                skipped.append(f"{user.email} (only sponsor of {exc})")
        if erased:
            self.message_user(request, f"Erased the personal data of {erased} account(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, "Hand the sponsor role over first: " + "; ".join(skipped), messages.WARNING)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    filter_horizontal = ["expertise"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "visibility", "stage", "created_at"]
    list_filter = ["visibility", "stage"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    list_filter = ["community"]


@admin.register(ActivityLog)
class ActivityLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "community", "actor", "summary"]
    list_filter = ["community"]
    readonly_fields = ["community", "actor", "action", "summary", "created_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "category", "title", "read_at"]
    list_filter = ["category"]
    raw_id_fields = ["user", "community"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "state", "attempts", "sent_at"]
    list_filter = ["state", "category"]
    search_fields = ["to", "subject", "message_id"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]


# --- Vibrancy: the seven dimensions' guidance is edited here; scores are never shown individually.
from communities.models import Dimension, VibrancyRound  # noqa: E402


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "slug", "summary"]
    ordering = ["number"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None) -> bool:
        # A dimension that has scores (or frozen figures) is part of the record: never deletable.
        if obj is not None and (obj.scores.exists() or obj.tallies.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the per-object check above
        return actions


@admin.register(VibrancyRound)
class VibrancyRoundAdmin(admin.ModelAdmin):
    list_display = ["community", "opened_at", "closes_at", "closed_at", "raters_count", "members_count"]
    list_filter = ["community"]
    raw_id_fields = ["community", "opened_by", "closed_by"]
    readonly_fields = [
        "closed_at",
        "closed_by",
        "members_count",
        "newcomers_count",
        "raters_count",
        "newcomer_raters_count",
    ]


# --- Direction ---------------------------------------------------------------------------
from communities.models.direction import (  # noqa: E402 - kept with its admin classes
    AppreciativeInquiry,
    InquiryContribution,
    Objective,
    PurposeVersion,
    StrategyVersion,
    ValueProposition,
    VisionComment,
    VisionDraft,
    VisionStance,
)


@admin.register(PurposeVersion, StrategyVersion)
class DirectionVersionAdmin(admin.ModelAdmin):
    list_display = ["community", "created_at", "author"]
    list_filter = ["community"]
    raw_id_fields = ["community", "author"]


class VisionStanceInline(admin.TabularInline):
    model = VisionStance
    extra = 0
    raw_id_fields = ["user"]


class VisionCommentInline(admin.TabularInline):
    model = VisionComment
    extra = 0
    raw_id_fields = ["author"]


@admin.register(VisionDraft)
class VisionDraftAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "status", "is_current", "adopted_at", "created_at"]
    list_filter = ["status", "community"]
    raw_id_fields = ["community", "author", "adopted_by", "inquiry"]
    inlines = [VisionStanceInline, VisionCommentInline]


class InquiryContributionInline(admin.TabularInline):
    model = InquiryContribution
    extra = 0
    raw_id_fields = ["author"]


@admin.register(AppreciativeInquiry)
class AppreciativeInquiryAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "opened_at", "closed_at"]
    list_filter = ["community"]
    raw_id_fields = ["community", "opened_by"]
    inlines = [InquiryContributionInline]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "owner", "due_date", "status", "position"]
    list_filter = ["status", "community"]
    raw_id_fields = ["community", "owner", "vision", "created_by"]


@admin.register(ValueProposition)
class ValuePropositionAdmin(admin.ModelAdmin):
    list_display = ["community", "published_at", "updated_at"]
    raw_id_fields = ["community", "updated_by"]


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    """Members' data downloads: who asked, when, and whether it is ready. The zip itself is the member's alone."""

    list_display = ["pk", "user__email", "status", "created_at", "ready_at", "expires_at", "size"]
    list_filter = ["status"]
    search_fields = ["user__email"]
    date_hierarchy = "created_at"
    fields = ["user", "status", "created_at", "ready_at", "expires_at", "size"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
