"""Mail to registrants through an outbox: queued in the transaction of the change, sent by a task.

`queue()` writes `OutboxMessage` rows and, once the transaction commits, enqueues their
delivery. `deliver()` sends one message under a row lock and records the result, so a task
that runs twice sends nothing twice; a refused delivery is retried with exponential backoff.
Messages are rendered when they are sent, in the recipient's language, plain text and HTML.
"""

import logging
import re
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from events.ics import build_calendar

from .models import OutboxMessage, ProgrammeChoice, Registration

log = logging.getLogger(__name__)

K = OutboxMessage.Kind

# kind -> (template, calendar METHOD to attach or None)
TEMPLATES = {
    K.SIGN_IN_LINK: ("sign_in_link", None),
    K.ACCESS_APPROVED: ("access_approved", None),
    K.ACCESS_REJECTED: ("access_rejected", None),
    K.CONFIRMATION: ("registration_confirmation", "PUBLISH"),
    K.PROMOTION: ("registration_promoted", "PUBLISH"),
    K.ITEM_PROMOTION: ("item_promoted", None),
    K.CANCELLATION: ("registration_cancelled", "CANCEL"),
    K.EVENT_POSTPONED: ("event_postponed", None),
    K.EVENT_RESCHEDULED: ("event_rescheduled", "PUBLISH"),
    K.RECONFIRMATION_REMINDER: ("reconfirmation_reminder", None),
    K.EVENT_CANCELLED: ("event_cancelled", "CANCEL"),
    K.EVENT_CANCELLED_ACCESS: ("event_cancelled_access", None),
    K.REPLACEMENT_INVITATION: ("replacement_invitation", None),
    K.STAFF_MESSAGE: ("staff_message", None),
    K.EVENT_REMINDER: ("event_reminder", "PUBLISH"),
}

DELIVERY_CHUNK = 100


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def localized_url(viewname: str, *, language: str, **kwargs) -> str:
    with translation.override(language):
        return absolute_url(reverse(viewname, kwargs=kwargs or None))


# --- queueing --------------------------------------------------------------------------------


def queue(messages: Iterable[OutboxMessage]) -> list[OutboxMessage]:
    """Store the messages; their delivery is enqueued once the surrounding transaction commits.

    One INSERT for any number of messages, and one task per hundred of them.
    """
    created = OutboxMessage.objects.bulk_create(list(messages), batch_size=500)
    ids = [m.pk for m in created]
    if ids:
        transaction.on_commit(lambda: enqueue_delivery(ids))
    return created


def for_registration(registration: Registration, kind: str, **payload) -> OutboxMessage:
    return OutboxMessage(
        kind=kind,
        recipient=registration.email,
        language=registration.language,
        event_id=registration.event_id,
        registration=registration,
        payload=payload,
    )


def enqueue_delivery(ids: list[int]) -> None:
    from . import tasks

    for start in range(0, len(ids), DELIVERY_CHUNK):
        tasks.deliver_outbox.enqueue(ids[start : start + DELIVERY_CHUNK])


# --- rendering -------------------------------------------------------------------------------


def _greeting_context(obj) -> dict:
    return {
        "salutation": getattr(obj, "salutation", ""),
        "first_name": getattr(obj, "first_name", ""),
        "last_name": getattr(obj, "last_name", ""),
    }


def registration_context(registration: Registration) -> dict:
    event = registration.event
    choices = [c for c in registration.programme_choices.all() if c.status != "cancelled"]
    return {
        "registration": registration,
        "event": event,
        "choices": choices,
        "waiting_position": registration.waiting_position(),
        "manage_url": localized_url(
            "registrations:manage", language=registration.language, token=registration.manage_token
        ),
        "event_url": absolute_url(event.get_absolute_url()),
        "deadline": event.reconfirmation_deadline,
        **_greeting_context(registration),
    }


def day_list(event) -> str:
    return ", ".join(date_format(day.date, "DATE_FORMAT") for day in event.sorted_days)


def staff_message_placeholders(registration: Registration) -> dict:
    """The placeholders staff may use in a message to registrants."""
    salutation = {"frau": translation.gettext("Ms"), "herr": translation.gettext("Mr")}.get(
        registration.salutation, ""
    )
    return {
        "salutation": salutation,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "event": registration.event.title,
        "dates": day_list(registration.event),
        "manage_url": localized_url(
            "registrations:manage", language=registration.language, token=registration.manage_token
        ),
    }


PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


def fill_placeholders(text: str, values: dict) -> str:
    """Replace the known {name} placeholders; anything else in braces stays as written.

    Not str.format: one stray "{0}" or "{" would make it give up on the whole text, and
    format specs ("{last_name:>9999999}") are nothing staff should be able to run.
    """
    return PLACEHOLDER_RE.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text
    )


def context_for(message: OutboxMessage) -> dict:
    payload = message.payload or {}
    context: dict = {"payload": payload}
    if message.registration_id:
        registration = (
            Registration.objects.select_related("event", "organisation", "registered_by")
            .prefetch_related("event__days", "event__contacts", "programme_choices__item")
            .get(pk=message.registration_id)
        )
        context.update(registration_context(registration))
        if message.kind == K.STAFF_MESSAGE:
            with translation.override(message.language):
                values = staff_message_placeholders(registration)
            context["staff_subject"] = fill_placeholders(payload.get("subject", ""), values)
            context["staff_body"] = fill_placeholders(payload.get("body", ""), values)
        if message.kind == K.REPLACEMENT_INVITATION:
            from events.models import Event

            replacement = Event.objects.prefetch_related("days").get(pk=payload["replacement_id"])
            context["replacement"] = replacement
            context["carry_over_url"] = localized_url(
                "registrations:carry_over",
                language=message.language,
                token=registration.manage_token,
            )
        if message.kind == K.ITEM_PROMOTION:
            context["item"] = (
                ProgrammeChoice.objects.select_related("item").get(pk=payload["choice_id"]).item
            )
    if message.access_request_id:
        req = message.access_request
        context.update({"request": req, **_greeting_context(req)})
        if message.event_id:
            context["event"] = message.event
    if message.contact_person_id:
        context.update(
            {"person": message.contact_person, **_greeting_context(message.contact_person)}
        )
    if message.kind in (K.SIGN_IN_LINK, K.ACCESS_APPROVED):
        from .services import sign_in_token_make

        # Made now, not when queued: the outbox never stores a credential.
        token = sign_in_token_make(person=message.contact_person)
        context["link"] = localized_url(
            "registrations:sign_in_link", language=message.language, token=token
        )
        context["link_minutes"] = settings.SIGN_IN_LINK_MAX_AGE // 60
    return context


def render(message: OutboxMessage) -> tuple[str, str, str, list[tuple[str, bytes, str]]]:
    """Subject, text, HTML and attachments of a queued message, in its language."""
    template, method = TEMPLATES[message.kind]
    context = context_for(message)
    with translation.override(message.language):
        context["site_url"] = settings.SITE_URL
        subject = " ".join(
            render_to_string(f"registrations/emails/{template}_subject.txt", context).split()
        )
        text = render_to_string(f"registrations/emails/{template}.txt", context)
        html = render_to_string(
            "registrations/emails/base.html",
            {"subject": subject, "body": text, "language": message.language},
        )
    attachments = []
    if method and context.get("event") is not None:
        event = context["event"]
        ics = build_calendar(event, method=method, url=absolute_url(event.get_absolute_url()))
        attachments.append(
            (f"{event.slug}.ics", ics, f"text/calendar; method={method}; charset=utf-8")
        )
    return subject, text, html, attachments


# --- delivery --------------------------------------------------------------------------------


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
            mail = EmailMultiAlternatives(
                subject=subject,
                body=text,
                to=[message.recipient],
                headers={"Message-ID": message.message_id},
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


def schedule_retry(message: OutboxMessage) -> None:
    """Enqueue a retry at the message's next attempt time, where the backend can defer tasks.

    Elsewhere (the immediate backend in tests) `send_outbox` picks due messages up.
    """
    from django_tasks import default_task_backend

    from . import tasks

    if default_task_backend.supports_defer:
        tasks.deliver_outbox.using(run_after=message.next_attempt_at).enqueue([message.pk])


def retry(messages) -> int:
    """Staff's "retry": failed or waiting messages go out again now."""
    ids = list(messages.exclude(status=OutboxMessage.Status.SENT).values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=ids).update(
        status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: enqueue_delivery(ids))
    return len(ids)
