"""The event lifecycle: postpone, reschedule, cancel, create a replacement.

Each function runs in one transaction under a row lock on the event and returns the
`EventChange` it recorded (or the new event), so that a caller — the registrations app,
which tells registrants — can act on it in the same transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Event, EventChange, EventDay, ProgrammeItem, Session, SessionSpeaker


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


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _days_as_dicts(event: Event) -> list[dict]:
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


def _refresh(event: Event, locked: Event) -> None:
    """Bring the caller's instance up to date with what the service wrote."""
    for field in REFRESHED:
        setattr(event, field, getattr(locked, field))
    if hasattr(event, "_prefetched_objects_cache"):
        event._prefetched_objects_cache.clear()


def validate_future_days(days: list[DaySpec]) -> None:
    """Staff move an event only to days still ahead (the demo may replay history)."""
    if days and min(d.date for d in days) <= timezone.localdate():
        raise ValidationError(_("New days must lie in the future."), code="past_days")


def _validate_days(days: list[DaySpec]) -> list[DaySpec]:
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


def _shift(value: datetime | None, delta: timedelta) -> datetime | None:
    """Move a moment by whole days in local wall-clock time, so 19:00 stays 19:00 across DST."""
    if value is None:
        return None
    local = timezone.localtime(value).replace(tzinfo=None)
    return timezone.make_aware(local + delta)


def _move_item(item: ProgrammeItem, old_dates: list[date], days: list[DaySpec]) -> None:
    """Move a side programme item to the new day of the same position (the first day's items
    to the new first day …; beyond the new last day, to the new last day), same time of day."""
    if item.starts_at is None or not old_dates:
        return
    day = timezone.localdate(item.starts_at)
    index = max(sum(1 for d in old_dates if d <= day) - 1, 0)
    shift = days[min(index, len(days) - 1)].date - old_dates[index]
    item.starts_at = _shift(item.starts_at, shift)
    item.ends_at = _shift(item.ends_at, shift)


def _shift_programme(event: Event, previous: list[dict], days: list[DaySpec]) -> None:
    """Move side programme items along with the event's days."""
    old_dates = [date.fromisoformat(d["date"]) for d in previous]
    for item in event.programme_items.all():
        before = (item.starts_at, item.ends_at)
        _move_item(item, old_dates, days)
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


def _record(
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
    _refresh(event, locked)
    return change


def event_postpone(*, event: Event, notice: str, notice_en: str = "") -> EventChange:
    """Postpone without new dates: registrations stay, the dates become provisional."""
    with transaction.atomic():
        locked = _lock(event)
        if locked.status == Event.Status.CANCELLED:
            raise TransitionError(_("A cancelled event cannot be postponed."), code="cancelled")
        if locked.status == Event.Status.POSTPONED:
            raise TransitionError(_("The event is already postponed."), code="postponed")
        return _record(
            event=event,
            locked=locked,
            kind=EventChange.Kind.POSTPONED,
            status=Event.Status.POSTPONED,
            notice=notice,
            notice_en=notice_en,
            previous_days=_days_as_dicts(locked),
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
    days = _validate_days(list(new_days))
    with transaction.atomic():
        locked = _lock(event)
        if locked.status == Event.Status.CANCELLED:
            raise TransitionError(_("A cancelled event cannot be rescheduled."), code="cancelled")
        previous = _days_as_dicts(locked)
        if previous == [d.as_dict() for d in days]:
            raise ValidationError(
                _("The new days are the same as the current ones."), code="same_days"
            )
        _shift_programme(locked, previous, days)
        if move_registration_window and previous:
            shift = days[0].date - date.fromisoformat(previous[0]["date"])
            locked.registration_opens_at = _shift(locked.registration_opens_at, shift)
            locked.registration_closes_at = _shift(locked.registration_closes_at, shift)
            with translation.override(settings.LANGUAGE_CODE):  # history is read by staff
                locked._change_reason = _("Registration window moved with the days")
            locked.save(update_fields=["registration_opens_at", "registration_closes_at"])
            event.registration_opens_at = locked.registration_opens_at
            event.registration_closes_at = locked.registration_closes_at
        _move_days(locked, days)
        return _record(
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
        locked = _lock(event)
        if locked.status == Event.Status.CANCELLED:
            raise TransitionError(_("The event is already cancelled."), code="cancelled")
        return _record(
            event=event,
            locked=locked,
            kind=EventChange.Kind.CANCELLED,
            status=Event.Status.CANCELLED,
            notice=notice,
            notice_en=notice_en,
            previous_days=_days_as_dicts(locked),
            new_calendar_version=True,
        )


def _copy_programme(event: Event, replacement: Event, days: list[DaySpec]) -> None:
    """Copy the side programme to the replacement, each item on its day of the same position,
    and the organiser contacts."""
    for contact in event.contacts.all():
        contact.pk = None
        contact.event = replacement
        contact.save()
    old_dates = list(event.days.order_by("date").values_list("date", flat=True))
    for item in event.programme_items.all():
        _move_item(item, old_dates, days)
        item.pk = None
        item.event = replacement
        item.save()


def _copy_sessions(event: Event, replacement: Event) -> None:
    """Copy the programme, each session to the replacement's day of the same position (beyond
    its last day, to its last day), with the same speakers in the same order."""
    new_days = list(replacement.days.order_by("date", "start_time"))
    old_days = event.days.order_by("date", "start_time").prefetch_related(
        "sessions__session_speakers"
    )
    links = []
    for index, day in enumerate(old_days):
        target = new_days[min(index, len(new_days) - 1)]
        for session in day.sessions.all():
            speakers = list(session.session_speakers.all())
            session.pk = None
            session.day = target
            session.save()
            links += [
                SessionSpeaker(session=session, speaker_id=s.speaker_id, position=s.position)
                for s in speakers
            ]
    SessionSpeaker.objects.bulk_create(links)


def _unique_slug(base: str) -> str:
    base = slugify(base)[:190] or "veranstaltung"
    slug, n = base, 2
    while Event.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# What a replacement does not take over from the event it replaces: identity, state, the
# registration period and the answer deadline of a reschedule (it gets its own).
NOT_COPIED = {
    "id",
    "uid",
    "slug",
    "title",
    "status",
    "status_notice",
    "status_changed_at",
    "sequence",
    "replaces",
    "published",
    "created_at",
    "updated_at",
    "registration_opens_at",
    "registration_closes_at",
    "reconfirmation_deadline",
    "release_unanswered",
}


def _copied_fields(event: Event) -> dict:
    """The fields a replacement takes over, each text in both languages as stored (`title_de`,
    `title_en`; not `title`, which reads the active language)."""
    fields = Event._meta.concrete_fields
    translated = {f.translated_field.name for f in fields if hasattr(f, "translated_field")}
    names = {}
    for f in fields:
        original = getattr(f, "translated_field", f).name  # `title` for `title_de`
        if original in NOT_COPIED or f.name in translated:
            continue
        names[f.attname] = getattr(event, f.attname)
    return names


def _default_title(event: Event, language: str) -> str:
    with translation.override(language):
        return _("%(title)s (replacement event)") % {"title": event.title}


def event_create_replacement(
    *,
    event: Event,
    days: list[DaySpec],
    title: str = "",
    notice: str = "",
    notice_en: str = "",
    publish: bool = False,
) -> Event:
    """Create an "Ersatzveranstaltung": a copy of the event's content on new days, linked to it."""
    days = _validate_days(list(days))
    with transaction.atomic():
        locked = _lock(event)
        if Event.objects.filter(replaces=locked).exists():
            raise TransitionError(
                _("This event already has a replacement event."), code="has_replacement"
            )
        if locked.replaces_id and locked.status != Event.Status.CANCELLED:
            raise TransitionError(
                _("Only a cancelled replacement event can itself be replaced."),
                code="replacement_active",
            )
        titles = {"title_de": title.strip(), "title_en": None}
        if not titles["title_de"]:
            titles = {f"title_{lang}": _default_title(locked, lang) for lang in ("de", "en")}
        replacement = Event.objects.create(
            **_copied_fields(locked),
            **titles,
            slug=_unique_slug(
                titles.get(f"title_{translation.get_language()}") or titles["title_de"]
            ),
            replaces=locked,
            published=publish,
        )
        replacement.topics.set(locked.topics.all())
        EventDay.objects.bulk_create(
            EventDay(event=replacement, date=d.date, start_time=d.start_time, end_time=d.end_time)
            for d in days
        )
        _copy_programme(locked, replacement, days)
        _copy_sessions(locked, replacement)
        EventChange.objects.create(
            event=locked,
            kind=EventChange.Kind.REPLACED,
            previous_status=locked.status,
            previous_days=_days_as_dicts(locked),
            new_days=[d.as_dict() for d in days],
            notice_de=notice,
            notice_en=notice_en or None,
        )
        return replacement
