from django.urls import path

from practice import views

app_name = "practice"

# Included at c/<slug:slug>/. Every name starts with "request" so the Requests tab stays active.
urlpatterns = [
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request-edit"),
    path("requests/<int:pk>/resolve/", views.request_resolve, name="request-resolve"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
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
]
