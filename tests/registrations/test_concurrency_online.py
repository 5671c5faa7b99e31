"""Parallel registrations at a hybrid event never exceed either capacity: in person and online
are counted separately under the same event lock. PostgreSQL only, like test_concurrency."""

import pytest
from django.db import connection

from events.models import Event
from registrations.models import Registration
from registrations.services import Details, registration_create
from tests.factories import ContactPersonFactory, EventFactory
from tests.registrations.test_concurrency import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are real only on PostgreSQL (set DATABASE_URL=postgres://…)",
    ),
]

P = Registration.Participation


def registering(event, person, participation):
    return lambda: registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=Details(participation=participation),
        privacy_acknowledged=True,
        language="de",
    )


def test_two_people_for_the_last_place_in_person_one_waits_while_online_stays_open():
    event = EventFactory(attendance_mode=Event.AttendanceMode.HYBRID, capacity=1, online_capacity=2)
    calls = [registering(event, ContactPersonFactory(), P.IN_PERSON) for _ in range(2)]
    calls += [registering(event, ContactPersonFactory(), P.ONLINE) for _ in range(3)]

    results, errors = run_at_once(calls)

    assert errors == []
    assert len(results) == 5
    registrations = Registration.objects.filter(event=event)
    on_site = registrations.filter(participation=P.IN_PERSON)
    online = registrations.filter(participation=P.ONLINE)
    assert (on_site.confirmed().count(), on_site.waiting().count()) == (1, 1)
    assert (online.confirmed().count(), online.waiting().count()) == (2, 1)
    assert [r.waiting_position() for r in registrations.waiting()] == [1, 1]
