"""Registrants manage their own registration until the event's deadline for changes, and are
told whom to ask after it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from registrations.models import Registration
from registrations.services import Details, registration_create
from tests.factories import ContactPersonFactory, EventFactory, OrganiserContactFactory, manage_url

pytestmark = pytest.mark.django_db


def registered(event, person, language="de") -> Registration:
    return registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=Details(),
        privacy_acknowledged=True,
        language=language,
    )


def test_after_the_deadline_the_manage_page_names_the_organisers_contact(client, event, person):
    OrganiserContactFactory(
        event=event, name="Petra Planer", email="planer@difu.example.org", phone="+49 30 1"
    )
    registration = registered(event, person)
    Event.objects.filter(pk=event.pk).update(changes_close_at=timezone.now())

    page = client.get(manage_url(registration)).content.decode()

    assert "Petra Planer" in page
    assert 'href="mailto:planer@difu.example.org"' in page
    assert 'name="cancel"' not in page


def test_before_the_deadline_the_manage_page_shows_it(client, event, person):
    own = timezone.now() + timedelta(days=3)
    Event.objects.filter(pk=event.pk).update(changes_close_at=own)
    registration = registered(event, person)

    page = client.get(manage_url(registration)).content.decode()

    assert "Änderungen speichern" in page
    assert timezone.localtime(own).strftime("%H:%M") in page


def test_the_confirmation_names_the_deadline_for_changes(
    event, person, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        registered(event, person, language="en")

    midnight = timezone.localtime(event.self_service_ends_at)
    assert "Changes and cancellations are possible there until" in mailoutbox[0].body
    assert str(midnight.year) in mailoutbox[0].body.split("possible there until")[1]


def test_the_waiting_list_gets_no_calendar_download(client):
    event = EventFactory(capacity=1)
    registered(event, ContactPersonFactory())
    waiting = registered(event, ContactPersonFactory())

    page = client.get(manage_url(waiting)).content.decode()
    download = client.get(manage_url(waiting) + "kalender.ics")

    assert waiting.status == Registration.Status.WAITING
    assert ".ics" not in page
    assert download.status_code == 404


def test_staff_set_the_deadline_for_changes_in_the_event_admin(staff_client, event):
    page = staff_client.get(f"/admin/events/event/{event.pk}/change/").content.decode()

    assert 'name="changes_close_at_0"' in page


def test_cancelling_asks_once_before_anything_happens(client, event, person):
    registration = registered(event, person)

    asked = client.post(manage_url(registration), {"cancel": "1"})
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    page = asked.content.decode()
    assert "wirklich stornieren" in page
    assert 'name="sure"' in page

    client.post(manage_url(registration), {"cancel": "1", "sure": "1"})
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_saving_changes_sends_a_short_confirmation(
    client, event, person, django_capture_on_commit_callbacks, mailoutbox
):
    registration = registered(event, person)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            manage_url(registration), {"save": "1", "diet": "vegan", "visibility": "nobody"}
        )

    [message] = mailoutbox
    assert message.subject == f"Anmeldung geändert: {event.title}"
    assert "Ihre Änderungen an der Anmeldung sind gespeichert." in message.body
    assert not message.attachments


def test_resending_the_link_sends_the_link_not_the_whole_confirmation(
    client, event, person, django_capture_on_commit_callbacks, mailoutbox
):
    registration = registered(event, person, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/veranstaltungen/{event.slug}/link-erneut/", {"email": person.email})

    [message] = mailoutbox
    assert message.subject == f"Your personal link: {event.title}"
    assert manage_url(registration).removeprefix("/") in message.body
    assert "Here is your personal link" in message.body
    assert not message.attachments
