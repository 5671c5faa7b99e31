"""Check-in on site: one attendance row per registration and day."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Attendance, Registration


def _check_event_day(registration: Registration, day: date) -> None:
    if not registration.event.days.filter(date=day).exists():
        raise ValidationError(
            _("%(day)s is not a day of this event.") % {"day": day.strftime("%d.%m.%Y")}
        )


def attendance_check_in(*, registration: Registration, day: date, user) -> Attendance:
    """Mark a confirmed registrant present on one of the event's days (again: no change)."""
    with transaction.atomic():
        registration = Registration.objects.select_related("event").get(pk=registration.pk)
        if registration.status != Registration.Status.CONFIRMED:
            raise ValidationError(
                _("Only confirmed registrations can be checked in (this one: %(status)s).")
                % {"status": registration.get_status_display()}
            )
        _check_event_day(registration, day)
        attendance, _created = Attendance.objects.get_or_create(
            registration=registration, day=day, defaults={"checked_in_by": user}
        )
        return attendance


def attendance_undo(*, registration: Registration, day: date) -> bool:
    """Take back a check-in; True if there was one. Allowed whatever the status is now, so a
    mistaken mark can always be removed."""
    with transaction.atomic():
        _check_event_day(registration, day)
        deleted, _by_model = Attendance.objects.filter(registration=registration, day=day).delete()
        return deleted > 0
