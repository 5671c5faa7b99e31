"""Every page a visitor or registrant can reach, built on the demo data, for the checks that
must hold on all of them (valid HTML, head metadata, noindex)."""

import io
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps as django_apps
from django.core.management import call_command
from django.test import Client

from events import services as event_services
from events.demo import PAST_SLUG, SEED_SLUG
from events.models import Event
from registrations.demo import DEMO_CONTACT_EMAIL
from registrations.middleware import SESSION_KEY
from registrations.models import ContactPerson, Invitation, Registration
from registrations.tokens import (
    email_change_tokens,
    invitation_tokens,
    manage_tokens,
    sign_in_tokens,
)
from tests.factories import EventFactory, RegistrationFactory


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    client: str = "visitor"  # or "registrant"
    method: str = "get"
    data: dict | None = None
    status: int = 200
    personal: bool = False  # carries a personal link or personal data: noindex
    shows: str = ""  # a snippet proving the page is the one meant (e.g. not the form again)


def create_site_pages() -> None:
    """The flat pages as the migrations leave them (a transactional test's flush empties them)."""
    import_module("events.migrations.0002_site_pages").create_pages(django_apps, None)
    import_module("events.migrations.0006_accessibility_statement").forwards(django_apps, None)


def registrant_client(person: ContactPerson) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    return client


def build_pages() -> tuple[list[Page], dict[str, Client]]:
    """Demo data plus a postponed event and a confirmed registration of the demo contact."""
    call_command("load_demo", allow_demo_users=True, stdout=io.StringIO())
    seed = Event.objects.get(slug=SEED_SLUG)
    replacement = seed.replacement
    past = Event.objects.get(slug=PAST_SLUG)
    upcoming = Event.objects.published().exclude(pk__in=[seed.pk, replacement.pk, past.pk]).get()
    postponed = EventFactory(slug="jahrestreffen-verschoben", title="Verschobenes Treffen")
    event_services.event_postpone(event=postponed, notice="Neue Termine folgen.")

    person = ContactPerson.objects.get(email=DEMO_CONTACT_EMAIL)
    registration = Registration.objects.filter(
        event=upcoming, registered_by=person
    ).first() or RegistrationFactory(event=upcoming, registered_by=person)
    # The demo's upcoming meeting is hybrid: one of its confirmed online participants.
    online = Registration.objects.filter(
        event=upcoming, participation="online", status="confirmed"
    ).first() or RegistrationFactory(event=upcoming, participation="online")
    token = sign_in_tokens.make_token(person)
    # The demo contact attended the 2019 meeting: materials and a certificate on the manage page.
    attended = Registration.objects.get(event=past, registered_by=person)
    certificate_code = attended.certificate.code
    invited = Invitation.objects.filter(event=upcoming, status=Invitation.Status.INVITED).first()
    invitation = f"/einladung/{invitation_tokens.make_token(invited)}/"
    access_request = {
        "salutation": "frau",
        "first_name": "Berta",
        "last_name": "Neu",
        "email": "berta.neu@stadt.example.org",
        "organisation": person.organisation_id,
        "function": "Referentin",
        "message": "",
    }

    pages: list[Page] = []
    for prefix in ["", "/en"]:
        pages += [
            Page("event list", f"{prefix}/"),
            Page("rescheduled event", f"{prefix}{seed.get_absolute_url()}"),
            Page("cancelled replacement", f"{prefix}{replacement.get_absolute_url()}"),
            Page("upcoming event", f"{prefix}{upcoming.get_absolute_url()}"),
            Page("postponed event", f"{prefix}{postponed.get_absolute_url()}"),
            Page("past event with materials", f"{prefix}{past.get_absolute_url()}"),
            Page("series", f"{prefix}{past.series.get_absolute_url()}"),
            Page(
                "manage past registration",
                f"{prefix}/anmeldung/{manage_tokens.make_token(attended)}/",
                personal=True,
                shows="bescheinigung.pdf",
            ),
            Page("certificate check", f"{prefix}/bescheinigung/pruefen/", personal=True),
            Page(
                "certificate checked",
                f"{prefix}/bescheinigung/pruefen/",
                method="post",
                data={"code": certificate_code},
                personal=True,
                shows="<dl",
            ),
            Page(
                "certificate unknown",
                f"{prefix}/bescheinigung/pruefen/",
                method="post",
                data={"code": "ZZZZZ-ZZZZZ"},
                personal=True,
                shows='role="status"',
            ),
            Page(
                "upcoming event signed in", f"{prefix}{upcoming.get_absolute_url()}", "registrant"
            ),
            Page("imprint", f"{prefix}/impressum/"),
            Page("privacy", f"{prefix}/datenschutz/"),
            Page("accessibility", f"{prefix}/barrierefreiheit/"),
            Page("sign in", f"{prefix}/anmelden/"),
            Page(
                "sign in sent",
                f"{prefix}/anmelden/",
                method="post",
                data={"email": "nobody@example.org"},
                shows='<p role="status">',
            ),
            Page("sign in confirm", f"{prefix}/anmelden/link/{token}/", personal=True),
            Page("sign in failed", f"{prefix}/anmelden/link/invalid/", status=400),
            Page("invitation", f"{prefix}{invitation}", personal=True),
            Page("invitation decline", f"{prefix}{invitation}absagen/", personal=True),
            Page(
                "invitation declined",
                f"{prefix}{invitation}absagen/",
                method="post",
                data={"colleague_name": "Ben Kollege", "colleague_email": ""},
                personal=True,
                shows=f'href="{prefix}{invitation}"',
            ),
            Page("invitation failed", f"{prefix}/einladung/ungueltig/", status=400),
            Page("access request", f"{prefix}/zugang-beantragen/"),
            Page(
                "access request sent",
                f"{prefix}/zugang-beantragen/",
                method="post",
                data={
                    **access_request,
                    "email": f"{prefix.strip('/') or 'de'}.neu@stadt.example.org",
                },
            ),
            Page("resend link", f"{prefix}{upcoming.get_absolute_url()}link-erneut/"),
            Page(
                "resend link sent",
                f"{prefix}{upcoming.get_absolute_url()}link-erneut/",
                method="post",
                data={"email": DEMO_CONTACT_EMAIL},
                shows='<p role="status">',
            ),
            Page(
                "registration form",
                f"{prefix}{upcoming.get_absolute_url()}anmeldung/",
                "registrant",
                personal=True,
            ),
            Page(
                "registration done",
                f"{prefix}/anmeldung/{manage_tokens.make_token(registration)}/bestaetigung/",
                personal=True,
            ),
            Page(
                "manage",
                f"{prefix}/anmeldung/{manage_tokens.make_token(registration)}/",
                personal=True,
            ),
            Page(
                "manage, online participant",
                f"{prefix}/anmeldung/{manage_tokens.make_token(online)}/",
                personal=True,
                shows='id="join-online"',
            ),
            Page(
                "cancel question",
                f"{prefix}/anmeldung/{manage_tokens.make_token(registration)}/",
                method="post",
                data={"cancel": "1"},
                personal=True,
                shows='name="sure"',
            ),
            Page(
                "registration form with errors",
                f"{prefix}{upcoming.get_absolute_url()}anmeldung/",
                "registrant",
                method="post",
                data={"who": "representative", "rep_email": "vera@"},
                status=400,
                personal=True,
                shows='id="error-summary"',
            ),
            Page(
                "substitution with errors",
                f"{prefix}/anmeldung/{manage_tokens.make_token(registration)}/platz-uebergeben/",
                method="post",
                data={"sub-first_name": "Kai", "sub-email": "kai@"},
                status=400,
                personal=True,
                shows='href="#id_sub-email"',
            ),
            Page(
                "correction with errors",
                f"{prefix}/anmeldung/{manage_tokens.make_token(registration)}/angaben/",
                method="post",
                data={"fix-first_name": ""},
                status=400,
                personal=True,
                shows='href="#id_fix-first_name"',
            ),
            Page(
                "e-mail confirmation",
                f"{prefix}/e-mail-bestaetigen/"
                f"{email_change_tokens.make_token(registration, 'neu@leipzig.example.org')}/",
                personal=True,
                shows="neu@leipzig.example.org",
            ),
            Page(
                "e-mail confirmation failed",
                f"{prefix}/e-mail-bestaetigen/ungueltig/",
                status=400,
                personal=True,
            ),
            Page(
                "participants through the link",
                f"{prefix}/anmeldung/{manage_tokens.make_token(registration)}/teilnehmende/",
                personal=True,
            ),
            Page("my registrations", f"{prefix}/meine-anmeldungen/", "registrant", personal=True),
            Page("sign out", f"{prefix}/abmelden/", "registrant", personal=True),
            Page("not found", f"{prefix}/gibt-es-nicht/", status=404, personal=True),
            Page(
                "participant list",
                f"{prefix}{upcoming.get_absolute_url()}teilnehmende/",
                "registrant",
                personal=True,
            ),
        ]
    return pages, {"visitor": Client(), "registrant": registrant_client(person)}


def fetch(page: Page, clients: dict[str, Client]):
    client = clients[page.client]
    if page.method == "post":
        return client.post(page.path, page.data or {})
    return client.get(page.path)
