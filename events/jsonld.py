"""schema.org Event as JSON-LD for the event page."""

from django.utils import timezone

from .models import Event, EventChange, RegistrationState

STATUS_URLS = {
    Event.Status.SCHEDULED: "https://schema.org/EventScheduled",
    Event.Status.POSTPONED: "https://schema.org/EventPostponed",
    Event.Status.RESCHEDULED: "https://schema.org/EventRescheduled",
    Event.Status.CANCELLED: "https://schema.org/EventCancelled",
}


# Registration state → schema.org ItemAvailability of the offer. Without registration, or once the
# event is cancelled, there is nothing on offer.
AVAILABILITY = {
    RegistrationState.OPEN: "https://schema.org/InStock",
    RegistrationState.WAITING_LIST: "https://schema.org/SoldOut",
    RegistrationState.FULL: "https://schema.org/SoldOut",
    RegistrationState.NOT_YET_OPEN: "https://schema.org/PreOrder",
    RegistrationState.CLOSED: "https://schema.org/OutOfStock",
    RegistrationState.POSTPONED: "https://schema.org/OutOfStock",
}


ATTENDANCE_MODE_URLS = {
    Event.AttendanceMode.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    Event.AttendanceMode.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    Event.AttendanceMode.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}

# An event moved online says so (schema.org's EventMovedOnline) unless postponed or cancelled
# since.
MOVABLE_ONLINE = (Event.Status.SCHEDULED, Event.Status.RESCHEDULED)


def _place(event: Event) -> dict:
    return {
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


def event_jsonld(
    event: Event, *, url: str, changes: list[EventChange], image_url: str = ""
) -> dict:
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "eventStatus": STATUS_URLS[event.status],
        "isAccessibleForFree": event.is_free,
        # The language the meeting is held in, not the page's: German on every page.
        "inLanguage": "de",
        "organizer": {"@type": "Organization", "name": event.organiser},
        "audience": {"@type": "Audience", "audienceType": event.audience or ""},
    }
    if event.organiser_url:
        data["organizer"]["url"] = event.organiser_url
    if image_url:
        data["image"] = [image_url]
    if event.subtitle or event.lead_theme:
        data["description"] = " – ".join(p for p in [event.subtitle, event.lead_theme] if p)
    if event.starts_at:
        data["startDate"] = timezone.localtime(event.starts_at).isoformat()
        data["endDate"] = timezone.localtime(event.ends_at).isoformat()
    data["eventAttendanceMode"] = ATTENDANCE_MODE_URLS[event.attendance_mode]
    # For online attendance the public page, never the join link: that is for participants.
    virtual = {"@type": "VirtualLocation", "url": url}
    if event.is_online:
        data["location"] = virtual
    elif event.is_hybrid:
        data["location"] = [_place(event), virtual]
    else:
        data["location"] = _place(event)
    if event.status in MOVABLE_ONLINE and any(
        change.kind == EventChange.Kind.MOVED_ONLINE for change in changes
    ):
        data["eventStatus"] = "https://schema.org/EventMovedOnline"
    previous = sorted(
        min(d["date"] for d in change.previous_days)
        for change in changes
        if change.kind == EventChange.Kind.RESCHEDULED and change.previous_days
    )
    if previous:
        data["previousStartDate"] = previous if len(previous) > 1 else previous[0]
    return data


def with_offer(data: dict, *, event: Event, state: RegistrationState) -> dict:
    """The event's JSON-LD with its `offers`: free of charge for members, available as the
    registration state says (the registrations app knows whether places are left)."""
    availability = AVAILABILITY.get(state)
    if availability is None or not event.is_free:
        # Fees are not modelled: an offer without a price would be wrong, so there is none.
        return data
    offer = {
        "@type": "Offer",
        "price": 0,
        "priceCurrency": "EUR",
        "availability": availability,
        "url": data["url"],
    }
    if event.registration_opens_at:
        offer["validFrom"] = timezone.localtime(event.registration_opens_at).isoformat()
    return {**data, "offers": offer}
