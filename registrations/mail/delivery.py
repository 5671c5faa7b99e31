"""Sending queued mail: one message at a time under a row lock, retried with backoff.

`deliver()` sends one message and records the result, so a task that runs twice sends
nothing twice. The worker task `deliver_outbox` and the `send_outbox` command both use it.
"""

import logging
from datetime import timedelta
from email.header import Header

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

from ..models import OutboxMessage
from .render import render

log = logging.getLogger(__name__)

DELIVERY_CHUNK = 100


class OutboxMail(EmailMultiAlternatives):
    """Django folds a non-ASCII subject into encoded words of up to 76 characters; RFC 2047
    allows 75, and strict readers flag the longer ones. Folded here a little shorter."""

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        if not self.subject.isascii():
            msg.replace_header("Subject", Header(self.subject, "utf-8", maxlinelen=74).encode())
        return msg


def enqueue_delivery(ids: list[int]) -> None:
    for start in range(0, len(ids), DELIVERY_CHUNK):
        deliver_outbox.enqueue(ids[start : start + DELIVERY_CHUNK])


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def deliver(message_id: int, *, connection=None) -> str:
    """Send one message unless it was sent already. Returns its status afterwards.

    The row stays locked while the mail goes out, so two workers cannot both send it.
    `connection`: a mail connection to reuse across a batch (closed after a failure, so the
    next message starts on a fresh one).
    """
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("access_request__organisation", "contact_person", "event")
            .filter(pk=message_id)
            .first()
        )
        if message is None:  # another worker holds it
            return "locked"
        if message.status != OutboxMessage.Status.PENDING:
            return message.status
        message.attempts += 1
        try:
            subject, text, html, attachments = render(message)
            mail = OutboxMail(
                subject=subject,
                body=text,
                to=[message.recipient],
                headers=headers_for(message),
                connection=connection,
            )
            mail.attach_alternative(html, "text/html")
            for filename, content, mimetype in attachments:
                mail.attach(filename, content, mimetype)
            mail.send()
        except Exception as exc:  # noqa: BLE001 - any failure of a send is recorded and retried
            if connection is not None:
                connection.close()
            log.warning(
                "Outbox message %s failed (attempt %s): %s", message.pk, message.attempts, exc
            )
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = OutboxMessage.Status.FAILED
            else:
                message.next_attempt_at = timezone.now() + backoff(message.attempts)
                transaction.on_commit(lambda: schedule_retry(message))
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return message.status
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return message.status


def headers_for(message: OutboxMessage) -> dict[str, str]:
    """Staff messages are bulk mail; everything else the system writes by itself (RFC 3834),
    so auto-responders stay silent and mail filters know what it is."""
    headers = {"Message-ID": message.message_id}
    if message.kind == OutboxMessage.Kind.STAFF_MESSAGE:
        headers["Precedence"] = "bulk"
    else:
        headers["Auto-Submitted"] = "auto-generated"
    return headers


def schedule_retry(message: OutboxMessage) -> None:
    """Enqueue a retry at the message's next attempt time, where the backend can defer tasks.

    Elsewhere (the immediate backend in tests) `send_outbox` picks due messages up.
    """
    if default_task_backend.supports_defer:
        deliver_outbox.using(run_after=message.next_attempt_at).enqueue([message.pk])


@task()
def deliver_outbox(message_ids: list[int]) -> dict[str, int]:
    """Send queued messages; already sent ones are skipped, so running twice sends once."""
    results: dict[str, int] = {}
    connection = _open_connection()
    # Each run also sends what is stuck, so that a lost task does not leave mail unsent.
    stuck = OutboxMessage.objects.stuck().exclude(pk__in=message_ids).order_by("pk")
    message_ids = [*message_ids, *stuck.values_list("pk", flat=True)[:DELIVERY_CHUNK]]
    try:
        for pk in message_ids:
            status = deliver(pk, connection=connection)
            results[status] = results.get(status, 0) + 1
    finally:
        if connection is not None:
            connection.close()
    return results


def _open_connection():
    """One SMTP session for the batch instead of one per mail. If the server cannot be
    reached now, each message tries on its own, so its failure is recorded and retried."""
    connection = get_connection()
    try:
        connection.open()
    except Exception:  # noqa: BLE001 - recorded per message by emails.deliver
        return None
    return connection
