from django.urls import path

from communities.views import core, notifications

app_name = "communities"

urlpatterns = [
    path("", core.index, name="index"),
    path("c/new/", core.community_create, name="create"),
    path("c/<slug:slug>/", core.community_home, name="home"),
    path("c/<slug:slug>/join/", core.community_join, name="join"),
    path("c/<slug:slug>/settings/", core.community_settings, name="settings"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification-open"),
    path("notifications/read-all/", notifications.notifications_read_all, name="notifications-read-all"),
    path("notifications/unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
]
