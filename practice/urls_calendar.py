from django.urls import path

from practice.views import sessions

app_name = "calendar"

# Included at the root: a member's personal calendar feed of sessions across communities.
urlpatterns = [
    path("calendar/", sessions.calendar_settings, name="settings"),
    path("calendar/revoke/", sessions.calendar_revoke, name="revoke"),
    path("calendar/<str:token>.ics", sessions.calendar_feed, name="feed"),
]
