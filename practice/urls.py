from django.urls import path

from practice.views import learning, loops, privacy, sessions
from practice.views import requests as views

app_name = "practice"

# Included at c/<slug:slug>/. Every name starts with "request" so the Requests tab stays active.
urlpatterns = [
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path(
        "privacy/report/request/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "request"},
        name="request-privacy-report",
    ),
    path(
        "privacy/report/advice/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "advice"},
        name="request-advice-privacy-report",
    ),
    path(
        "privacy/report/comment/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "comment"},
        name="request-comment-privacy-report",
    ),
    path(
        "privacy/report/response/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "response"},
        name="request-response-privacy-report",
    ),
    path(
        "privacy/report/outcome/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "outcome"},
        name="request-outcome-privacy-report",
    ),
    path(
        "privacy/report/learning/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "learning"},
        name="learning-privacy-report",
    ),
    path(
        "privacy/report/session/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "session"},
        name="session-privacy-report",
    ),
    path(
        "privacy/report/vision-comment/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "vision-comment"},
        name="vision-comment-privacy-report",
    ),
    path(
        "privacy/report/inquiry-contribution/<int:post_pk>/",
        privacy.privacy_report,
        {"post_type": "inquiry-contribution"},
        name="inquiry-contribution-privacy-report",
    ),
    path("privacy/reviews/", privacy.privacy_reviews, name="request-privacy-reviews"),
    path("privacy/reviews/<int:flag_pk>/", privacy.privacy_review, name="request-privacy-review"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request-edit"),
    path("requests/<int:pk>/resolve/", views.request_resolve, name="request-resolve"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("requests/<int:pk>/reveal/", views.request_reveal, name="request-reveal"),
    path("requests/<int:pk>/message-asker/", views.request_message_asker, name="request-message-asker"),
    path("requests/<int:pk>/moderate/", views.request_moderate, name="request-moderate"),
    path("requests/<int:pk>/advice/", views.advice_create, name="request-advice"),
    path("requests/<int:pk>/advice/<int:advice_pk>/edit/", views.advice_edit, name="request-advice-edit"),
    path("requests/<int:pk>/advice/<int:advice_pk>/respond/", views.advice_respond, name="request-advice-respond"),
    path("requests/<int:pk>/advice/<int:advice_pk>/kudos/", views.advice_kudos, name="request-advice-kudos"),
    path("requests/<int:pk>/advice/<int:advice_pk>/moderate/", views.advice_moderate, name="request-advice-moderate"),
    path("requests/<int:pk>/advice/<int:advice_pk>/comments/", views.comment_create, name="request-comment"),
    path("requests/<int:pk>/comments/<int:comment_pk>/edit/", views.comment_edit, name="request-comment-edit"),
    path(
        "requests/<int:pk>/comments/<int:comment_pk>/moderate/",
        views.comment_moderate,
        name="request-comment-moderate",
    ),
    # Learning loops: how the advice turned out.
    path("requests/<int:pk>/outcome/", loops.outcome, name="request-outcome"),
    path("requests/<int:pk>/outcome/consent/", loops.outcome_consent, name="request-outcome-consent"),
    path("requests/<int:pk>/outcome/kudos/", loops.outcome_kudos, name="request-outcome-kudos"),
    path("requests/<int:pk>/follow-up/stop/", loops.follow_up_stop, name="request-follow-up-stop"),
    path("requests/<int:pk>/follow-up/resume/", loops.follow_up_resume, name="request-follow-up-resume"),
    # "Don't ask twice": suggestions while writing a request (named "request-…" so the Requests tab stays active).
    path("requests/suggestions/", learning.request_suggestions, name="request-suggestions"),
    # Captured learning: every name starts with "learning" so the Learning tab stays active.
    path("learning/", learning.learning_list, name="learning"),
    path("learning/new/", learning.learning_new, name="learning-new"),
    path("learning/handbook/", learning.learning_handbook, name="learning-handbook"),
    path("learning/path/", learning.learning_path, name="learning-path"),
    path("learning/path/add/", learning.learning_path_add, name="learning-path-add"),
    path("learning/path/<int:item_pk>/remove/", learning.learning_path_remove, name="learning-path-remove"),
    path("learning/path/<int:item_pk>/move/", learning.learning_path_move, name="learning-path-move"),
    path("learning/path/<int:item_pk>/read/", learning.learning_path_read, name="learning-path-read"),
    path("learning/from-request/<int:pk>/", learning.learning_from_request, name="learning-from-request"),
    path("learning/from-outcome/<int:pk>/", learning.learning_from_outcome, name="learning-from-outcome"),
    path("learning/<int:pk>/", learning.learning_detail, name="learning-detail"),
    path("learning/<int:pk>/edit/", learning.learning_edit, name="learning-edit"),
    path("learning/<int:pk>/publish/", learning.learning_publish, name="learning-publish"),
    path("learning/<int:pk>/unpublish/", learning.learning_unpublish, name="learning-unpublish"),
    path("learning/<int:pk>/reveal/", learning.learning_reveal, name="learning-reveal"),
    path("learning/<int:pk>/versions/<int:version_pk>/", learning.learning_version, name="learning-version"),
    path(
        "learning/<int:pk>/versions/<int:version_pk>/restore/",
        learning.learning_version_restore,
        name="learning-version-restore",
    ),
    # Practice sessions: every name starts with "session" so the Sessions tab stays active.
    path("sessions/", sessions.session_list, name="session-list"),
    path("sessions/new/", sessions.session_new, name="session-new"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session-cancel"),
    path("sessions/<int:pk>/cancel-occurrence/", sessions.session_occurrence_cancel, name="session-occurrence-cancel"),
    path("sessions/<int:pk>/rsvp/", sessions.session_rsvp, name="session-rsvp"),
    path("sessions/<int:pk>/agenda/", sessions.session_agenda, name="session-agenda"),
    path("sessions/<int:pk>/propose/", sessions.session_propose, name="session-propose"),
    path(
        "sessions/<int:pk>/agenda/<int:item_pk>/decide/", sessions.session_agenda_decide, name="session-agenda-decide"
    ),
    path("sessions/<int:pk>/attendance/", sessions.session_attendance, name="session-attendance"),
    path("sessions/<int:pk>/advice/", sessions.session_advice, name="session-advice"),
    path("sessions/<int:pk>/write-up/", sessions.session_write_up, name="session-write-up"),
    path("sessions/<int:pk>/event.ics", sessions.session_ics, name="session-ics"),
]
