"""Calendar files (RFC 5545) for an event, built with the icalendar package.

One VEVENT per day, each with a UID derived from the event's stable UID and the day's
position, so that calendar clients replace the entries when SEQUENCE rises.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Timezone, vCalAddress, vText, vUri
from icalendar import Event as VEvent

from .models import Event


@dataclass(frozen=True)
class OnlineAccess:
    """How one person joins an online event. Only in the calendar of a confirmed online
    participant, never in a download or feed anyone can fetch."""

    join_url: str = ""
    dial_in: str = ""

    def description(self) -> str:
        lines = []
        if self.join_url:
            lines.append(_("Join link") + f": {self.join_url}")
        if self.dial_in:
            lines.append(_("Dial-in") + f":\n{self.dial_in}")
        return "\n".join(lines)


def day_uid(event: Event, index: int) -> str:
    return f"{event.uid}-{index}@jahrestreffen.difu.de"


# Time zones written as yearly rules. icalendar's generated definitions list every transition
# as an RDATE, which Outlook and dateutil-based readers (vobject) ignore: they would show summer
# events an hour early. These rules hold since 1996, long before the first event here.
RULE_TIMEZONES = {
    "Europe/Berlin": """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
""",
}


def _add_timezones(cal: Calendar) -> None:
    """TZID references need their VTIMEZONE definitions (RFC 5545 3.2.19)."""
    rules = RULE_TIMEZONES.get(settings.TIME_ZONE)
    if rules and cal.walk("VEVENT"):
        cal.add_component(Timezone.from_ical(rules.replace("\n", "\r\n")))
    cal.add_missing_timezones()


def content_type(method: str = "PUBLISH") -> str:
    """The media type of a calendar answer; RFC 5546 puts the METHOD in it too."""
    return f"text/calendar; charset=utf-8; method={method}"


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Difu//Jahrestreffen//DE")
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _location(event: Event, online: OnlineAccess | None) -> str:
    """Where the entry takes place: the venue, or for someone who joins online the join link
    (their own calendar only; a public calendar says "Online")."""
    if online is not None:
        return online.join_url or "Online"
    return "Online" if event.is_online else event.venue_line


def _add_online(vevent: VEvent, event: Event, online: OnlineAccess) -> None:
    """Join details for a confirmed online participant: in DESCRIPTION for every client, and
    the link as CONFERENCE (RFC 7986) for those that offer a "join" button."""
    description = "\n\n".join(p for p in [event.lead_theme, online.description()] if p)
    if description:
        vevent.pop("description", None)
        vevent.add("description", description)
    if online.join_url:
        vevent.add(
            "conference",
            vUri(online.join_url),
            parameters={"VALUE": "URI", "FEATURE": "AUDIO,VIDEO", "LABEL": _("Join link")},
        )


def _add_event(
    cal: Calendar,
    event: Event,
    *,
    url: str,
    stamp: datetime,
    only: int | None = None,
    online: OnlineAccess | None = None,
) -> None:
    days = event.sorted_days
    status = {
        Event.Status.CANCELLED: "CANCELLED",
        Event.Status.POSTPONED: "TENTATIVE",
    }.get(event.status, "CONFIRMED")
    location = _location(event, online)
    for index, day in enumerate(days, start=1):
        if only is not None and index != only:
            continue
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
        if online is not None:
            _add_online(vevent, event, online)
        if url:
            vevent.add("url", url)
        vevent.add("status", status)
        vevent.add("organizer", _organizer(event))
        cal.add_component(vevent)


def _organizer(event: Event) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{_organiser_email(event)}")
    organizer.params["cn"] = vText(event.organiser)
    return organizer


def build_calendar(
    event: Event, *, method: str = "PUBLISH", url: str = "", online: OnlineAccess | None = None
) -> bytes:
    """The event as iCalendar bytes. `method` is PUBLISH for downloads, REQUEST or CANCEL in mails.

    A cancelled event always carries STATUS:CANCELLED; with METHOD:CANCEL clients remove it.
    `online`: join details, only for the personal download of a confirmed online participant.
    """
    cal = _calendar(method)
    _add_event(cal, event, url=url, stamp=timezone.now(), online=online)
    _add_timezones(cal)
    return cal.to_ical()


def build_messages(
    event: Event,
    *,
    method: str,
    url: str = "",
    attendee: tuple[str, str],
    sequence: int,
    items=(),
    online: OnlineAccess | None = None,
) -> list[tuple[str, bytes]]:
    """Calendar files for one person's mail (RFC 5546): one file per UID, each day and each
    side programme item the person holds, so every file is one iTIP message.

    `attendee` is (address, name) of the recipient; `sequence` must be higher than in the last
    calendar that person got, so a CANCEL after a PUBLISH with the same event SEQUENCE wins.
    With METHOD:CANCEL every entry says STATUS:CANCELLED. `online`: the person's join details,
    only for a confirmed online participant.
    """
    stamp = timezone.now()
    files = []
    for index in range(1, len(event.sorted_days) + 1):
        cal = _calendar(method)
        _add_event(cal, event, url=url, stamp=stamp, only=index, online=online)
        files.append((f"{event.slug}-{index}.ics", cal))
    for item in items:
        if item.starts_at and item.ends_at:
            cal = _calendar(method)
            _add_item(cal, event, item, url=url, stamp=stamp)
            files.append((f"{event.slug}-{item.pk}.ics", cal))
    result = []
    for filename, cal in files:
        for vevent in cal.walk("VEVENT"):
            _personalise(vevent, method=method, attendee=attendee, sequence=sequence)
        _add_timezones(cal)
        result.append((filename, cal.to_ical()))
    if len(result) == 1:
        result = [(f"{event.slug}.ics", result[0][1])]
    return result


def item_uid(event: Event, item) -> str:
    return f"{event.uid}-item-{item.pk}@jahrestreffen.difu.de"


def _add_item(cal: Calendar, event: Event, item, *, url: str, stamp: datetime) -> None:
    vevent = VEvent()
    vevent.add("uid", item_uid(event, item))
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", _local(item.starts_at))
    vevent.add("dtend", _local(item.ends_at))
    vevent.add("summary", f"{item.title} ({event.title})")
    if item.place:
        vevent.add("location", item.place)
    if url:
        vevent.add("url", url)
    vevent.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
    vevent.add("organizer", _organizer(event))
    cal.add_component(vevent)


def _personalise(vevent, *, method: str, attendee: tuple[str, str], sequence: int) -> None:
    address, name = attendee
    who = vCalAddress(f"mailto:{address}")
    if name:
        who.params["cn"] = vText(name)
    who.params["partstat"] = vText("DECLINED" if method == "CANCEL" else "ACCEPTED")
    vevent.add("attendee", who)
    vevent.pop("sequence", None)
    vevent.add("sequence", sequence)
    if method == "CANCEL":
        vevent.pop("status", None)
        vevent.add("status", "CANCELLED")


def build_feed(events, *, url_for) -> bytes:
    """All given events in one subscribable calendar, with the same UIDs as the single
    downloads, so a subscriber's entries update in place; `url_for(event)` is the page address."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", "Difu-Jahrestreffen")
    cal.add("x-published-ttl", "PT6H")
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    stamp = timezone.now()
    for event in events:
        _add_event(cal, event, url=url_for(event), stamp=stamp)
    _add_timezones(cal)
    return cal.to_ical()


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def _organiser_email(event: Event) -> str:
    for contact in event.contacts.all():
        if contact.email:
            return contact.email
    return settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
