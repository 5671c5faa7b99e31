from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from .health import healthz

admin.site.site_header = _("Jahrestreffen – Administration")
admin.site.site_title = _("Jahrestreffen")
admin.site.index_title = _("Events, members and registrations")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("registrations.urls")),
    path("", include("events.urls")),
    prefix_default_language=False,
)
