"""Mail staff send: messages to a group of registrants, reminders, retries."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, ProgrammeItem

from ..mail import outbox
from ..models import OutboxMessage, Registration
from ..selectors.recipients import message_recipients


def staff_message_send(
    *, event: Event, group: str, subject: str, body: str, item: ProgrammeItem | None = None
) -> int:
    """Queue a message from staff to a group of registrants; placeholders are filled per person."""
    if not subject.strip() or not body.strip():
        raise ValidationError(_("Subject and text are required."), code="empty")
    with transaction.atomic():
        return len(
            outbox.queue(
                outbox.for_registration(
                    r, OutboxMessage.Kind.STAFF_MESSAGE, subject=subject, body=body
                )
                for r in message_recipients(event=event, group=group, item=item)
            )
        )


def event_reminders_send(*, now: datetime | None = None) -> int:
    """The reminder mail, once per registration, the configured number of days before the event.

    Safe to run repeatedly (hourly, say): a sent reminder is recorded on the registration.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    queued = 0
    events = (
        Event.objects.filter(reminder_days_before__isnull=False)
        .exclude(status__in=[Event.Status.CANCELLED, Event.Status.POSTPONED])
        .with_dates()
        .filter(first_date__gt=today)
    )
    for event in events:
        if (event.first_date - today).days > event.reminder_days_before:
            continue
        with transaction.atomic():
            due = list(
                Registration.objects.select_for_update(skip_locked=True).filter(
                    event=event,
                    status=Registration.Status.CONFIRMED,
                    reminder_sent_at__isnull=True,
                )
            )
            Registration.objects.filter(pk__in=[r.pk for r in due]).update(reminder_sent_at=now)
            queued += len(
                outbox.queue(
                    outbox.for_registration(r, OutboxMessage.Kind.EVENT_REMINDER) for r in due
                )
            )
    return queued


def outbox_retry(*, messages) -> int:
    """Staff's "retry": failed or waiting messages go out again now."""
    with transaction.atomic():
        return outbox.retry(messages)
