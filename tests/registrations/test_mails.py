import re

import pytest
from django.core import mail as django_mail
from icalendar import Calendar

from registrations.models import Registration
from registrations.services import (
    Attendee,
    Details,
    registration_cancel,
    registration_create,
)
from registrations.tokens import manage_tokens
from tests.factories import ContactPersonFactory, EventFactory, ProgrammeItemFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    return {
        "who": "self",
        "diet": "none",
        "visibility": "nobody",
        "privacy": "on",
        **overrides,
    }


@pytest.fixture
def signed_in(client, sign_in):
    return lambda person: sign_in(client, person)


def html_part(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def calendar_of(message) -> Calendar:
    """The mail's calendar files (one UID each, RFC 5546) read as one calendar."""
    assert message.attachments
    combined = None
    for filename, content, mimetype in message.attachments:
        assert filename.endswith(".ics")
        assert mimetype.startswith("text/calendar")
        calendar = Calendar.from_ical(content)
        assert len({str(v["UID"]) for v in calendar.walk("VEVENT")}) == 1
        if combined is None:
            combined = calendar
        else:
            for vevent in calendar.walk("VEVENT"):
                combined.add_component(vevent)
    return combined


def manage_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/(?:en/)?anmeldung/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def frau_beispiel(db):
    return ContactPersonFactory(
        salutation="frau", first_name="Anna", last_name="Beispiel", email="anna@leipzig.example"
    )


def test_confirmation_in_german(
    client, signed_in, frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(title="Jahrestreffen Leipzig", capacity=10)
    item = ProgrammeItemFactory(event=event, title="Stadtrundgang")
    signed_in(frau_beispiel)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/veranstaltungen/{event.slug}/anmeldung/",
            form_data(programme_items=[str(item.pk)]),
        )

    registration = Registration.objects.get()
    [message] = mailoutbox
    assert message.to == ["anna@leipzig.example"]
    assert message.subject == "Anmeldung bestätigt: Jahrestreffen Leipzig"
    body = message.body
    assert body.startswith("Sehr geehrte Frau Beispiel,")
    assert "vielen Dank für Ihre Anmeldung. Ihr Platz ist bestätigt." in body
    assert "Jahrestreffen Leipzig" in body
    assert "Anna Beispiel" in body
    assert "Stadtrundgang" in body
    assert "Mit freundlichen Grüßen" in body
    assert f"/anmeldung/{manage_tokens.make_token(registration)}/" in body
    assert "/en/" not in body
    assert "Warteliste" not in body


def test_waiting_list_confirmation_in_german_names_the_position(
    client, signed_in, frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(title="Jahrestreffen Köln", capacity=1)
    for _ in range(2):
        registration_create(
            event=event,
            registered_by=ContactPersonFactory(),
            attendee=None,
            details=Details(),
            privacy_acknowledged=True,
            language="de",
        )
    signed_in(frau_beispiel)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/veranstaltungen/{event.slug}/anmeldung/", form_data())

    [message] = mailoutbox
    assert message.subject == "Warteliste: Jahrestreffen Köln"
    assert "die Veranstaltung ist ausgebucht, daher haben wir Sie auf die Warteliste" in (
        " ".join(message.body.split())
    )
    assert "Platz 2 auf der Warteliste" in message.body
    assert "Ihr Platz ist bestätigt" not in message.body


def test_confirmation_in_english_for_a_registration_made_under_en(
    client, signed_in, frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(title="Annual Meeting Leipzig", capacity=10)
    signed_in(frau_beispiel)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/veranstaltungen/{event.slug}/anmeldung/", form_data())

    registration = Registration.objects.get()
    assert registration.language == "en"
    [message] = mailoutbox
    assert message.subject == "Registration confirmed: Annual Meeting Leipzig"
    assert message.body.startswith("Dear Ms Beispiel,")
    assert "Thank you for your registration. Your place is confirmed." in message.body
    assert "Kind regards" in message.body
    assert "Mit freundlichen Grüßen" not in message.body
    assert f"/en/anmeldung/{manage_tokens.make_token(registration)}/" in message.body
    assert 'lang="en"' in html_part(message)


def test_waiting_list_confirmation_in_english(
    frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(title="Annual Meeting", capacity=0)

    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            event=event,
            registered_by=frau_beispiel,
            attendee=None,
            details=Details(),
            privacy_acknowledged=True,
            language="en",
        )

    [message] = mailoutbox
    assert message.subject == "Waiting list: Annual Meeting"
    assert "we have put you on the waiting list" in message.body
    assert "place 1 on the waiting list" in message.body


def test_confirmation_has_plain_text_and_the_same_text_as_html(
    frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(title="Tagung <Stadt & Land>")

    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            event=event,
            registered_by=frau_beispiel,
            attendee=None,
            details=Details(),
            privacy_acknowledged=True,
            language="de",
        )

    [message] = mailoutbox
    assert isinstance(message, django_mail.EmailMultiAlternatives)
    html = html_part(message)
    assert html.startswith("<!doctype html>")
    assert 'lang="de"' in html
    assert "Ihr Platz ist bestätigt." in html
    # The text part is not escaped; the HTML part is.
    assert "Tagung <Stadt & Land>" in message.body
    assert "Tagung &lt;Stadt &amp; Land&gt;" in html
    assert "<Stadt" not in html
    manage_url = re.search(r"https?://\S+/anmeldung/\S+/", message.body).group(0)
    assert f'href="{manage_url}"' in html


def test_confirmation_carries_a_calendar_file(
    frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(title="Jahrestreffen Dresden", venue_city="Dresden")

    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            event=event,
            registered_by=frau_beispiel,
            attendee=None,
            details=Details(),
            privacy_acknowledged=True,
            language="de",
        )

    [message] = mailoutbox
    calendar = calendar_of(message)
    assert str(calendar["METHOD"]) == "PUBLISH"
    vevents = calendar.walk("VEVENT")
    assert [v.decoded("dtstart").date() for v in vevents] == [d.date for d in event.sorted_days]
    assert all("Jahrestreffen Dresden" in str(v["SUMMARY"]) for v in vevents)
    assert all("Dresden" in str(v["LOCATION"]) for v in vevents)
    assert len({str(v["UID"]) for v in vevents}) == len(vevents)


def test_manage_link_in_the_mail_opens_the_registration(
    client, frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory()

    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            event=event,
            registered_by=frau_beispiel,
            attendee=None,
            details=Details(),
            privacy_acknowledged=True,
            language="de",
        )

    response = client.get(manage_path(mailoutbox[0]))

    assert response.status_code == 200
    assert "Anna Beispiel" in response.content.decode()
    assert response.context["registration"] == Registration.objects.get()


def test_english_manage_link_opens_the_english_page(
    client, frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            event=EventFactory(),
            registered_by=frau_beispiel,
            attendee=None,
            details=Details(),
            privacy_acknowledged=True,
            language="en",
        )
    path = manage_path(mailoutbox[0])

    response = client.get(path)

    assert path.startswith("/en/")
    assert response.status_code == 200
    assert "Your registration" in response.content.decode()


def test_representative_gets_the_confirmation_naming_who_registered_them(
    frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            event=EventFactory(),
            registered_by=frau_beispiel,
            attendee=Attendee(
                first_name="Vera", last_name="Vertretung", email="vera@leipzig.example"
            ),
            details=Details(),
            privacy_acknowledged=True,
            language="de",
        )

    [message] = [m for m in mailoutbox if m.to == ["vera@leipzig.example"]]
    assert message.body.startswith("Guten Tag Vera Vertretung,")
    assert "Anna Beispiel hat Sie als Vertretung Ihrer Organisation angemeldet." in message.body


def test_cancellation_mail_removes_the_calendar_entry(
    frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(title="Jahrestreffen Bonn")
    registration = registration_create(
        event=event,
        registered_by=frau_beispiel,
        attendee=None,
        details=Details(),
        privacy_acknowledged=True,
        language="de",
    )

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration)

    [message] = mailoutbox
    assert message.subject == "Anmeldung storniert: Jahrestreffen Bonn"
    assert str(calendar_of(message)["METHOD"]) == "CANCEL"


def test_sign_in_link_mail_in_german_and_english(
    client, frau_beispiel, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/anmelden/", {"email": frau_beispiel.email})
        client.post("/en/anmelden/", {"email": frau_beispiel.email})

    german, english = mailoutbox
    assert german.subject == "Ihr Login-Link für das Difu-Jahrestreffen"
    assert "/anmelden/link/" in german.body
    assert "/en/anmelden/link/" not in german.body
    assert english.subject == "Your sign-in link for the Difu annual meeting"
    assert "/en/anmelden/link/" in english.body
    assert "30 minutes" in english.body
    assert html_part(english)
