from django.urls import path

from communities.views import core, dashboard, notifications, vibrancy

app_name = "communities"

urlpatterns = [
    path("", core.index, name="index"),
    path("c/new/", core.community_create, name="create"),
    path("c/<slug:slug>/", core.community_home, name="home"),
    path("c/<slug:slug>/join/", core.community_join, name="join"),
    path("c/<slug:slug>/settings/", core.community_settings, name="settings"),
    # Vibrancy: sliders, rounds, focus; the dashboard (communities/views/vibrancy.py, dashboard.py)
    path("c/<slug:slug>/vibrancy/", vibrancy.vibrancy, name="vibrancy"),
    path("c/<slug:slug>/vibrancy/rounds/open/", vibrancy.vibrancy_round_open, name="vibrancy-round-open"),
    path("c/<slug:slug>/vibrancy/rounds/<int:pk>/close/", vibrancy.vibrancy_round_close, name="vibrancy-round-close"),
    path("c/<slug:slug>/vibrancy/focus/", vibrancy.vibrancy_focus, name="vibrancy-focus"),
    path("c/<slug:slug>/dashboard/", dashboard.dashboard, name="dashboard"),
    path("c/<slug:slug>/dashboard/vibrancy.csv", vibrancy.dashboard_vibrancy_csv, name="dashboard-vibrancy-csv"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification-open"),
    path("notifications/read-all/", notifications.notifications_read_all, name="notifications-read-all"),
    path("notifications/unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
]
