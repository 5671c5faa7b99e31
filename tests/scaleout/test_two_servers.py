"""The scale-out the README promises, on this machine: two app servers (A and B) sharing one
PostgreSQL database and one Redis, and two mail workers (see conftest.py).

- A change saved through one server shows on the other's cached public page at once.
- A person changed through one server is seen by the other at its next request.
- Rate limits count across both servers.
- 200 registrations for 50 places, spread over both servers, give exactly 50.
- Two workers deliver every queued mail exactly once.
- A worker killed in the middle of a batch loses nothing. The guarantee is at-least-once: a
  message stays "pending" until the worker has recorded it as sent, so the one message whose
  SMTP delivery completed just before the kill, and only that one, goes out a second time
  (same Message-ID); every other message exactly once.
"""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import environ
import psycopg2
import pytest
from django.db import connection, transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from registrations.mail.delivery import deliver_outbox
from registrations.mail.outbox import for_registration
from registrations.models import ContactPerson, MemberOrganisation, OutboxMessage, Registration
from tests.factories import EventFactory, RegistrationFactory
from tests.load.conftest import Browser, browser_for

from .conftest import (
    OUTBOX_RETRY_BASE_SECONDS,
    SIGN_IN_RATE_PER_ADDRESS,
    SIGN_IN_RATE_PER_IP,
    request,
    wait_for,
)
from .forms import form_values

pytestmark = [pytest.mark.xdist_group("scaleout")]

SENT = OutboxMessage.Status.SENT


def english_page(event) -> str:
    return f"/en/veranstaltungen/{event.slug}/"


def places_left(html: str) -> int:
    return int(re.search(r"(\d+) places? left", html).group(1))


def title_of(html: str) -> str:
    return re.search(r'<h1 id="event-title"><span[^>]*>([^<]*)<', html).group(1)


def contact_persons(n: int) -> list[ContactPerson]:
    organisations = MemberOrganisation.objects.bulk_create(
        MemberOrganisation(name=f"Stadt Skala {i}") for i in range(n)
    )
    return ContactPerson.objects.bulk_create(
        ContactPerson(
            organisation=organisation,
            first_name=f"Vorname{i}",
            last_name=f"Nachname{i}",
            email=f"skala{i}@stadt.example.org",
        )
        for i, organisation in enumerate(organisations)
    )


def registration_data() -> dict:
    return {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on"}


def staff_browser(django_user_model) -> Browser:
    """A staff session as the admin login leaves it, through the configured session engine."""
    user = django_user_model.objects.create_superuser("scale", "scale@example.org", "pw-Sc4le!")
    client = Client()
    client.force_login(user)
    return Browser(session_key=client.cookies["sessionid"].value, csrf_secret="x" * 32)


def wait_until_sent(shared, count: int, *, timeout: float = 120):
    wait_for(
        lambda: OutboxMessage.objects.filter(status=SENT).count() == count,
        timeout=timeout,
        what=f"{count} mails sent",
        interval=0.1,
        report=shared.report,
    )


# --- pages -----------------------------------------------------------------------------------


def admin_save(server, staff, change, form_id, unticked=(), **values):
    """Change an object through the admin's change form on `server`, as staff would: the form
    as shown, with `values` typed in and the `unticked` boxes cleared."""
    form = form_values(request(server, "GET", change, browser=staff).body, form_id)
    for name in unticked:
        form.pop(name)
    answer = request(server, "POST", change, browser=staff, data={**form, **values, "_save": "1"})
    assert answer.status == 302, answer.body[:3000]


def test_an_admin_edit_through_a_shows_on_the_cached_page_of_b(shared, django_user_model):
    a, b = shared.servers
    event = EventFactory(title="Titel vorher")
    assert title_of(request(b, "GET", english_page(event)).body) == "Titel vorher"
    # Written behind the app's back (no signal): both servers keep showing the cached page,
    # so they serve it from the one shared cache, and B's copy is what A shows too.
    type(event).objects.filter(pk=event.pk).update(subtitle="unbemerkt")
    for server in (a, b):
        assert "unbemerkt" not in request(server, "GET", english_page(event)).body

    staff = staff_browser(django_user_model)
    admin_save(
        a, staff, f"/admin/events/event/{event.pk}/change/", "event_form", title_de="Titel nachher"
    )
    assert title_of(request(b, "GET", english_page(event)).body) == "Titel nachher"


def test_a_person_changed_through_a_is_seen_by_b_at_the_next_request(shared, django_user_model):
    """Each server keeps its own copy of a signed-in person (registrations/selectors/viewer.py,
    under the people version): a change saved through A reaches B's copy before its next
    request, a new name as a deactivation."""
    a, b = shared.servers
    (person,) = contact_persons(1)
    signed_in = browser_for(person)
    for server in (a, b, a, b):  # both keep the person now
        page = request(server, "GET", "/meine-anmeldungen/", browser=signed_in)
        assert page.status == 200 and "Nachname0" in page.body

    staff = staff_browser(django_user_model)
    change = f"/admin/registrations/contactperson/{person.pk}/change/"
    admin_save(a, staff, change, "contactperson_form", last_name="Umbenannt")
    page = request(b, "GET", "/meine-anmeldungen/", browser=signed_in)
    assert "Umbenannt" in page.body and "Nachname0" not in page.body

    admin_save(a, staff, change, "contactperson_form", unticked=["is_active"])
    page = request(b, "GET", "/meine-anmeldungen/", browser=signed_in)
    assert page.status == 302 and "/anmelden/" in page.location  # signed out


def test_a_registration_through_a_updates_the_free_places_on_b(shared):
    a, b = shared.servers
    event = EventFactory(capacity=50)
    (person,) = contact_persons(1)
    assert places_left(request(b, "GET", english_page(event)).body) == 50
    answer = request(
        a,
        "POST",
        f"/veranstaltungen/{event.slug}/anmeldung/",
        browser=browser_for(person),
        data=registration_data(),
    )
    assert answer.status == 302, answer.body[:2000]
    assert places_left(request(b, "GET", english_page(event)).body) == 49
    wait_until_sent(shared, 1)


def test_a_page_rendered_while_a_change_is_uncommitted_is_not_kept(shared, settings):
    """The window between a change and its commit: another server renders the old state
    then. Invalidating only at the save would let it cache that old page as the new one."""
    settings.CACHES = {"default": environ.Env.cache_url_config(shared.cache_url)}
    b = shared.servers[1]
    event = EventFactory(title="Titel vorher")
    with transaction.atomic():
        event.title = "Titel nachher"
        event.save()
        assert title_of(request(b, "GET", english_page(event)).body) == "Titel vorher"
    assert title_of(request(b, "GET", english_page(event)).body) == "Titel nachher"


# --- rate limits -----------------------------------------------------------------------------


def sign_in(server: str, email: str):
    return request(server, "POST", "/anmelden/", browser=browser_for(), data={"email": email})


def test_the_limit_per_address_counts_requests_on_both_servers(shared):
    (person,) = contact_persons(1)
    answers = [sign_in(shared.servers[i % 2], person.email) for i in range(6)]
    # The same answer each time; only the first SIGN_IN_RATE_PER_ADDRESS send a link.
    assert [a.status for a in answers] == [200] * 6
    sending = DBTaskResult.objects.filter(task_path__endswith=".sign_in_link_send")
    assert sending.count() == SIGN_IN_RATE_PER_ADDRESS
    wait_until_sent(shared, SIGN_IN_RATE_PER_ADDRESS)


def test_the_limit_per_client_counts_requests_on_both_servers(shared):
    statuses = [
        sign_in(shared.servers[i % 2], f"unbekannt{i}@example.org").status
        for i in range(SIGN_IN_RATE_PER_IP + 2)
    ]
    assert statuses == [200] * SIGN_IN_RATE_PER_IP + [429, 429]


def test_a_restart_of_server_a_keeps_sessions_limits_and_pages(shared):
    a, b = shared.servers
    event = EventFactory(capacity=50)
    (person,) = contact_persons(1)
    signed_in = browser_for(person)
    for _ in range(SIGN_IN_RATE_PER_ADDRESS):
        sign_in(a, person.email)
    assert places_left(request(a, "GET", english_page(event)).body) == 50

    shared.restart_server(0)

    # Nothing lived in A's process: the count goes on, the signed-in person stays signed in,
    # and the page cached before the restart is stale after a registration through A.
    sign_in(b, person.email)
    sign_in(a, person.email)
    sending = DBTaskResult.objects.filter(task_path__endswith=".sign_in_link_send")
    assert sending.count() == SIGN_IN_RATE_PER_ADDRESS
    register = f"/veranstaltungen/{event.slug}/anmeldung/"
    answer = request(a, "POST", register, browser=signed_in, data=registration_data())
    assert (answer.status, "/bestaetigung/" in answer.location) == (302, True), answer.location
    assert places_left(request(b, "GET", english_page(event)).body) == 49
    wait_until_sent(shared, SIGN_IN_RATE_PER_ADDRESS + 1)


# --- registrations ---------------------------------------------------------------------------


def test_200_registrations_over_both_servers_for_50_places(shared):
    event = EventFactory(capacity=50, waiting_list_enabled=True)
    browsers = [browser_for(person) for person in contact_persons(200)]
    path = f"/veranstaltungen/{event.slug}/anmeldung/"
    barrier = threading.Barrier(32)

    def submit(numbered):
        number, browser = numbered
        if number < barrier.parties:
            barrier.wait(timeout=30)
        server = shared.servers[number % 2]
        return request(server, "POST", path, browser=browser, data=registration_data())

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(submit, enumerate(browsers)))

    assert Counter(a.status for a in answers) == {302: 200}, [a.body[:300] for a in answers][:2]
    statuses = Counter(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses == {Registration.Status.CONFIRMED: 50, Registration.Status.WAITING: 150}
    # Each registrant hears once (confirmed, or on the waiting list), from either worker.
    wait_until_sent(shared, 200)
    assert set(shared.sink.counts().values()) == {1}
    assert len(shared.sink.counts()) == 200


# --- mail workers ----------------------------------------------------------------------------


def queue_mails(n: int) -> list[OutboxMessage]:
    registration = RegistrationFactory()
    return OutboxMessage.objects.bulk_create(
        for_registration(registration, OutboxMessage.Kind.CONFIRMATION) for _ in range(n)
    )


def test_two_workers_deliver_every_mail_exactly_once(shared):
    shared.sink.delay = 0.005
    messages = queue_mails(200)
    for start in range(0, 200, 20):
        deliver_outbox.enqueue([m.pk for m in messages[start : start + 20]])

    wait_until_sent(shared, 200)
    assert shared.sink.counts() == Counter({m.message_id: 1 for m in messages})
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    ran = DBTaskResult.objects.filter(task_path__endswith=".deliver_outbox")
    names = {w.split(".")[0] for ids in ran.values_list("worker_ids", flat=True) for w in ids}
    assert names == set(shared.workers)


def running_on(shared, task_result) -> str:
    """The worker that claimed the task (db_worker's --worker-id)."""

    def claimed():
        task_result.refresh_from_db()
        return task_result.worker_ids[-1] if task_result.worker_ids else None

    return wait_for(claimed, timeout=30, what="a worker to claim the batch", report=shared.report)


def wait_until_stuck():
    """A dead worker's batch stays "pending"; once overdue by OUTBOX_RETRY_BASE_SECONDS it
    counts as stuck, and every delivery run, /healthz and `send_outbox` hand it on."""
    wait_for(
        lambda: OutboxMessage.objects.stuck().exists(),
        timeout=OUTBOX_RETRY_BASE_SECONDS + 5,
        what="the unsent mail to count as stuck",
    )


def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing(shared):
    shared.sink.delay = 0.03
    messages = queue_mails(60)
    batch = deliver_outbox.enqueue([m.pk for m in messages])
    worker = running_on(shared, DBTaskResult.objects.get(pk=batch.id))
    wait_for(lambda: len(shared.sink.counts()) >= 10, timeout=30, what="half a batch")
    shared.worker(worker).kill()
    sent_before = OutboxMessage.objects.filter(status=SENT).count()
    assert 0 < sent_before < 60

    # Nobody restarts it. The next mail anyone causes (a registration through server A)
    # gives the remaining worker a delivery run, which sends the dead worker's rest too.
    wait_until_stuck()
    (person,) = contact_persons(1)
    register = f"/veranstaltungen/{EventFactory().slug}/anmeldung/"
    answer = request(
        shared.servers[0], "POST", register, browser=browser_for(person), data=registration_data()
    )
    assert answer.status == 302
    wait_until_sent(shared, len(messages) + 1)

    counts = shared.sink.counts()
    assert set(counts) >= {m.message_id for m in messages}
    # At most the one message in flight at the kill went out twice.
    assert sum(counts.values()) - len(counts) <= 1
    shared.worker(worker).start()


def test_the_message_sent_but_not_yet_recorded_at_a_kill_goes_out_again_only_it(shared):
    """Deterministic version of the window: the table lock below lets the worker send the
    first message but holds its "sent" update; then the worker is killed. Its row lock (the
    claim on the message) dies with its connection, and a worker sends the message again."""
    messages = queue_mails(3)
    params = connection.get_connection_params()
    blocker = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        with blocker.cursor() as cursor:
            cursor.execute('LOCK TABLE "registrations_outboxmessage" IN SHARE MODE')
        batch = deliver_outbox.enqueue([m.pk for m in messages])
        worker = running_on(shared, DBTaskResult.objects.get(pk=batch.id))
        wait_for(lambda: shared.sink.counts(), timeout=30, what="the first mail to arrive")
        wait_for(lambda: waiting_on_a_lock(blocker), timeout=30, what="the update to wait")
        shared.worker(worker).kill()
    finally:
        blocker.rollback()
        blocker.close()
    assert not OutboxMessage.objects.filter(status=SENT).exists()

    # Restarted, as a supervisor would; the health check (asked by the monitoring, on either
    # server) hands the stuck batch to a worker.
    shared.worker(worker).start()
    wait_until_stuck()
    assert request(shared.servers[1], "GET", "/healthz").status == 200
    wait_until_sent(shared, len(messages))

    assert shared.sink.counts() == Counter(
        {messages[0].message_id: 2, messages[1].message_id: 1, messages[2].message_id: 1}
    )
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def waiting_on_a_lock(blocker) -> bool:
    with blocker.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' "
            "AND query LIKE 'UPDATE \"registrations_outboxmessage\"%%'"
        )
        return cursor.fetchone()[0] > 0
