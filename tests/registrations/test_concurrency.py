"""Parallel registrations never exceed a capacity.

The services lock the event row (`select_for_update`), which serialises writers on PostgreSQL,
where CI runs these tests (DATABASE_URL=postgres://…). SQLite ignores the lock and lets one
writer in at a time, so a pass there would prove nothing about the lock: skipped.
"""

import threading

import pytest
from django.db import connection

from registrations.models import ProgrammeChoice, Registration
from registrations.services import Details, registration_create
from tests.factories import ContactPersonFactory, EventFactory, ProgrammeItemFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are real only on PostgreSQL (set DATABASE_URL=postgres://…)",
    ),
]


def run_at_once(calls) -> tuple[list, list]:
    """Run every call in its own thread, all released together; return results and errors."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []
    lock = threading.Lock()

    def worker(call):
        try:
            barrier.wait(timeout=30)
            result = call()
            with lock:
                results.append(result)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def registering(event, person, items=()):
    return lambda: registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=Details(programme_item_ids=[item.pk for item in items]),
        privacy_acknowledged=True,
        language="de",
    )


def test_twenty_simultaneous_registrations_fill_five_places_and_queue_fifteen():
    event = EventFactory(capacity=5, waiting_list_enabled=True)
    people = ContactPersonFactory.create_batch(20)

    results, errors = run_at_once([registering(event, person) for person in people])

    assert errors == []
    assert len(results) == 20
    registrations = Registration.objects.filter(event=event)
    assert registrations.confirmed().count() == 5
    assert registrations.waiting().count() == 15
    positions = sorted(r.waiting_position() for r in registrations.waiting())
    assert positions == list(range(1, 16))


def test_ten_simultaneous_choices_of_an_item_with_three_places_confirm_three():
    event = EventFactory(capacity=None)
    item = ProgrammeItemFactory(event=event, capacity=3)
    people = ContactPersonFactory.create_batch(10)

    results, errors = run_at_once([registering(event, person, [item]) for person in people])

    assert errors == []
    assert len(results) == 10
    assert Registration.objects.confirmed().filter(event=event).count() == 10
    choices = ProgrammeChoice.objects.filter(item=item)
    assert choices.filter(status=ProgrammeChoice.Status.CONFIRMED).count() == 3
    assert choices.filter(status=ProgrammeChoice.Status.WAITING).count() == 7
