"""The certificate of attendance as a PDF, in the registrant's language: downloaded from the
manage page and attached to the certificate mail (hence here, below the mail renderer)."""

from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from ..models import Certificate, OutboxMessage
from ..pdf import render_pdf

ISSUER = "Deutsches Institut für Urbanistik gGmbH (Difu)"


def certificate_days(certificate: Certificate) -> list[dict]:
    """The snapshot's days as dates and times, for templates."""
    return [
        {
            "date": date.fromisoformat(day["date"]),
            "start_time": datetime.strptime(day["start_time"], "%H:%M").time(),
            "end_time": datetime.strptime(day["end_time"], "%H:%M").time(),
        }
        for day in certificate.days
    ]


def _day_month_year(day: date) -> str:
    """ "1. Dezember 2026", "1 December 2026": the date of issue without its weekday."""
    return f"{date_format(day, 'MONTH_DAY_FORMAT')} {day.year}"


def certificate_filename(certificate: Certificate) -> str:
    event = certificate.registration.event
    return f"teilnahmebescheinigung-{event.slug}.pdf"


def certificate_pdf(certificate: Certificate) -> bytes:
    registration = certificate.registration
    event = registration.event
    with translation.override(registration.language):
        check_url = settings.SITE_URL.rstrip("/") + reverse("registrations:certificate_check")
        return render_pdf(
            "registrations/pdf/certificate.html",
            {
                "certificate": certificate,
                "event": event,
                "days": certificate_days(certificate),
                "place": "" if event.is_online else event.venue_line,
                "issuer": ISSUER,
                "issued_on": _day_month_year(timezone.localdate(certificate.issued_at)),
                "check_url": check_url,
            },
        )


def certificate_attachments(message: OutboxMessage) -> list[tuple[str, bytes, str]]:
    """The PDF for a certificate mail; nothing for any other kind of mail."""
    if message.kind != OutboxMessage.Kind.CERTIFICATE or not message.registration_id:
        return []
    certificate = (
        Certificate.objects.select_related("registration__event")
        .filter(registration_id=message.registration_id)
        .first()
    )
    if certificate is None:
        return []
    return [(certificate_filename(certificate), certificate_pdf(certificate), "application/pdf")]
