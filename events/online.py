"""The switch to online: a lifecycle step like postponing, with the same lock and record."""

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Event, EventChange
from .services.base import TransitionError, days_as_dicts, lock_event, record_change


def event_move_online(
    *, event: Event, notice: str, notice_en: str = "", join_url: str = "", dial_in: str = ""
) -> EventChange:
    """The event takes place online instead of (or besides) at the venue: a common alternative
    to cancelling. Days, status and registrations stay; calendars get a new version (the
    location changes). Join details given here replace those stored; they stay private."""
    with transaction.atomic():
        locked = lock_event(event)
        if locked.status == Event.Status.CANCELLED:
            raise TransitionError(_("A cancelled event cannot move online."), code="cancelled")
        if locked.is_online:
            raise TransitionError(_("The event already takes place online."), code="online")
        locked.attendance_mode = Event.AttendanceMode.ONLINE
        locked.join_url = join_url or locked.join_url
        locked.dial_in = dial_in or locked.dial_in
        return record_change(
            event=event,
            locked=locked,
            kind=EventChange.Kind.MOVED_ONLINE,
            status=locked.status,
            notice=notice,
            notice_en=notice_en,
            previous_days=days_as_dicts(locked),
            new_calendar_version=True,
            also_saved=("attendance_mode", "join_url", "dial_in"),
        )
