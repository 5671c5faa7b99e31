"""A new registration is written before the event's lock and decided under it
(services.admission): what the decision leaves behind must be the same as if it had been made
first — no trace of a refusal, a waiting registration waiting in its history too, and those
already waiting served before the newcomer."""

import pytest

from events.models import Event
from registrations.models import OutboxMessage, Registration
from registrations.selectors import capacity
from registrations.services import Details, RegistrationError, registration_create
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


def register(event, person, **details):
    return registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=Details(**details),
        privacy_acknowledged=True,
        language="de",
    )


def test_a_refusal_under_the_lock_leaves_no_registration_history_or_mail():
    organisation = MemberOrganisationFactory(default_participants=1)
    event = EventFactory(capacity=10)
    register(event, ContactPersonFactory(organisation=organisation))
    mails = OutboxMessage.objects.count()

    with pytest.raises(RegistrationError) as refused:
        register(event, ContactPersonFactory(organisation=organisation))

    assert refused.value.code == "organisation_limit"
    assert Registration.objects.filter(event=event).count() == 1
    assert Registration.history.filter(event=event).count() == 1
    assert OutboxMessage.objects.count() == mails


def test_a_newcomer_who_must_wait_waits_in_the_history_too():
    event = EventFactory(capacity=1, waiting_list_enabled=True)
    register(event, ContactPersonFactory())

    waiting = register(event, ContactPersonFactory())

    assert waiting.status == Registration.Status.WAITING
    assert Registration.objects.get(pk=waiting.pk).status == Registration.Status.WAITING
    [record] = Registration.history.filter(id=waiting.pk)
    assert (record.history_type, record.status) == ("+", Registration.Status.WAITING)
    [mail] = OutboxMessage.objects.filter(registration=waiting)
    assert mail.kind == OutboxMessage.Kind.CONFIRMATION


def test_a_free_place_goes_to_the_one_waiting_not_to_the_newcomer():
    event = EventFactory(capacity=1, waiting_list_enabled=True)
    holder = register(event, ContactPersonFactory())
    first = register(event, ContactPersonFactory())
    # A place freed without serving the waiting list (as a capacity raised in bulk would).
    Registration.objects.filter(pk=holder.pk).update(status=Registration.Status.CANCELLED)

    newcomer = register(event, ContactPersonFactory())

    assert Registration.objects.get(pk=first.pk).status == Registration.Status.CONFIRMED
    assert newcomer.status == Registration.Status.WAITING


def test_a_newcomer_takes_a_place_left_free_when_the_waiting_are_served():
    event = EventFactory(capacity=1, waiting_list_enabled=True)
    register(event, ContactPersonFactory())
    first = register(event, ContactPersonFactory())
    Event.objects.filter(pk=event.pk).update(capacity=3)  # raised without serving the list

    newcomer = register(event, ContactPersonFactory())

    assert Registration.objects.get(pk=first.pk).status == Registration.Status.CONFIRMED
    assert newcomer.status == Registration.Status.CONFIRMED
    assert Registration.objects.filter(event=event).confirmed().count() == 3


def test_side_programme_choices_of_a_newcomer_follow_the_decision():
    event = EventFactory(capacity=1, waiting_list_enabled=True)
    item = ProgrammeItemFactory(event=event, capacity=5)
    RegistrationFactory(event=event)

    waiting = register(event, ContactPersonFactory(), programme_item_ids=[item.pk])

    [choice] = waiting.programme_choices.all()
    assert choice.status == choice.Status.WAITING
    assert choice.history.count() == 1


@pytest.mark.parametrize("mode", ["in_person", "hybrid"])
@pytest.mark.parametrize("participation", ["in_person", "online"])
def test_the_count_under_the_lock_agrees_with_the_selectors(mode, participation):
    event = EventFactory(
        attendance_mode=mode, capacity=50, online_capacity=50 if mode == "hybrid" else None
    )
    item = ProgrammeItemFactory(event=event, capacity=1)
    ours, theirs = MemberOrganisationFactory(), MemberOrganisationFactory()
    S, P = Registration.Status, Registration.Participation
    for organisation, status, way in [
        (ours, S.CONFIRMED, P.IN_PERSON),
        (ours, S.CONFIRMED, P.ONLINE),
        (ours, S.WAITING, P.IN_PERSON),
        (ours, S.CANCELLED, P.IN_PERSON),
        (theirs, S.CONFIRMED, P.IN_PERSON),
        (theirs, S.CONFIRMED, P.ONLINE),
        (theirs, S.CANCELLED_BY_ORGANISER, P.ONLINE),
    ]:
        RegistrationFactory(
            event=event, organisation=organisation, status=status, participation=way
        )
    RegistrationFactory(event=EventFactory(), organisation=ours)  # another event's
    newcomer = RegistrationFactory(event=event, organisation=ours, participation=participation)
    pool = capacity.mode_of(event, participation)

    taken = capacity.places_taken_besides(event, newcomer)

    assert taken.confirmed == capacity.confirmed_count(event, pool) - 1
    used = capacity.organisation_places_used(event=event, organisation=ours)
    assert taken.organisation == used - 1
    assert taken.anyone_waiting is True
    Registration.objects.filter(status=S.WAITING).update(status=S.CANCELLED)
    assert capacity.places_taken_besides(event, newcomer).anyone_waiting is False
    waiting_choice = RegistrationFactory(event=event).programme_choices.create(item=item)
    waiting_choice.status = waiting_choice.Status.WAITING
    waiting_choice.save()
    assert capacity.places_taken_besides(event, newcomer).anyone_waiting is True
    assert capacity.anyone_waiting(event) is True
