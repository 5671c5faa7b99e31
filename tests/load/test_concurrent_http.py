"""Capacity holds under concurrent requests over HTTP, and /healthz answers meanwhile.

On PostgreSQL: 200 registrations race for 50 places; 200 for a side programme item with 50
places; 50 cancellations free places for the waiting list at once. On SQLite the same scenario
runs small (see `Scale`).
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone

from registrations.models import ContactPerson, MemberOrganisation, ProgrammeChoice, Registration
from registrations.tokens import manage_tokens
from tests.factories import EventFactory, ProgrammeItemFactory

from .conftest import browser_for, request

pytestmark = pytest.mark.django_db(transaction=True)


def register_path(event) -> str:
    return f"/veranstaltungen/{event.slug}/anmeldung/"


def registration_data(**overrides) -> dict:
    return {
        "who": "self",
        "diet": "none",
        "diet_notes": "",
        "accessibility_needs": "",
        "visibility": "nobody",
        "message": "",
        "privacy": "on",
        **overrides,
    }


def contact_persons(n: int) -> list[ContactPerson]:
    """n contact persons, each of their own member organisation (no organisation limit)."""
    organisations = MemberOrganisation.objects.bulk_create(
        MemberOrganisation(name=f"Stadt Last {i}") for i in range(n)
    )
    return ContactPerson.objects.bulk_create(
        ContactPerson(
            organisation=organisation,
            first_name=f"Vorname{i}",
            last_name=f"Nachname{i}",
            email=f"last{i}@stadt.example.org",
        )
        for i, organisation in enumerate(organisations)
    )


def run_concurrently(calls, threads: int):
    """Run the calls on `threads` threads; the first round starts together at a barrier, the
    rest follow as threads come free, so `threads` requests are in flight throughout."""
    barrier = threading.Barrier(min(threads, len(calls)))

    def run(numbered):
        number, call = numbered
        if number < barrier.parties:
            barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, enumerate(calls)))


@contextmanager
def health_probe(base_url: str):
    """Ask /healthz every 50 ms while the block runs; yields the list of answers."""
    answers, stop = [], threading.Event()

    def probe():
        while not stop.is_set():
            answers.append(request(base_url, "GET", "/healthz"))
            stop.wait(0.05)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        yield answers
    finally:
        stop.set()
        thread.join(timeout=30)


def assert_healthy_throughout(answers):
    assert answers, "the health probe never got an answer"
    statuses = Counter(a.status for a in answers)
    assert statuses == {200: len(answers)}, [a.body for a in answers if a.status != 200][:3]
    assert max(a.seconds for a in answers) < 10


def assert_no_server_error(answers, expected_status: int):
    statuses = Counter(a.status for a in answers)
    assert statuses == {expected_status: len(answers)}, (
        statuses,
        [a.body[:500] for a in answers if a.status != expected_status][:2],
    )


def test_concurrent_registrations_fill_the_places_and_then_the_waiting_list(server, scale):
    event = EventFactory(capacity=scale.places, waiting_list_enabled=True)
    browsers = [browser_for(person) for person in contact_persons(scale.requests)]
    calls = [
        lambda b=b: request(
            server.url, "POST", register_path(event), browser=b, data=registration_data()
        )
        for b in browsers
    ]

    with health_probe(server.url) as health:
        answers = run_concurrently(calls, scale.threads)

    assert_no_server_error(answers, 302)
    assert all("/bestaetigung/" in a.location for a in answers)
    statuses = Counter(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses == {
        Registration.Status.CONFIRMED: scale.places,
        Registration.Status.WAITING: scale.requests - scale.places,
    }
    assert_healthy_throughout(health)


def test_concurrent_choices_fill_a_programme_item_and_then_its_waiting_list(server, scale):
    event = EventFactory(capacity=None)
    item = ProgrammeItemFactory(event=event, capacity=scale.places)
    browsers = [browser_for(person) for person in contact_persons(scale.requests)]
    data = registration_data(programme_items=[str(item.pk)])
    calls = [
        lambda b=b: request(server.url, "POST", register_path(event), browser=b, data=data)
        for b in browsers
    ]

    with health_probe(server.url) as health:
        answers = run_concurrently(calls, scale.threads)

    assert_no_server_error(answers, 302)
    assert Registration.objects.filter(event=event).confirmed().count() == scale.requests
    choices = Counter(ProgrammeChoice.objects.filter(item=item).values_list("status", flat=True))
    assert choices == {
        ProgrammeChoice.Status.CONFIRMED: scale.places,
        ProgrammeChoice.Status.WAITING: scale.requests - scale.places,
    }
    assert_healthy_throughout(health)


def test_concurrent_cancellations_promote_as_many_from_the_waiting_list(server, scale):
    event = EventFactory(capacity=scale.places)
    people = contact_persons(scale.places + 2 * scale.cancellations)
    start = timezone.now() - timedelta(hours=1)
    registrations = Registration.objects.bulk_create(
        Registration(
            event=event,
            registered_by=person,
            organisation_id=person.organisation_id,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            status=(
                Registration.Status.CONFIRMED if i < scale.places else Registration.Status.WAITING
            ),
            privacy_acknowledged_at=start,
            created_at=start + timedelta(seconds=i),
        )
        for i, person in enumerate(people)
    )
    cancelling = registrations[: scale.cancellations]
    waiting = registrations[scale.places :]
    first_waiting = {r.pk for r in waiting[: scale.cancellations]}
    calls = [
        lambda r=r: request(
            server.url,
            "POST",
            f"/anmeldung/{manage_tokens.make_token(r)}/",
            browser=browser_for(),
            data={"cancel": "1", "sure": "1"},
        )
        for r in cancelling
    ]

    with health_probe(server.url) as health:
        answers = run_concurrently(calls, scale.threads)

    assert_no_server_error(answers, 302)
    by_status = {
        status: set(
            Registration.objects.filter(event=event, status=status).values_list("pk", flat=True)
        )
        for status in Registration.Status.values
    }
    assert by_status[Registration.Status.CANCELLED] == {r.pk for r in cancelling}
    assert len(by_status[Registration.Status.CONFIRMED]) == scale.places
    # Exactly as many promoted as cancelled, and the longest waiting first.
    promoted = by_status[Registration.Status.CONFIRMED] - {
        r.pk for r in registrations[: scale.places]
    }
    assert promoted == first_waiting
    assert by_status[Registration.Status.WAITING] == {r.pk for r in waiting[scale.cancellations :]}
    assert_healthy_throughout(health)
