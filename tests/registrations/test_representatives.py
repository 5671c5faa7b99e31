"""A contact person may register a representative: both know what happened, the
representative can do what their link allows, and the form says how many may come."""

import pytest

from registrations import services
from registrations.models import Registration
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory, manage_url

pytestmark = pytest.mark.django_db


def register_url(event) -> str:
    return f"/veranstaltungen/{event.slug}/anmeldung/"


def form_data(**overrides) -> dict:
    return {
        "who": "representative",
        "rep_salutation": "frau",
        "rep_first_name": "Vera",
        "rep_last_name": "Vertretung",
        "rep_email": "vera@stadt.example.org",
        "diet": "none",
        "visibility": "participants",
        "privacy": "on",
        **overrides,
    }


def represent(event, person) -> Registration:
    return services.registration_create(
        event=event,
        registered_by=person,
        attendee=services.Attendee(
            salutation="frau",
            first_name="Vera",
            last_name="Vertretung",
            email="vera@stadt.example.org",
        ),
        details=services.Details(),
        privacy_acknowledged=True,
        language="de",
    )


def to(mailoutbox, address):
    return [m for m in mailoutbox if m.to == [address]]


def test_the_contact_person_hears_of_confirmation_move_up_and_cancellation(
    django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(capacity=1)
    person = ContactPersonFactory(salutation="herr", last_name="Kontakt")
    holder = RegistrationFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        representative = represent(event, person)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=holder)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=Registration.objects.get(pk=representative.pk))

    waiting, moved_up, cancelled = to(mailoutbox, person.email)
    assert waiting.body.startswith("Sehr geehrter Herr Kontakt,")
    assert "Vera Vertretung als Vertretung Ihrer Organisation" in waiting.body
    assert "auf der Warteliste" in waiting.body
    assert "nachgerückt" in moved_up.body
    assert "storniert" in cancelled.body
    assert all(not m.attachments for m in (waiting, moved_up, cancelled))
    assert "/meine-anmeldungen/" in waiting.body


def test_mails_to_a_representative_do_not_ask_them_to_sign_in(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        represent(EventFactory(), ContactPersonFactory())

    [mail] = to(mailoutbox, "vera@stadt.example.org")
    assert "/anmelden/" not in mail.body
    assert "einloggen" not in mail.body.lower()


def test_the_done_page_says_who_got_the_mail(person_client, person, event):
    response = person_client.post(register_url(event), form_data(), follow=True)

    page = response.content.decode()
    assert "vera@stadt.example.org" in page
    assert person.email in page


def test_a_confirmed_representative_sees_the_participants_through_the_link(client, event, person):
    RegistrationFactory(event=event, first_name="Sichtbar", visibility="participants")
    representative = represent(event, person)

    manage = client.get(manage_url(representative)).content.decode()
    response = client.get(manage_url(representative) + "teilnehmende/")

    assert "teilnehmende/" in manage
    assert response.status_code == 200
    assert "Sichtbar" in response.content.decode()


def test_no_participant_list_through_a_waiting_link(client):
    event = EventFactory(capacity=0)
    waiting = represent(event, ContactPersonFactory())

    response = client.get(manage_url(waiting) + "teilnehmende/")

    assert response.status_code == 404


def test_the_organisations_limit_is_shown_before_the_form_is_filled_in(
    person_client, person, event
):
    person.organisation.default_participants = 3
    person.organisation.save()
    RegistrationFactory(event=event, registered_by=person)

    form_page = person_client.get(register_url(event)).content.decode()
    event_page = person_client.get(event.get_absolute_url()).content.decode()

    for page in (form_page, event_page):
        assert "Ihre Organisation kann bis zu 3 Personen anmelden; 1 bereits angemeldet." in page


def test_representative_fields_are_marked_and_an_invalid_address_says_so(person_client, event):
    page = person_client.get(register_url(event)).content.decode()
    response = person_client.post(register_url(event), form_data(rep_email="vera@"))

    assert page.count('aria-required="true"') >= 3
    [error] = response.context["form"].errors["rep_email"]
    assert "gültige E-Mail-Adresse" in error
