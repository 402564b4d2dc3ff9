"""URLs of the Direction area, included into the ``communities`` namespace by ``communities/urls.py``.

Every name starts with ``direction`` so the Direction tab stays highlighted on the sub-pages.
"""

from django.urls import path

from communities.views import direction as views

urlpatterns = [
    path("c/<slug:slug>/direction/", views.direction, name="direction"),
    path("c/<slug:slug>/direction/purpose/", views.purpose_edit, name="direction-purpose"),
    path("c/<slug:slug>/direction/purpose/history/", views.purpose_history, name="direction-purpose-history"),
    path("c/<slug:slug>/direction/drafts/new/", views.draft_create, name="direction-draft-create"),
    path("c/<slug:slug>/direction/drafts/<int:pk>/", views.draft_detail, name="direction-draft"),
    path("c/<slug:slug>/direction/drafts/<int:pk>/edit/", views.draft_edit, name="direction-draft-edit"),
    path("c/<slug:slug>/direction/drafts/<int:pk>/open/", views.draft_open, name="direction-draft-open"),
    path("c/<slug:slug>/direction/drafts/<int:pk>/withdraw/", views.draft_withdraw, name="direction-draft-withdraw"),
    path("c/<slug:slug>/direction/drafts/<int:pk>/adopt/", views.draft_adopt, name="direction-draft-adopt"),
    path("c/<slug:slug>/direction/drafts/<int:pk>/stance/", views.draft_stance, name="direction-draft-stance"),
    path("c/<slug:slug>/direction/drafts/<int:pk>/comment/", views.draft_comment, name="direction-draft-comment"),
    path("c/<slug:slug>/direction/inquiries/new/", views.inquiry_create, name="direction-inquiry-create"),
    path("c/<slug:slug>/direction/inquiries/<int:pk>/", views.inquiry_detail, name="direction-inquiry"),
    path("c/<slug:slug>/direction/inquiries/<int:pk>/edit/", views.inquiry_edit, name="direction-inquiry-edit"),
    path(
        "c/<slug:slug>/direction/inquiries/<int:pk>/contribute/",
        views.inquiry_contribute,
        name="direction-inquiry-contribute",
    ),
    path("c/<slug:slug>/direction/inquiries/<int:pk>/close/", views.inquiry_close, name="direction-inquiry-close"),
    path("c/<slug:slug>/direction/strategy/", views.strategy_edit, name="direction-strategy"),
    path("c/<slug:slug>/direction/objectives/new/", views.objective_create, name="direction-objective-create"),
    path("c/<slug:slug>/direction/objectives/<int:pk>/edit/", views.objective_edit, name="direction-objective-edit"),
    path("c/<slug:slug>/direction/objectives/<int:pk>/move/", views.objective_move, name="direction-objective-move"),
    path(
        "c/<slug:slug>/direction/objectives/<int:pk>/status/",
        views.objective_status,
        name="direction-objective-status",
    ),
    path("c/<slug:slug>/direction/value/", views.value_edit, name="direction-value"),
    path("c/<slug:slug>/direction/value/publish/", views.value_publish, name="direction-value-publish"),
    path("c/<slug:slug>/pitch/", views.pitch, name="pitch"),
]
