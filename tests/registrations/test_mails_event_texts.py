"""Mails name the event in the registrant's language: the English title where staff wrote one,
the German one otherwise; the calendar file attached says the same."""

import pytest
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from registrations.services import Details, registration_create
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


def register(language: str, event, mailoutbox, capture):
    person = ContactPersonFactory()
    with capture(execute=True):
        registration_create(
            event=event,
            registered_by=person,
            attendee=None,
            details=Details(),
            privacy_acknowledged=True,
            language=language,
        )
    [message] = [m for m in mailoutbox if person.email in m.to]
    return message


def summaries(message) -> list[str]:
    return [
        str(vevent["SUMMARY"])
        for _name, content, _type in message.attachments
        for vevent in Calendar.from_ical(content).walk("VEVENT")
    ]


@pytest.fixture
def event(db):
    return EventFactory(title="Jahrestreffen Münster", title_en="Annual Meeting Münster")


@pytest.mark.parametrize("active", ["de", "en"])
def test_english_registrant_gets_the_english_title_whatever_language_sends(
    event, active, mailoutbox, django_capture_on_commit_callbacks
):
    with translation.override(active):
        message = register("en", event, mailoutbox, django_capture_on_commit_callbacks)

    assert message.subject == "Registration confirmed: Annual Meeting Münster"
    assert "Jahrestreffen Münster" not in message.body
    assert summaries(message) and all("Annual Meeting Münster" in s for s in summaries(message))


@pytest.mark.parametrize("active", ["de", "en"])
def test_german_registrant_gets_the_german_title(
    event, active, mailoutbox, django_capture_on_commit_callbacks
):
    with translation.override(active):
        message = register("de", event, mailoutbox, django_capture_on_commit_callbacks)

    assert "Jahrestreffen Münster" in message.subject
    assert "Annual Meeting" not in message.body
    assert all("Jahrestreffen Münster" in s for s in summaries(message))


def test_english_mail_falls_back_to_the_german_title(
    mailoutbox, django_capture_on_commit_callbacks
):
    event = EventFactory(title="Nur Deutsch")

    message = register("en", event, mailoutbox, django_capture_on_commit_callbacks)

    assert message.subject == "Registration confirmed: Nur Deutsch"


def test_programme_item_in_the_registrants_language(
    event, mailoutbox, django_capture_on_commit_callbacks
):
    ProgrammeItemFactory(event=event, title="Abendempfang", title_en="Evening reception")
    person = ContactPersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            event=event,
            registered_by=person,
            attendee=None,
            details=Details(
                programme_item_ids=list(event.programme_items.values_list("pk", flat=True))
            ),
            privacy_acknowledged=True,
            language="en",
        )

    [message] = mailoutbox
    assert "Evening reception" in message.body
    assert "Abendempfang" not in message.body


def test_notice_written_in_both_languages_reaches_each_registrant_in_theirs(
    staff_client, event, mailoutbox, django_capture_on_commit_callbacks
):
    german = RegistrationFactory(event=event, language="de")
    english = RegistrationFactory(event=event, language="en")
    url = reverse("admin:events_event_postpone", args=[event.pk])
    data = {"n-notice": "Neue Termine folgen.", "n-notice_en": "New dates will follow."}

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {**data, "confirm": "yes"})

    event.refresh_from_db()
    assert (event.status_notice_de, event.status_notice_en) == data_pair(data)
    [to_german] = [m for m in mailoutbox if german.email in m.to]
    [to_english] = [m for m in mailoutbox if english.email in m.to]
    assert "Neue Termine folgen." in to_german.body
    assert "New dates will follow." not in to_german.body
    assert "New dates will follow." in to_english.body
    assert "Annual Meeting Münster" in to_english.subject


def data_pair(data: dict) -> tuple[str, str]:
    return data["n-notice"], data["n-notice_en"]
