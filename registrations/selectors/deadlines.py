"""Until when a registrant may change or cancel their registration."""

from datetime import datetime

from django.utils import timezone

from events.models import Event

from ..models import Registration


def change_deadline(event: Event) -> datetime | None:
    """The moment after which registrants can no longer change or cancel by themselves: the
    event's own deadline for changes, not the end of registration (see
    `Event.self_service_ends_at`)."""
    return event.self_service_ends_at


def can_change(registration: Registration, now: datetime | None = None) -> bool:
    deadline = change_deadline(registration.event)
    now = now or timezone.now()
    return (
        registration.is_active
        and registration.event.status != Event.Status.CANCELLED
        and (deadline is None or now < deadline)
    )
