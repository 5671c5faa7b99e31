"""What every step of the event lifecycle shares: the day specification, the row lock on the
event, the change record and the checks on new days. The steps themselves are in
`lifecycle` (postpone, reschedule, cancel), `replacement` and `events.online`."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Event, EventChange, ProgrammeItem


class TransitionError(ValidationError):
    """A lifecycle step that the event's current status does not allow."""


@dataclass(frozen=True)
class DaySpec:
    date: date
    start_time: time = time(9, 0)
    end_time: time = time(17, 0)

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "start_time": self.start_time.strftime("%H:%M"),
            "end_time": self.end_time.strftime("%H:%M"),
        }


def lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def days_as_dicts(event: Event) -> list[dict]:
    return [day.as_dict() for day in event.days.order_by("date", "start_time")]


REFRESHED = (
    "status",
    "status_notice_de",
    "status_notice_en",
    "status_changed_at",
    "sequence",
    "attendance_mode",
    "join_url",
    "dial_in",
)


def refresh_from_locked(event: Event, locked: Event) -> None:
    """Bring the caller's instance up to date with what the service wrote."""
    for field in REFRESHED:
        setattr(event, field, getattr(locked, field))
    if hasattr(event, "_prefetched_objects_cache"):
        event._prefetched_objects_cache.clear()


def validate_future_days(days: list[DaySpec]) -> None:
    """Staff move an event only to days still ahead (the demo may replay history)."""
    if days and min(d.date for d in days) <= timezone.localdate():
        raise ValidationError(_("New days must lie in the future."), code="past_days")


def validate_days(days: list[DaySpec]) -> list[DaySpec]:
    if not days:
        raise ValidationError(_("Give at least one day."), code="no_days")
    dates = [d.date for d in days]
    if len(set(dates)) != len(dates):
        raise ValidationError(_("Each day may appear only once."), code="duplicate_days")
    for day in days:
        if day.end_time <= day.start_time:
            raise ValidationError(
                _("On %(date)s the end time must be after the start time.")
                % {"date": day.date.strftime("%d.%m.%Y")},
                code="day_order",
            )
    return sorted(days, key=lambda d: d.date)


def shift_moment(value: datetime | None, delta: timedelta) -> datetime | None:
    """Move a moment by whole days in local wall-clock time, so 19:00 stays 19:00 across DST."""
    if value is None:
        return None
    local = timezone.localtime(value).replace(tzinfo=None)
    return timezone.make_aware(local + delta)


def move_item(item: ProgrammeItem, old_dates: list[date], days: list[DaySpec]) -> None:
    """Move a side programme item to the new day of the same position (the first day's items
    to the new first day …; beyond the new last day, to the new last day), same time of day."""
    if item.starts_at is None or not old_dates:
        return
    day = timezone.localdate(item.starts_at)
    index = max(sum(1 for d in old_dates if d <= day) - 1, 0)
    shift = days[min(index, len(days) - 1)].date - old_dates[index]
    item.starts_at = shift_moment(item.starts_at, shift)
    item.ends_at = shift_moment(item.ends_at, shift)


def record_change(
    *,
    event: Event,
    locked: Event,
    kind: str,
    status: str,
    notice: str,
    notice_en: str = "",
    previous_days: list[dict],
    new_days: list[dict] = (),
    new_calendar_version: bool,
    also_saved: tuple[str, ...] = (),
) -> EventChange:
    """Write the change record and the event's new status; caller holds the lock.

    The notice goes into the German field and `notice_en` into the English one by name, not
    through `notice=` (that would write the language of whoever is signed in to the admin)."""
    now = timezone.now()
    change = EventChange.objects.create(
        event=locked,
        kind=kind,
        previous_status=locked.status,
        previous_days=previous_days,
        new_days=list(new_days),
        notice_de=notice,
        notice_en=notice_en or None,
        created_at=now,
    )
    locked.status = status
    locked.status_notice_de = notice
    locked.status_notice_en = notice_en or None
    locked.status_changed_at = now
    locked._change_reason = f"{EventChange.Kind(kind).label}: {notice}"[:100]
    fields = [
        "status",
        "status_notice_de",
        "status_notice_en",
        "status_changed_at",
        "updated_at",
        *also_saved,
    ]
    if new_calendar_version:
        locked.sequence += 1
        fields.append("sequence")
    locked.save(update_fields=fields)
    refresh_from_locked(event, locked)
    return change
