"""Calendar files (RFC 5545) for an event, built with the icalendar package.

One VEVENT per day, each with a UID derived from the event's stable UID and the day's
position, so that calendar clients replace the entries when SEQUENCE rises.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from .models import Event


def day_uid(event: Event, index: int) -> str:
    return f"{event.uid}-{index}@jahrestreffen.difu.de"


def build_calendar(event: Event, *, method: str = "PUBLISH", url: str = "") -> bytes:
    """The event as iCalendar bytes. `method` is PUBLISH for downloads, REQUEST or CANCEL in mails.

    A cancelled event always carries STATUS:CANCELLED; with METHOD:CANCEL clients remove it.
    """
    cal = Calendar()
    cal.add("prodid", "-//Difu//Jahrestreffen//DE")
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    days = event.sorted_days
    if event.is_cancelled and not days:
        days = []
    status = {
        Event.Status.CANCELLED: "CANCELLED",
        Event.Status.POSTPONED: "TENTATIVE",
    }.get(event.status, "CONFIRMED")
    location = "Online" if event.is_online else event.venue_line
    for index, day in enumerate(days, start=1):
        vevent = VEvent()
        vevent.add("uid", day_uid(event, index))
        vevent.add("sequence", event.sequence)
        vevent.add("dtstamp", stamp)
        vevent.add("dtstart", _local(day.starts_at))
        vevent.add("dtend", _local(day.ends_at))
        summary = event.title if len(days) == 1 else f"{event.title} ({index}/{len(days)})"
        vevent.add("summary", summary)
        if event.lead_theme:
            vevent.add("description", event.lead_theme)
        if location:
            vevent.add("location", location)
        if url:
            vevent.add("url", url)
        vevent.add("status", status)
        organizer = vCalAddress(f"mailto:{_organiser_email(event)}")
        organizer.params["cn"] = vText(event.organiser)
        vevent.add("organizer", organizer)
        cal.add_component(vevent)
    # TZID references need their VTIMEZONE definitions (RFC 5545 3.2.19).
    cal.add_missing_timezones()
    return cal.to_ical()


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def _organiser_email(event: Event) -> str:
    for contact in event.contacts.all():
        if contact.email:
            return contact.email
    return settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
