"""The printable programme of an event (WeasyPrint), in the language of the request.

The events app keeps its own small renderer: the registrations exports build on events, not
the other way round.
"""

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Event, EventDay


def _no_fetch(url, *args, **kwargs):
    # The template carries its CSS inline and uses system fonts: nothing is loaded from
    # elsewhere, whatever staff typed into a title.
    raise ValueError(f"PDFs load no external resources ({url})")


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported on use: loading pango costs time at startup

    html = render_to_string(template, {"generated_at": timezone.localtime(), **context})
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def programme_pdf(*, event: Event, days: list[EventDay]) -> bytes:
    """The programme by day; `days` with their sessions and speakers prefetched."""
    place = ", ".join(p for p in (event.venue_name, event.venue_city) if p)
    return _pdf("events/pdf/programme.html", {"event": event, "days": days, "place": place})


def programme_filename(event: Event) -> str:
    # German, whatever the page language: the file is named like the Difu's own downloads.
    return f"tagesordnung-{event.slug}.pdf"
