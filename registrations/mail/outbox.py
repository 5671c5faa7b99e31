"""Queueing mail: rows written in the transaction of the change, sent after it commits.

`queue()` writes `OutboxMessage` rows and, once the transaction commits, enqueues their
delivery: a rollback leaves neither the change nor the mail, a commit both.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.utils import timezone

from ..models import OutboxMessage, Registration
from .delivery import enqueue_delivery

_captured: ContextVar[list | None] = ContextVar("outbox_captured", default=None)


@contextmanager
def capture() -> Iterator[list[OutboxMessage]]:
    """Collect every message queued inside the block: a preview runs the real service and
    shows exactly what it queued, so its count and text cannot differ from the sending."""
    captured: list[OutboxMessage] = []
    token = _captured.set(captured)
    try:
        yield captured
    finally:
        _captured.reset(token)


def queue(messages: Iterable[OutboxMessage]) -> list[OutboxMessage]:
    """Store the messages; their delivery is enqueued once the surrounding transaction commits.

    One INSERT for any number of messages, and one task per hundred of them.
    """
    created = OutboxMessage.objects.bulk_create(list(with_notices(messages)), batch_size=500)
    captured = _captured.get()
    if captured is not None:
        captured.extend(created)
    ids = [m.pk for m in created]
    if ids:
        transaction.on_commit(lambda: enqueue_delivery(ids))
    return created


# What the contact person who registered a representative hears about as well.
NOTIFY_REGISTRANT = {
    OutboxMessage.Kind.CONFIRMATION,
    OutboxMessage.Kind.CANCELLATION,
    OutboxMessage.Kind.PROMOTION,
}


def with_notices(messages: Iterable[OutboxMessage]) -> Iterator[OutboxMessage]:
    """The messages, each followed by a notice to whoever registered the representative it
    concerns: they answer for their organisation's places, so they learn of the confirmation,
    a move up from the waiting list and a cancellation, whichever door caused it."""
    for message in messages:
        yield message
        registration = message.registration
        if message.kind in NOTIFY_REGISTRANT and registration and registration.is_representative:
            contact = registration.registered_by
            yield OutboxMessage(
                kind=OutboxMessage.Kind.REPRESENTATIVE_NOTICE,
                recipient=contact.email,
                language=contact.language,
                event_id=registration.event_id,
                registration=registration,
                contact_person=contact,
                payload={"about": message.kind, **_passed_on(message.payload)},
            )


def _passed_on(payload: dict | None) -> dict:
    """What the notice repeats of the message it follows: to whom a place was handed."""
    return {key: value for key, value in (payload or {}).items() if key == "successor"}


def for_registration(registration: Registration, kind: str, **payload) -> OutboxMessage:
    return OutboxMessage(
        kind=kind,
        recipient=registration.email,
        language=registration.language,
        event_id=registration.event_id,
        registration=registration,
        payload=payload,
    )


def retry(messages) -> int:
    """Staff's "retry": failed or waiting messages go out again now."""
    ids = list(messages.exclude(status=OutboxMessage.Status.SENT).values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=ids).update(
        status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: enqueue_delivery(ids))
    return len(ids)
