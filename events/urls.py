from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("veranstaltungen.ics", views.events_feed, name="feed"),
    path("veranstaltungen/<slug:slug>/", views.event_detail, name="detail"),
    path(
        "veranstaltungen/<slug:slug>/tagesordnung.pdf",
        views.event_programme_pdf,
        name="programme_pdf",
    ),
    path("veranstaltungen/<slug:slug>/kalender.ics", views.event_ics, name="ics"),
    path(
        "veranstaltungen/<slug:slug>/unterlagen/<slug:key>/",
        views.material_download,
        name="material",
    ),
    path("reihen/<int:pk>/", views.series_detail, name="series"),
    path("impressum/", views.site_page, {"key": "imprint"}, name="imprint"),
    path("datenschutz/", views.site_page, {"key": "privacy"}, name="privacy"),
    path("barrierefreiheit/", views.site_page, {"key": "accessibility"}, name="accessibility"),
]
