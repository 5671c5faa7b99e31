from django.urls import path

from . import certificate_views, invitation_views, manage_views, material_views, own_views, views

app_name = "registrations"

# Manage links carry "<pk>-<base64url HMAC>" (or an older `secrets.token_urlsafe`) tokens:
# letters, digits, "-" and "_", i.e. a slug.
# Anything else is not found before it reaches the database (PostgreSQL refuses NUL in text).
urlpatterns = [
    path("anmelden/", views.sign_in_request, name="sign_in"),
    path("anmelden/link/<str:token>/", views.sign_in_link, name="sign_in_link"),
    path("einladung/<str:token>/", invitation_views.invitation, name="invitation"),
    path(
        "einladung/<str:token>/absagen/",
        invitation_views.invitation_decline,
        name="invitation_decline",
    ),
    path("abmelden/", views.sign_out_view, name="sign_out"),
    path("zugang-beantragen/", views.access_request, name="access_request"),
    path("meine-anmeldungen/", own_views.my_registrations, name="my_registrations"),
    path("veranstaltungen/<slug:slug>/anmeldung/", views.register, name="register"),
    path("veranstaltungen/<slug:slug>/link-erneut/", views.resend_manage_link, name="resend"),
    path(
        "veranstaltungen/<slug:slug>/teilnehmende/",
        views.participant_list,
        name="participant_list",
    ),
    path("anmeldung/<slug:token>/", manage_views.manage, name="manage"),
    path(
        "anmeldung/<slug:token>/platz-uebergeben/",
        manage_views.manage_substitute,
        name="manage_substitute",
    ),
    path("anmeldung/<slug:token>/angaben/", manage_views.manage_correct, name="manage_correct"),
    path("anmeldung/<slug:token>/e-mail/", manage_views.manage_email, name="manage_email"),
    # Signed values ("<base64>:<timestamp>:<signature>") hold colons: not a slug.
    path("e-mail-bestaetigen/<str:token>/", manage_views.email_confirm, name="email_confirm"),
    path("anmeldung/<slug:token>/bestaetigung/", views.registration_done, name="done"),
    path("anmeldung/<slug:token>/kalender.ics", manage_views.manage_ics, name="manage_ics"),
    path(
        "anmeldung/<slug:token>/teilnehmende/",
        manage_views.manage_participants,
        name="manage_participants",
    ),
    path("anmeldung/<slug:token>/uebertragen/", manage_views.carry_over, name="carry_over"),
    path(
        "anmeldung/<slug:token>/unterlagen/<slug:key>/",
        material_views.manage_material,
        name="manage_material",
    ),
    path(
        "veranstaltungen/<slug:slug>/teilnehmende/unterlagen/<slug:key>/",
        material_views.participant_material,
        name="participant_material",
    ),
    path(
        "anmeldung/<slug:token>/bescheinigung.pdf",
        certificate_views.certificate_download,
        name="certificate",
    ),
    path(
        "bescheinigung/pruefen/",
        certificate_views.certificate_check,
        name="certificate_check",
    ),
]
