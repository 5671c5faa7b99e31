"""No timing oracle: the forms that take any address do the same work in the request whether
or not the address is known. The look-up happens in a background task, so the queries a
request runs (and thus its time) cannot tell a listed address from an unlisted one."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks import default_task_backend

from registrations.models import OutboxMessage
from registrations.services import manage_links_send, sign_in_link_send
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

KNOWN = "bekannt@stadt.example.org"
UNKNOWN = "unbekannt@stadt.example.org"


@pytest.fixture
def recorded_tasks(settings):
    """A task backend that only records what was enqueued and runs nothing."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return default_task_backend.results


def work_done(url, email, commit_callbacks) -> list[str]:
    """The statements one POST runs (values blanked out), its on-commit work included."""
    client = Client()
    client.get(url)  # the session and CSRF cookie exist before, as for a visitor
    with CaptureQueriesContext(connection) as queries, commit_callbacks(execute=True):
        response = client.post(url, {"email": email})
    assert response.status_code == 200
    return [re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"]) for q in queries]


@pytest.mark.parametrize(
    ("url", "task"),
    [
        (lambda event: "/anmelden/", sign_in_link_send),
        (lambda event: f"/veranstaltungen/{event.slug}/link-erneut/", manage_links_send),
    ],
    ids=["sign-in", "lost-link"],
)
def test_a_known_and_an_unknown_address_cost_the_same_work(
    url, task, recorded_tasks, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(email=KNOWN, registered_by__email=KNOWN)
    url = url(registration.event)

    known = work_done(url, KNOWN, django_capture_on_commit_callbacks)
    unknown = work_done(url, UNKNOWN, django_capture_on_commit_callbacks)

    assert known == unknown
    assert [r.task.func for r in recorded_tasks] == [task.func, task.func]
    assert [r.args[0] for r in recorded_tasks] == [KNOWN, UNKNOWN]


def test_the_lost_link_task_mails_only_registered_addresses():
    registration = RegistrationFactory(email=KNOWN, registered_by__email=KNOWN)
    other_event = EventFactory()

    assert manage_links_send.call("  BEKANNT@stadt.example.org", registration.event_id) == 1
    assert manage_links_send.call(UNKNOWN, registration.event_id) == 0
    assert manage_links_send.call(KNOWN, other_event.pk) == 0
    assert list(OutboxMessage.objects.values_list("recipient", "registration")) == [
        (KNOWN, registration.pk)
    ]
