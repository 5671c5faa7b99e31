"""Certificates of attendance: issued on first download or when staff send them all, mailed
once per person, reissued after a correction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event

from ..mail import outbox
from ..models import Certificate, OutboxMessage, Registration
from ..selectors.certificates import (
    attended_days,
    certificate_available,
    certificate_recipients,
    programme_minutes,
)


def _snapshot(registration: Registration) -> dict:
    days = attended_days(registration)
    return {
        "name": registration.full_name,
        "organisation": registration.organisation.name,
        "days": days,
        "minutes": programme_minutes(days),
    }


def _issue(registration: Registration) -> Certificate:
    certificate = Certificate.objects.filter(registration=registration).first()
    if certificate is None:
        certificate = Certificate.objects.create(
            registration=registration, **_snapshot(registration)
        )
    return certificate


def certificate_issue(*, registration: Registration) -> Certificate:
    """The registration's certificate, issued now if it has none (again: the same one)."""
    if not certificate_available(registration):
        raise ValidationError(
            _("A certificate of attendance is issued after the event to those checked in."),
            code="certificate_unavailable",
        )
    with transaction.atomic():
        Registration.objects.select_for_update().filter(pk=registration.pk).first()
        return _issue(registration)


def certificates_send(*, event: Event) -> tuple[int, int]:
    """Issue and mail the certificate to everyone checked in at the event: (sent now, sent
    before). Each person is mailed once: a second run, or a second click, sends nothing
    again (the event row is locked while it runs, so two runs do not overlap)."""
    if not event.is_over():
        raise ValidationError(
            _("Certificates can be sent once the event's last day is over."),
            code="certificate_too_early",
        )
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()
        messages, before = [], 0
        for registration in certificate_recipients(event).prefetch_related("event__days"):
            certificate = _issue(registration)
            if certificate.sent_at is not None:
                before += 1
                continue
            certificate.sent_at = timezone.now()
            certificate.save(update_fields=["sent_at"])
            messages.append(outbox.for_registration(registration, OutboxMessage.Kind.CERTIFICATE))
        outbox.queue(messages)
    return len(messages), before


def certificate_reissue(*, certificate: Certificate) -> Certificate:
    """After a correction (name, organisation, check-ins): the certificate says what is
    recorded now, with a new date of issue and the same code, which from now on confirms the
    corrected data. A certificate that was mailed is mailed again, corrected."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("registration__event", "registration__organisation")
            .get(pk=certificate.pk)
        )
        registration = certificate.registration
        snapshot = _snapshot(registration)
        if not snapshot["days"]:
            raise ValidationError(
                _("This person is no longer checked in on any day; delete the certificate."),
                code="certificate_no_days",
            )
        for field, value in snapshot.items():
            setattr(certificate, field, value)
        certificate.issued_at = timezone.now()
        certificate.version += 1
        if certificate.sent_at is not None:
            certificate.sent_at = certificate.issued_at
            outbox.queue(
                [
                    outbox.for_registration(
                        registration, OutboxMessage.Kind.CERTIFICATE, reissued=True
                    )
                ]
            )
        certificate.save()
        return certificate
