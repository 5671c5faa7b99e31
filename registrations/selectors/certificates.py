"""Certificates of attendance: who gets one, what it certifies, and finding one by its code."""

from datetime import datetime

from django.db.models import QuerySet

from events.models import Event

from ..models import Certificate, Registration
from ..models.certificate import CODE_LENGTH


def certificate_available(registration: Registration, *, now: datetime | None = None) -> bool:
    """After the event's last day, for a person checked in on at least one day."""
    return (
        registration.anonymised_at is None
        and registration.event.is_over(now)
        and registration.attendances.exists()
    )


def certificate_recipients(event: Event) -> QuerySet[Registration]:
    """Everyone of the event checked in on at least one day (each once)."""
    return (
        Registration.objects.filter(event=event, anonymised_at__isnull=True)
        .filter(pk__in=event.registrations.filter(attendances__isnull=False).values("pk"))
        .select_related("event", "organisation")
        .order_by("pk")
    )


def attended_days(registration: Registration) -> list[dict]:
    """The event days the person was checked in on, with the programme's hours of each."""
    attended = set(registration.attendances.values_list("day", flat=True))
    return [day.as_dict() for day in registration.event.days.all() if day.date in attended]


def programme_minutes(days: list[dict]) -> int:
    """The programme's time on those days, from each day's start to its end."""
    total = 0
    for day in days:
        start = datetime.strptime(day["start_time"], "%H:%M")
        end = datetime.strptime(day["end_time"], "%H:%M")
        total += int((end - start).total_seconds() // 60)
    return total


def normalise_code(text: str) -> str:
    """What a person typed, as a stored code: case, spaces and dashes do not matter."""
    return "".join(c for c in text.upper() if c.isalnum())


def certificate_for_code(text: str) -> Certificate | None:
    code = normalise_code(text)
    if len(code) != CODE_LENGTH:
        return None
    return Certificate.objects.select_related("registration__event").filter(code=code).first()
