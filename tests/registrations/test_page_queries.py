"""Query budgets of the pages a signed-in contact person or a registrant uses most (issue 13):
without the shared cache (every look-up a query) and with it (what production's Redis saves),
and the statements a submit runs while it holds the event's lock."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations.models import Registration
from registrations.tokens import manage_tokens
from tests.factories import ProgrammeItemFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

FORM = "/veranstaltungen/{}/anmeldung/"
SUBMIT = {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on"}


@pytest.fixture
def cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60


@pytest.fixture
def items(event):
    return ProgrammeItemFactory.create_batch(3, event=event, capacity=20)


def test_registration_form_queries(person_client, event, items, django_assert_max_num_queries):
    # Session, person, event, days, side programme, free places on it, places at the event
    # and those the organisation used (one query).
    with django_assert_max_num_queries(7):
        assert person_client.get(FORM.format(event.slug)).status_code == 200


def test_registration_form_queries_with_the_shared_cache(
    person_client, event, items, cache_on, django_assert_max_num_queries
):
    person_client.get(FORM.format(event.slug))

    # The event with its days and side programme comes from the cache, the form's HTML too.
    with django_assert_max_num_queries(4):
        response = person_client.get(FORM.format(event.slug))

    assert items[0].title in response.content.decode()


def test_manage_page_queries(client, event, items, django_assert_max_num_queries):
    registration = RegistrationFactory(event=event)

    # Registration with event and organisation, days, side programme, choices, free places,
    # the event's materials.
    with django_assert_max_num_queries(6):
        response = client.get(f"/anmeldung/{manage_tokens.make_token(registration)}/")

    assert response.status_code == 200


def test_my_registrations_queries(person_client, person, event, django_assert_max_num_queries):
    RegistrationFactory.create_batch(3, registered_by=person, organisation=person.organisation)

    # Session, person, registrations with their events, days, side programme choices.
    with django_assert_max_num_queries(5):
        assert person_client.get("/meine-anmeldungen/").status_code == 200


def _statements_under_lock(queries) -> list[str]:
    sql = [q["sql"] for q in queries]
    start = next(i for i, s in enumerate(sql) if re.search(r"FOR (NO KEY )?UPDATE", s))
    end = next(i for i, s in enumerate(sql) if i > start and s.startswith("COMMIT"))
    return sql[start:end]


def test_submit_holds_the_event_lock_for_few_statements(
    person_client, event, items, django_capture_on_commit_callbacks, transactional_db
):
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = person_client.post(FORM.format(event.slug), SUBMIT)

    assert response.status_code == 302
    assert Registration.objects.get().status == Registration.Status.CONFIRMED
    locked = _statements_under_lock(captured.captured_queries)
    # The lock, then whether anyone waits and the places taken in one statement; the
    # registration, its history row and the confirmation in the outbox were written before
    # the lock, the delivery task is queued after the commit.
    assert len(locked) <= 2, "\n".join(locked)
    assert not any(re.search(r"dbtaskresult", s) for s in locked)
