"""Handing a place to a colleague and correcting one's own name or address."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import Event
from registrations.models import ProgrammeChoice, Registration
from registrations.services import Attendee, Details, registration_create
from registrations.services.substitution import (
    registration_correct,
    registration_email_change_confirm,
    registration_email_change_request,
    registration_substitute,
)
from tests.factories import ContactPersonFactory, EventFactory, ProgrammeItemFactory

pytestmark = pytest.mark.django_db


def register(event, person, items=()):
    return registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=Details(programme_item_ids=[i.pk for i in items]),
        privacy_acknowledged=True,
        language="de",
    )


COLLEAGUE = Attendee(first_name="Kim", last_name="Kollegin", email="kim@stadt.example.org")


def test_the_colleague_takes_over_the_place_and_the_side_programme(
    django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(capacity=1)
    reception = ProgrammeItemFactory(event=event, title="Abendempfang")
    person = ContactPersonFactory()
    original = register(event, person, items=[reception])
    waiting = register(event, ContactPersonFactory())
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        new = registration_substitute(registration=original, attendee=COLLEAGUE)

    original.refresh_from_db()
    waiting.refresh_from_db()
    assert original.status == Registration.Status.CANCELLED
    assert new.status == Registration.Status.CONFIRMED
    assert waiting.status == Registration.Status.WAITING  # the place never became free
    assert new.programme_choices.get().item == reception
    assert new.programme_choices.get().status == ProgrammeChoice.Status.CONFIRMED
    assert new.is_representative and new.registered_by == person
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted(["kim@stadt.example.org", person.email, person.email])


def test_no_substitution_after_the_deadline_or_to_someone_registered():
    event = EventFactory()
    registration = register(event, ContactPersonFactory())
    other = register(event, ContactPersonFactory())

    with pytest.raises(ValidationError):
        registration_substitute(
            registration=registration,
            attendee=Attendee(first_name="A", last_name="B", email=other.email),
        )
    Event.objects.filter(pk=event.pk).update(changes_close_at=timezone.now() - timedelta(1))
    registration.event.refresh_from_db()
    with pytest.raises(ValidationError):
        registration_substitute(registration=registration, attendee=COLLEAGUE)


def test_correcting_the_address_changes_it_only_once_the_new_one_is_confirmed(
    django_capture_on_commit_callbacks, mailoutbox
):
    registration = register(EventFactory(), ContactPersonFactory(email="alt@stadt.example.org"))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registration_email_change_request(registration=registration, email="Neu@Stadt.example.org")
    registration.refresh_from_db()
    assert registration.email == "alt@stadt.example.org"
    [link_mail] = mailoutbox
    assert link_mail.to == ["neu@stadt.example.org"]
    token = re.search(r"/e-mail-bestaetigen/([^/\s]+)/", link_mail.body)[1]

    with django_capture_on_commit_callbacks(execute=True):
        registration_email_change_confirm(token=token)

    registration.refresh_from_db()
    assert registration.email == "neu@stadt.example.org"
    assert sorted(m.to[0] for m in mailoutbox[1:]) == [
        "alt@stadt.example.org",
        "neu@stadt.example.org",
    ]


def test_a_change_of_address_refuses_an_address_with_umlauts():
    registration = register(EventFactory(), ContactPersonFactory())

    with pytest.raises(ValidationError):
        registration_email_change_request(
            registration=registration, email="julia.müller@stadt.example.org"
        )


def test_correcting_the_name_keeps_the_address_and_refuses_control_characters():
    registration = register(EventFactory(), ContactPersonFactory())
    email = registration.email

    registration_correct(
        registration=registration,
        salutation="frau",
        academic_title="Dr.",
        first_name="Anna",
        last_name="Neuname",
        function="Amtsleitung",
    )
    with pytest.raises(ValidationError):
        registration_correct(
            registration=registration,
            salutation="",
            academic_title="",
            first_name="Anna\x07",
            last_name="Neuname",
            function="",
        )

    registration.refresh_from_db()
    assert (registration.full_name, registration.email) == ("Dr. Anna Neuname", email)


def test_a_place_that_owes_an_answer_to_new_dates_hands_that_on():
    registration = register(EventFactory(), ContactPersonFactory())
    Registration.objects.filter(pk=registration.pk).update(
        reconfirmation=Registration.Reconfirmation.PENDING
    )

    new = registration_substitute(registration=registration, attendee=COLLEAGUE)

    assert new.reconfirmation == Registration.Reconfirmation.PENDING
