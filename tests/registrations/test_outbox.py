"""The outbox: written with the change, delivered by a task, retried, never sent twice."""

import signal
import socket
from datetime import timedelta
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events.cache import bump_public_version
from events.models import Event
from events.services import DaySpec
from registrations import services
from registrations.mail import delivery, outbox
from registrations.middleware import SESSION_KEY
from registrations.models import OutboxMessage, Registration
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_smtp(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


def register(event, person, language="de"):
    return services.registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=services.Details(),
        privacy_acknowledged=True,
        language=language,
    )


def run_db_worker():
    """Process every queued task the way `manage.py db_worker --batch` does, then stop."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker",
            batch=True,
            interval=0,
            startup_delay=False,
            verbosity=0,
            stdout=StringIO(),
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


class FlakySMTPHandler:
    """Refuses the first delivery with a temporary error, accepts the ones after it."""

    def __init__(self):
        self.attempts = 0
        self.accepted = []

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.attempts == 1:
            return "451 4.3.0 Try again later"
        self.accepted.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    handler = FlakySMTPHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    yield handler
    controller.stop()


# --- written in the transaction of the change -------------------------------------------------


@pytest.mark.django_db
def test_registering_writes_an_outbox_row_delivered_after_commit(
    django_capture_on_commit_callbacks, mailoutbox
):
    event, person = EventFactory(), ContactPersonFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        registration = register(event, person)
        [message] = OutboxMessage.objects.all()
        assert message.registration == registration
        assert message.kind == OutboxMessage.Kind.CONFIRMATION
        assert message.status == OutboxMessage.Status.PENDING
        assert mailoutbox == []  # nothing leaves before the commit
    # Besides the page cache's (events/cache.py), one: the delivery.
    [deliver] = [c for c in callbacks if c is not bump_public_version]
    deliver()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None
    [mail] = mailoutbox
    assert mail.extra_headers["Message-ID"] == f"<outbox-{message.pk}@jahrestreffen.difu.de>"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_outbox_row_and_sends_nothing(mailoutbox):
    event = EventFactory()
    RegistrationFactory(event=event)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.event_cancel_notify(event=event, notice="Abgesagt")
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("something after the change failed")
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []
    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED
    assert Registration.objects.get().status == Registration.Status.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_sends_at_once_with_the_immediate_backend(mailoutbox):
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    services.event_postpone_notify(event=event, notice="Verschoben")
    [mail] = mailoutbox
    assert mail.to == [registration.email]
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_does_not_break_registering(settings, client, mailoutbox):
    use_smtp(settings, free_port())  # nothing listens there
    event, person = EventFactory(), ContactPersonFactory()
    session = client.session
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    response = client.post(
        f"/veranstaltungen/{event.slug}/anmeldung/",
        {
            "who": "self",
            "diet": "none",
            "visibility": "nobody",
            "privacy": "on",
        },
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event)
    assert registration.status == Registration.Status.CONFIRMED
    message = OutboxMessage.objects.get(registration=registration)
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > timezone.now()


# --- the worker ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_delivers_queued_mail(settings, mailoutbox):
    settings.TASKS = DB_TASKS
    event, person = EventFactory(), ContactPersonFactory()
    registration = register(event, person)
    task = DBTaskResult.objects.get()
    assert task.task_path == "registrations.mail.delivery.deliver_outbox"
    assert task.args_kwargs["args"] == [[OutboxMessage.objects.get().pk]]
    assert mailoutbox == []

    run_db_worker()

    [mail] = mailoutbox
    assert mail.to == [registration.email]
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.SENT
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_mail_to_many_is_split_into_tasks_of_a_hundred(settings, mailoutbox):
    settings.TASKS = DB_TASKS
    event = EventFactory(capacity=None)
    person = ContactPersonFactory()
    Registration.objects.bulk_create(
        RegistrationFactory.build(
            event=event,
            registered_by=person,
            organisation=person.organisation,
            email=f"teilnehmer{i}@stadt.example.org",
        )
        for i in range(250)
    )
    services.event_postpone_notify(event=event, notice="")
    assert sorted(len(t.args_kwargs["args"][0]) for t in DBTaskResult.objects.all()) == [
        50,
        100,
        100,
    ]
    run_db_worker()
    assert len(mailoutbox) == 250
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_a_refused_delivery_is_retried_with_backoff_and_sent_once(settings, smtp_server):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0
    event, person = EventFactory(title="Jahrestreffen Bremen"), ContactPersonFactory()
    register(event, person)

    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "451" in message.last_error
    assert "Try again later" in message.last_error
    assert smtp_server.accepted == []

    call_command("send_outbox", stdout=StringIO())

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    [envelope] = smtp_server.accepted
    assert envelope.rcpt_tos == [person.email]
    content = envelope.content.decode()
    assert f"Message-ID: <outbox-{message.pk}@jahrestreffen.difu.de>" in content
    assert "Jahrestreffen Bremen" in content

    call_command("send_outbox", stdout=StringIO())
    assert len(smtp_server.accepted) == 1


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_runs_the_deferred_retry(settings, smtp_server):
    settings.TASKS = DB_TASKS
    settings.OUTBOX_RETRY_BASE_SECONDS = 0
    event, person = EventFactory(), ContactPersonFactory()
    register(event, person)

    # The first attempt is refused; the retry, enqueued for its next attempt time (now, with
    # no backoff), is picked up by the same worker run.
    run_db_worker()

    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 2
    assert len(smtp_server.accepted) == 1
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_retries_back_off_exponentially_and_give_up(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.registrations.test_outbox.RefusingBackend"
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_MAX_ATTEMPTS = 3
    registration = RegistrationFactory()
    [message] = outbox.queue(
        [outbox.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)]
    )
    delays = []
    for _ in range(3):
        before = timezone.now()
        delivery.deliver(message.pk)
        message.refresh_from_db()
        delays.append(message.next_attempt_at - before)
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 3
    assert "refused by the test" in message.last_error
    assert timedelta(seconds=60) <= delays[0] < timedelta(seconds=62)
    assert timedelta(seconds=120) <= delays[1] < timedelta(seconds=122)
    # A failed message is no longer due; only staff's retry brings it back.
    assert not OutboxMessage.objects.due(now=timezone.now() + timedelta(days=1)).exists()
    assert delivery.deliver(message.pk) == OutboxMessage.Status.FAILED
    assert message.attempts == 3


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("refused by the test")


@pytest.mark.django_db
def test_send_outbox_skips_messages_not_yet_due(settings, mailoutbox):
    registration = RegistrationFactory()
    later = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.CONFIRMATION,
        recipient=registration.email,
        registration=registration,
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    due = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.CONFIRMATION,
        recipient=registration.email,
        registration=registration,
    )
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert out.getvalue().strip() == "sent: 1"
    assert len(mailoutbox) == 1
    later.refresh_from_db()
    due.refresh_from_db()
    assert (later.status, due.status) == ("pending", "sent")


# --- never twice --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_that_runs_twice_sends_once(mailoutbox):
    registrations = RegistrationFactory.create_batch(3)
    messages = OutboxMessage.objects.bulk_create(
        outbox.for_registration(r, OutboxMessage.Kind.CONFIRMATION) for r in registrations
    )
    ids = [m.pk for m in messages]
    assert delivery.deliver_outbox.call(ids) == {"sent": 3}
    assert delivery.deliver_outbox.call(ids) == {"sent": 3}
    delivery.deliver_outbox.enqueue(ids)
    assert len(mailoutbox) == 3
    assert delivery.deliver(ids[0]) == OutboxMessage.Status.SENT
    assert len(mailoutbox) == 3
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_the_same_task_queued_twice_on_the_db_worker_sends_once(settings, mailoutbox):
    settings.TASKS = DB_TASKS
    registration = RegistrationFactory()
    [message] = OutboxMessage.objects.bulk_create(
        [outbox.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)]
    )
    delivery.deliver_outbox.enqueue([message.pk])
    delivery.deliver_outbox.enqueue([message.pk])
    run_db_worker()
    assert len(mailoutbox) == 1
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"] * 2


@pytest.mark.django_db
def test_a_deleted_message_is_skipped(mailoutbox):
    assert delivery.deliver_outbox.call([987654]) == {"locked": 1}
    assert mailoutbox == []


# --- many recipients: one request, a fixed number of queries ------------------------------------


@pytest.fixture
def crowd(db, settings):
    """2,000 registrations for one event, written in a few statements."""
    settings.TASKS = DB_TASKS
    event = EventFactory(capacity=None, title="Jahrestreffen Groß")
    person = ContactPersonFactory()
    Registration.objects.bulk_create(
        [
            RegistrationFactory.build(
                event=event,
                registered_by=person,
                organisation=person.organisation,
                email=f"teilnehmer{i}@stadt.example.org",
                language="en" if i % 2 else "de",
                status=Registration.Status.WAITING if i % 10 == 0 else "confirmed",
            )
            for i in range(2000)
        ],
        batch_size=500,
    )
    return event


def query_budget() -> int:
    """2,000 mails: a handful of statements for the change, the outbox rows in batches, one
    INSERT per task of 100 messages (20). None per registrant, which would be 2,000 or more.

    PostgreSQL takes 500 rows a statement (4 INSERTs; cancelling measures 35 queries,
    rescheduling 43: it also writes the answer deadline, with a history row of its own). SQLite
    splits bulk statements at its 999-parameter limit, about 75 rows each (cancelling: 65), and
    the audit trail's history rows (one per registration, about 30 columns) at about 30 rows
    each, some 70 statements more (cancelling: 135). PostgreSQL writes them in one.
    Rescheduling also checks the check-ins of dropped days and writes the answer deadline with
    its own history row, and keeps the day rows so the programme's sessions move with them:
    it reads the days, moves the sessions of a dropped day, deletes that day and updates the
    kept one (reschedule: 48 on PostgreSQL, 151 on SQLite, however many sessions and
    registrants).
    """
    return 155 if connection.vendor == "sqlite" else 50


def test_cancelling_for_2000_registrants_queues_in_a_fixed_number_of_queries(
    crowd, django_capture_on_commit_callbacks, django_assert_max_num_queries, mailoutbox
):
    with (
        django_assert_max_num_queries(query_budget()),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.event_cancel_notify(event=crowd, notice="Abgesagt")
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EVENT_CANCELLED).count() == 2000
    assert DBTaskResult.objects.count() == 20
    assert not Registration.objects.filter(event=crowd).active().exists()
    assert mailoutbox == []  # the worker sends them, not the request


@pytest.mark.parametrize("group", ["all", "confirmed", "waiting"])
def test_staff_message_to_2000_registrants_queues_in_a_fixed_number_of_queries(
    crowd, group, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with (
        django_assert_max_num_queries(query_budget()),
        django_capture_on_commit_callbacks(execute=True),
    ):
        count = services.staff_message_send(
            event=crowd, group=group, subject="Hinweis", body="Guten Tag {last_name}"
        )
    assert count == {"all": 2000, "confirmed": 1800, "waiting": 200}[group]
    assert OutboxMessage.objects.count() == count


@pytest.mark.parametrize("step", ["postpone", "reschedule", "remind"])
def test_other_steps_for_2000_registrants_stay_within_the_budget(
    crowd, step, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    first = timezone.localdate() + timedelta(days=120)
    run = {
        "postpone": lambda: services.event_postpone_notify(event=crowd, notice=""),
        "reschedule": lambda: services.event_reschedule_notify(
            event=crowd,
            new_days=[DaySpec(first)],
            notice="",
            answer_deadline=timezone.now() + timedelta(days=7),
        ),
        "remind": lambda: services.reconfirmation_remind(event=crowd),
    }[step]
    if step == "remind":
        Registration.objects.filter(event=crowd).update(reconfirmation="pending")
    with (
        django_assert_max_num_queries(query_budget()),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run()
    assert OutboxMessage.objects.count() == 2000
