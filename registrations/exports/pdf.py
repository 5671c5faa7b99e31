"""PDFs for the event: the participant list, sign-in sheets per day and name badges."""

from django.db.models import QuerySet

from events.models import Event

from ..pdf import render_pdf as _pdf
from ..selectors.directory import people, public_people


def _event_context(event: Event) -> dict:
    days = list(event.days.order_by("date", "start_time"))
    place = ", ".join(p for p in (event.venue_name, event.venue_city) if p)
    return {"event": event, "days": days, "place": place}


def pdf_participant_list(event: Event, queryset: QuerySet) -> bytes:
    """The list handed out at the event: only people who chose "public"."""
    return _pdf(
        "registrations/pdf/participant_list.html",
        {**_event_context(event), "people": list(public_people(queryset))},
    )


def pdf_sign_in_sheet(event: Event, queryset: QuerySet, *, blank_rows: int = 5) -> bytes:
    """One sign-in sheet per event day: name, organisation, a column to sign; for those who
    come to the venue (online participants sign nothing on site)."""
    context = _event_context(event)
    return _pdf(
        "registrations/pdf/sign_in_sheet.html",
        {
            **context,
            # An event without days yet still gets one (undated) sheet.
            "sheet_days": context["days"] or [None],
            "people": list(people(queryset.on_site())),
            "blank_rows": range(blank_rows),
        },
    )


BADGES_PER_PAGE = 8
BADGES_PER_ROW = 2


def pdf_badges(event: Event, queryset: QuerySet) -> bytes:
    """Name badges, 2 × 4 on an A4 page (90 × 55 mm each), with cut lines; for those who come
    to the venue only."""
    listed = list(people(queryset.on_site()))
    pages = [
        [
            listed[start + row : start + row + BADGES_PER_ROW]
            for row in range(0, BADGES_PER_PAGE, BADGES_PER_ROW)
            if start + row < len(listed)
        ]
        for start in range(0, len(listed), BADGES_PER_PAGE)
    ]
    return _pdf("registrations/pdf/badges.html", {**_event_context(event), "pages": pages})
