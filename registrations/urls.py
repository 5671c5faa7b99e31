from django.urls import path

from . import views

app_name = "registrations"

urlpatterns = [
    path("anmelden/", views.sign_in_request, name="sign_in"),
    path("anmelden/link/<str:token>/", views.sign_in_link, name="sign_in_link"),
    path("abmelden/", views.sign_out_view, name="sign_out"),
    path("zugang-beantragen/", views.access_request, name="access_request"),
    path("meine-anmeldungen/", views.my_registrations, name="my_registrations"),
    path("veranstaltungen/<slug:slug>/anmeldung/", views.register, name="register"),
    path("veranstaltungen/<slug:slug>/link-erneut/", views.resend_manage_link, name="resend"),
    path("anmeldung/<str:token>/", views.manage, name="manage"),
    path("anmeldung/<str:token>/bestaetigung/", views.registration_done, name="done"),
    path("anmeldung/<str:token>/kalender.ics", views.manage_ics, name="manage_ics"),
    path("anmeldung/<str:token>/uebertragen/", views.carry_over, name="carry_over"),
]
