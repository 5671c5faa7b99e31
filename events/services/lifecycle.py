"""Postpone, reschedule and cancel: each in one transaction under the event's row lock,
returning the `EventChange` it recorded."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Event, EventChange, EventDay, Session
from .base import (
    DaySpec,
    TransitionError,
    days_as_dicts,
    lock_event,
    move_item,
    record_change,
    shift_moment,
    validate_days,
)


def _shift_programme(event: Event, previous: list[dict], days: list[DaySpec]) -> None:
    """Move side programme items along with the event's days."""
    old_dates = [date.fromisoformat(d["date"]) for d in previous]
    for item in event.programme_items.all():
        before = (item.starts_at, item.ends_at)
        move_item(item, old_dates, days)
        if (item.starts_at, item.ends_at) != before:
            item.save(update_fields=["starts_at", "ends_at"])


def _move_days(event: Event, days: list[DaySpec]) -> None:
    """Give the event its new days, keeping the day rows, so each day's programme sessions
    move with it: the first day becomes the new first day and so on (as for the side
    programme). Sessions of days beyond the new last day go to the new last day; extra new
    days start empty.

    Rows are updated so that no two hold the same date at any moment (the unique constraint
    is not deferred): days moving later from the latest one, days moving earlier from the
    earliest one. Both lists are sorted, so no two rows wait for each other.
    """
    old = list(event.days.order_by("date", "start_time"))
    kept, surplus = old[: len(days)], old[len(days) :]
    if surplus:
        Session.objects.filter(day__in=surplus).update(day=kept[-1])
        EventDay.objects.filter(pk__in=[d.pk for d in surplus]).delete()
    pairs = list(zip(kept, days, strict=False))
    later = sorted(
        (p for p in pairs if p[1].date > p[0].date), key=lambda p: -p[0].date.toordinal()
    )
    earlier = [p for p in pairs if p[1].date <= p[0].date]
    for row, spec in later + earlier:
        row.date, row.start_time, row.end_time = spec.date, spec.start_time, spec.end_time
        row.save(update_fields=["date", "start_time", "end_time"])
    EventDay.objects.bulk_create(
        EventDay(event=event, date=d.date, start_time=d.start_time, end_time=d.end_time)
        for d in days[len(kept) :]
    )


def event_postpone(*, event: Event, notice: str, notice_en: str = "") -> EventChange:
    """Postpone without new dates: registrations stay, the dates become provisional."""
    with transaction.atomic():
        locked = lock_event(event)
        if locked.status == Event.Status.CANCELLED:
            raise TransitionError(_("A cancelled event cannot be postponed."), code="cancelled")
        if locked.status == Event.Status.POSTPONED:
            raise TransitionError(_("The event is already postponed."), code="postponed")
        return record_change(
            event=event,
            locked=locked,
            kind=EventChange.Kind.POSTPONED,
            status=Event.Status.POSTPONED,
            notice=notice,
            notice_en=notice_en,
            previous_days=days_as_dicts(locked),
            new_calendar_version=False,
        )


def event_reschedule(
    *,
    event: Event,
    new_days: list[DaySpec],
    notice: str,
    notice_en: str = "",
    move_registration_window: bool = False,
) -> EventChange:
    """Move the event to new days; the old ones are kept in the change record.

    `move_registration_window`: opening and closing of registration move by as many days as
    the first day moves (a window that closed before the old dates reopens for the new ones).
    """
    days = validate_days(list(new_days))
    with transaction.atomic():
        locked = lock_event(event)
        if locked.status == Event.Status.CANCELLED:
            raise TransitionError(_("A cancelled event cannot be rescheduled."), code="cancelled")
        previous = days_as_dicts(locked)
        if previous == [d.as_dict() for d in days]:
            raise ValidationError(
                _("The new days are the same as the current ones."), code="same_days"
            )
        _shift_programme(locked, previous, days)
        if move_registration_window and previous:
            shift = days[0].date - date.fromisoformat(previous[0]["date"])
            locked.registration_opens_at = shift_moment(locked.registration_opens_at, shift)
            locked.registration_closes_at = shift_moment(locked.registration_closes_at, shift)
            with translation.override(settings.LANGUAGE_CODE):  # history is read by staff
                locked._change_reason = _("Registration window moved with the days")
            locked.save(update_fields=["registration_opens_at", "registration_closes_at"])
            event.registration_opens_at = locked.registration_opens_at
            event.registration_closes_at = locked.registration_closes_at
        _move_days(locked, days)
        return record_change(
            event=event,
            locked=locked,
            kind=EventChange.Kind.RESCHEDULED,
            status=Event.Status.RESCHEDULED,
            notice=notice,
            notice_en=notice_en,
            previous_days=previous,
            new_days=[d.as_dict() for d in days],
            new_calendar_version=True,
        )


def event_cancel(*, event: Event, notice: str, notice_en: str = "") -> EventChange:
    """Cancel the event. Its days and registrations are kept; registration closes."""
    with transaction.atomic():
        locked = lock_event(event)
        if locked.status == Event.Status.CANCELLED:
            raise TransitionError(_("The event is already cancelled."), code="cancelled")
        return record_change(
            event=event,
            locked=locked,
            kind=EventChange.Kind.CANCELLED,
            status=Event.Status.CANCELLED,
            notice=notice,
            notice_en=notice_en,
            previous_days=days_as_dicts(locked),
            new_calendar_version=True,
        )
