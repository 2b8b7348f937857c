from django.contrib import admin
from django.urls import include, path

from redress.core.views import healthz

# A failure on the bank's side: 503 with Retry-After while the database is away, else 500; never a trace.
handler500 = "redress.core.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("redress.api.urls")),
    path("notifications/", include("redress.notifications.urls")),
    path("", include("redress.web.urls")),
]
