"""Registrations by staff (phone, walk-in) and the admin's change form: both go through the
registration services, with their rules; staff may override the organisation's limit with a
reason the history keeps. Also: search without accents, the former registrants of a cancelled
event as a message group."""

import pytest
from django.urls import reverse

from registrations import services
from registrations.models import OutboxMessage, ProgrammeChoice, Registration
from registrations.selectors.recipients import MessageGroup, message_recipients
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:registrations_registration_add")


@pytest.fixture
def org():
    return MemberOrganisationFactory(name="Stadt Jena", default_participants=1)


@pytest.fixture
def caller(org):
    return ContactPersonFactory(organisation=org, email="anruf@jena.de", last_name="Ruf")


def _post(client, event, person, **extra):
    data = {
        "event": event.pk,
        "registered_by": person.pk,
        "language": "de",
        "diet": "",
        "privacy_informed": "on",
        **extra,
    }
    return client.post(f"{ADD_URL}?event={event.pk}", data)


def test_staff_register_a_caller_through_the_service(staff_client, caller):
    event = EventFactory(capacity=5)
    item = ProgrammeItemFactory(event=event)

    response = _post(staff_client, event, caller, programme_items=[item.pk], diet="vegan")

    assert response.status_code == 302
    registration = Registration.objects.get()
    assert (registration.email, registration.status) == ("anruf@jena.de", "confirmed")
    assert registration.diet == "vegan"
    assert registration.programme_choices.get().item == item
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CONFIRMATION).count() == 1


def test_staff_register_a_representative(staff_client, caller):
    event = EventFactory(capacity=5)

    _post(
        staff_client,
        event,
        caller,
        first_name="Vera",
        last_name="Treter",
        email="vera@jena.de",
        salutation="frau",
    )

    registration = Registration.objects.get()
    assert registration.is_representative and registration.registered_by == caller


def test_a_full_event_puts_the_caller_on_the_waiting_list(staff_client, caller):
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)

    _post(staff_client, event, caller)

    assert Registration.objects.get(email="anruf@jena.de").status == "waiting"


def test_the_organisation_limit_holds_unless_overridden_with_a_reason(staff_client, caller, org):
    event = EventFactory(capacity=5)
    RegistrationFactory(event=event, registered_by=ContactPersonFactory(organisation=org))

    refused = _post(staff_client, event, caller)
    assert refused.status_code == 200
    assert (
        "Grenze" in str(refused.context["form"].non_field_errors())
        or refused.context["form"].non_field_errors()
    )
    no_reason = _post(staff_client, event, caller, override_limit="on")
    assert "reason" in no_reason.context["form"].errors
    assert Registration.objects.filter(email="anruf@jena.de").count() == 0

    _post(staff_client, event, caller, override_limit="on", reason="Bürgermeister kommt mit")

    registration = Registration.objects.get(email="anruf@jena.de")
    assert registration.history.earliest().history_change_reason == "Bürgermeister kommt mit"


def test_service_refuses_an_override_without_reason(caller):
    with pytest.raises(services.RegistrationError):
        services.registration_create(
            event=EventFactory(),
            registered_by=caller,
            attendee=None,
            details=services.Details(),
            privacy_acknowledged=True,
            language="de",
            override_limit=True,
        )


def test_the_change_form_changes_the_side_programme_through_the_service(staff_client, caller):
    event = EventFactory(capacity=5)
    full = ProgrammeItemFactory(event=event, capacity=1)
    RegistrationFactory(event=event).programme_choices.create(
        item=full, status=ProgrammeChoice.Status.CONFIRMED
    )
    registration = RegistrationFactory(event=event, registered_by=caller, email="anruf@jena.de")
    url = reverse("admin:registrations_registration_change", args=[registration.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        {
            "programme_items": [full.pk],
            "diet": "vegetarian",
            "change_reason": "telefonisch",
            "programme_choices-TOTAL_FORMS": "0",
            "programme_choices-INITIAL_FORMS": "0",
        }
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    registration.refresh_from_db()
    assert registration.diet == "vegetarian"
    # Only the service puts a choice of a full item on its waiting list.
    assert registration.programme_choices.get().status == ProgrammeChoice.Status.WAITING
    assert registration.history.latest().history_change_reason == "telefonisch"


def test_confirm_from_waiting_list_action_records_the_reason(staff_client):
    waiting = RegistrationFactory(status=Registration.Status.WAITING)

    staff_client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": "confirm_from_waiting_list", "_selected_action": [waiting.pk]},
    )

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert waiting.history.latest().history_change_reason


@pytest.mark.parametrize("query", ["muller", "MULLER", "müller", "zoe"])
def test_registration_list_search_ignores_accents_and_case(staff_client, query):
    RegistrationFactory(first_name="Zoë", last_name="Müller")
    RegistrationFactory(first_name="Anna", last_name="Schmidt")

    response = staff_client.get(
        reverse("admin:registrations_registration_changelist"), {"q": query}
    )

    assert [r.last_name for r in response.context["cl"].result_list] == ["Müller"]


def test_former_registrants_of_a_cancelled_event_are_a_message_group():
    event = EventFactory()
    by_organiser = RegistrationFactory(
        event=event, status=Registration.Status.CANCELLED_BY_ORGANISER
    )
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)

    recipients = message_recipients(event=event, group=MessageGroup.CANCELLED_BY_ORGANISER)

    assert list(recipients) == [by_organiser]
