"""schema.org Event as JSON-LD for the event page."""

from django.utils import timezone

from .models import Event, EventChange

STATUS_URLS = {
    Event.Status.SCHEDULED: "https://schema.org/EventScheduled",
    Event.Status.POSTPONED: "https://schema.org/EventPostponed",
    Event.Status.RESCHEDULED: "https://schema.org/EventRescheduled",
    Event.Status.CANCELLED: "https://schema.org/EventCancelled",
}


def event_jsonld(event: Event, *, url: str, changes: list[EventChange]) -> dict:
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "eventStatus": STATUS_URLS[event.status],
        "isAccessibleForFree": event.is_free,
        "inLanguage": "de",
        "organizer": {"@type": "Organization", "name": event.organiser},
        "audience": {"@type": "Audience", "audienceType": event.audience or ""},
    }
    if event.organiser_url:
        data["organizer"]["url"] = event.organiser_url
    if event.subtitle or event.lead_theme:
        data["description"] = " – ".join(p for p in [event.subtitle, event.lead_theme] if p)
    if event.starts_at:
        data["startDate"] = timezone.localtime(event.starts_at).isoformat()
        data["endDate"] = timezone.localtime(event.ends_at).isoformat()
    if event.is_online:
        data["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
        data["location"] = {"@type": "VirtualLocation", "url": url}
    else:
        data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
        data["location"] = {
            "@type": "Place",
            "name": event.venue_name or event.venue_city,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": event.venue_address,
                "postalCode": event.venue_postcode,
                "addressLocality": event.venue_city,
                "addressCountry": "DE",
            },
        }
    previous = sorted(
        min(d["date"] for d in change.previous_days)
        for change in changes
        if change.kind == EventChange.Kind.RESCHEDULED and change.previous_days
    )
    if previous:
        data["previousStartDate"] = previous if len(previous) > 1 else previous[0]
    return data
