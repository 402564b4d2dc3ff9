from django.contrib import admin
from django.urls import include, path

from childsys import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # Reply by email from hosted providers (anymail; each checks its provider's signature).
    path("inbound/email/", include("practice.inbound.webhooks")),
    path("", include("communities.urls")),
    path("c/<slug:slug>/", include("practice.urls")),
    path("", include("practice.urls_calendar")),
]

handler403 = "childsys.lib.errors.permission_denied"
handler404 = "childsys.lib.errors.page_not_found"
handler500 = "childsys.lib.errors.server_error"
