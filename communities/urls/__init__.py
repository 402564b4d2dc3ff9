from django.urls import include, path

from communities.views import core, dashboard, data_rights, members, notifications, privacy, security, value, vibrancy

app_name = "communities"

urlpatterns = [
    path("", core.index, name="index"),
    path("c/new/", core.community_create, name="create"),
    path("c/<slug:slug>/", core.community_home, name="home"),
    path("c/<slug:slug>/join/", core.community_join, name="join"),
    path("c/<slug:slug>/settings/", core.community_settings, name="settings"),
    # Direction: purpose, vision, inquiry, strategy, objectives, value pitch (communities/urls/direction.py)
    path("", include("communities.urls.direction")),
    # Members, roles, joining and invitations (communities/views/members.py)
    path("c/<slug:slug>/members/", members.members, name="members"),
    path("c/<slug:slug>/members/expertise/", members.member_expertise, name="members-expertise"),
    path("c/<slug:slug>/members/leave/", members.member_leave, name="members-leave"),
    path("c/<slug:slug>/members/invite/", members.invitation_create, name="members-invite"),
    path("c/<slug:slug>/members/<int:pk>/role/", members.member_role, name="members-role"),
    path("c/<slug:slug>/members/<int:pk>/remove/", members.member_remove, name="members-remove"),
    path(
        "c/<slug:slug>/members/requests/<int:pk>/approve/",
        members.join_request_decide,
        {"decision": "approve"},
        name="members-request-approve",
    ),
    path(
        "c/<slug:slug>/members/requests/<int:pk>/decline/",
        members.join_request_decide,
        {"decision": "decline"},
        name="members-request-decline",
    ),
    path(
        "c/<slug:slug>/members/invitations/<int:pk>/revoke/",
        members.invitation_revoke,
        name="members-invitation-revoke",
    ),
    path("c/<slug:slug>/join-request/", members.join_request, name="join-request"),
    path("c/<slug:slug>/join-request/withdraw/", members.join_request_withdraw, name="join-request-withdraw"),
    path("c/<slug:slug>/activity/", members.activity, name="activity"),
    # The patient-identifier check while typing (communities/views/privacy.py)
    path("c/<slug:slug>/privacy/check/", privacy.privacy_check, name="privacy-check"),
    path("invitations/<str:token>/", members.invitation_accept, name="invitation"),
    # Vibrancy: sliders, rounds, focus; the dashboard (communities/views/vibrancy.py, dashboard.py)
    path("c/<slug:slug>/vibrancy/", vibrancy.vibrancy, name="vibrancy"),
    path("c/<slug:slug>/vibrancy/rounds/open/", vibrancy.vibrancy_round_open, name="vibrancy-round-open"),
    path("c/<slug:slug>/vibrancy/rounds/<int:pk>/close/", vibrancy.vibrancy_round_close, name="vibrancy-round-close"),
    path("c/<slug:slug>/vibrancy/focus/", vibrancy.vibrancy_focus, name="vibrancy-focus"),
    path("c/<slug:slug>/dashboard/", dashboard.dashboard, name="dashboard"),
    path("c/<slug:slug>/dashboard/vibrancy.csv", vibrancy.dashboard_vibrancy_csv, name="dashboard-vibrancy-csv"),
    # The sponsor's value report (communities/views/value.py; practice adds its sections)
    path("c/<slug:slug>/value/", value.value_report, name="value"),
    path("c/<slug:slug>/value/figures.csv", value.value_report_csv, name="value-csv"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification-read"),
    path("notifications/read-all/", notifications.notifications_read_all, name="notifications-read-all"),
    path("notifications/unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
    path("me/security/", security.security_log, name="security-log"),
    path("me/data/", data_rights.data_export, name="data-export"),
    path("me/data/<uuid:token>/", data_rights.data_export_download, name="data-export-download"),
    path("me/delete/", data_rights.account_delete, name="account-delete"),
]
