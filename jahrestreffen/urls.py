from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from events.sitemaps import SITEMAPS
from events.views import staff_material_file

from .health import healthz
from .views import favicon, robots_txt

admin.site.site_header = _("Jahrestreffen – Administration")
admin.site.site_title = _("Jahrestreffen")
admin.site.index_title = _("Events, members and registrations")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("favicon.ico", favicon),
]
urlpatterns += i18n_patterns(
    # Where the admin's link to a material's file leads (the materials storage's base_url).
    path(
        "admin/unterlagen/materials/<slug:key>/<path:filename>",
        staff_material_file,
        name="staff_material_file",
    ),
    path("admin/", admin.site.urls),
    path("", include("registrations.urls")),
    path("", include("events.urls")),
    prefix_default_language=False,
)

# Uploaded event images; in production the reverse proxy serves MEDIA_ROOT (see README).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
