"""Organisers hear of new access requests and registrants' messages: one mail per address
and run, each item once, an edited message again."""

import email
import email.policy
from io import StringIO

import pytest
from django.core.management import call_command

from registrations import services
from registrations.models import Registration
from tests.factories import (
    AccessRequestFactory,
    EventFactory,
    OrganiserContactFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            out = StringIO()
            call_command("notify_staff", stdout=out)
        return out.getvalue()

    return run


def test_one_mail_per_run_lists_every_new_item(run, mailoutbox):
    event = EventFactory(title="Jahrestreffen Leipzig")
    OrganiserContactFactory(event=event, email="team@difu.example.org")
    AccessRequestFactory(event=event, first_name="Bea", last_name="Neu")
    AccessRequestFactory(event=event, first_name="Carl", last_name="Neu")
    RegistrationFactory(event=event, last_name="Fragend", message="Gibt es Parkplätze?")
    RegistrationFactory(event=event, message="")

    assert "1" in run()

    [mail] = mailoutbox
    assert mail.to == ["team@difu.example.org"]
    assert mail.subject == "Jahrestreffen: 3 neue Einträge für das Organisationsteam"
    assert "Bea Neu" in mail.body and "Carl Neu" in mail.body
    assert "Gibt es Parkplätze?" in mail.body
    assert "/admin/registrations/accessrequest/" in mail.body
    raw = email.message_from_bytes(mail.message().as_bytes(), policy=email.policy.default)
    assert raw["Auto-Submitted"] == "auto-generated"


def test_each_item_appears_once_and_an_edited_message_again(run, mailoutbox):
    event = EventFactory()
    AccessRequestFactory(event=event)
    registration = RegistrationFactory(event=event, message="Erste Frage")
    run()
    run()
    assert len(mailoutbox) == 1

    registration.message = "Noch eine Frage"
    registration.save()
    run()

    assert len(mailoutbox) == 2
    assert "Noch eine Frage" in mailoutbox[1].body
    assert "Erste Frage" not in mailoutbox[1].body


def test_without_an_organiser_contact_the_team_mailbox_hears_of_it(run, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Difu-Jahrestreffen <jahrestreffen@difu.example.org>"
    AccessRequestFactory(event=None)

    run()

    assert mailoutbox[0].to == ["jahrestreffen@difu.example.org"]


def test_a_message_written_in_the_form_reaches_the_organisers(run, mailoutbox):
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    services.registration_update(
        registration=Registration.objects.get(pk=registration.pk),
        details=services.Details(message="Ich komme später."),
    )
    mailoutbox.clear()

    run()

    assert "Ich komme später." in mailoutbox[0].body
