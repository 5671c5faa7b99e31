"""A registrant hands their place to a colleague, or corrects their own name or address.

Both until the event's deadline for changes (`selectors.deadlines`), like every other change
a registrant makes by themselves. Not yet reachable from a page: the manage page's forms for
them are still to come; staff and tests call these services.
"""

from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..mail import outbox
from ..models import OutboxMessage, ProgrammeChoice, Registration
from ..models.directory import NON_ASCII_MAILBOX
from ..selectors import deadlines
from ..text import has_ascii_mailbox, normalise_email
from .places import choices_set_status, event_lock
from .registration import Attendee, RegistrationError


def _locked_changeable(registration: Registration) -> Registration:
    event_lock(registration.event)
    reg = Registration.objects.select_for_update().get(pk=registration.pk)
    if not deadlines.can_change(reg):
        raise RegistrationError(
            _("The deadline for changes has passed. Please contact the organisers."),
            code="deadline",
        )
    return reg


def _check_address(reg: Registration, email: str) -> None:
    validate_email(email)  # Django's own, translated message
    if not has_ascii_mailbox(email):
        raise RegistrationError(NON_ASCII_MAILBOX, code="non_ascii_mailbox")
    taken = Registration.objects.active().filter(event_id=reg.event_id, email=email)
    if taken.exclude(pk=reg.pk).exists():
        raise RegistrationError(
            _("%(email)s is already registered for this event.") % {"email": email},
            code="duplicate",
        )


def registration_substitute(*, registration: Registration, attendee: Attendee) -> Registration:
    """Hand the place to a colleague of the same organisation.

    The colleague takes over the place as it stands (confirmed, or the same position on the
    waiting list) with the side programme; the place never passes through the waiting list.
    The colleague gets the confirmation with a link of their own, the one who gave the place
    up a cancellation that removes the calendar entry; the old link stops showing an active
    registration. The colleague appears on no participant list until they choose to.
    """
    email = normalise_email(attendee.email)
    with transaction.atomic():
        old = _locked_changeable(registration)
        _check_address(old, email)
        new = Registration.objects.create(
            event_id=old.event_id,
            registered_by_id=old.registered_by_id,
            organisation_id=old.organisation_id,
            is_representative=email != old.registered_by.email,
            salutation=attendee.salutation,
            academic_title=attendee.academic_title,
            first_name=attendee.first_name,
            last_name=attendee.last_name,
            email=email,
            function=attendee.function,
            status=old.status,
            created_at=old.created_at,  # keeps the waiting-list position
            privacy_acknowledged_at=timezone.now(),
            language=old.language,
        )
        held = list(old.programme_choices.active())
        ProgrammeChoice.objects.bulk_create(
            ProgrammeChoice(
                registration=new, item_id=c.item_id, status=c.status, created_at=c.created_at
            )
            for c in held
        )
        choices_set_status(held, ProgrammeChoice.Status.CANCELLED)
        old.status, old.cancelled_at = Registration.Status.CANCELLED, timezone.now()
        old.save(update_fields=["status", "cancelled_at", "updated_at"])
        outbox.queue(
            [
                outbox.for_registration(old, OutboxMessage.Kind.CANCELLATION),
                outbox.for_registration(new, OutboxMessage.Kind.CONFIRMATION),
            ]
        )
        return new


def registration_correct(
    *, registration: Registration, first_name: str, last_name: str, email: str
) -> Registration:
    """Correct the registrant's own name or address (a typo, a new surname).

    A new address gets the confirmation with the link, the old one a short note that the
    registration changed, so a mistyped or hijacked change does not go unnoticed.
    """
    email = normalise_email(email)
    if not first_name.strip() or not last_name.strip():
        raise RegistrationError(_("Please enter first and last name."), code="name")
    with transaction.atomic():
        reg = _locked_changeable(registration)
        _check_address(reg, email)
        old_email = reg.email
        reg.first_name, reg.last_name, reg.email = first_name.strip(), last_name.strip(), email
        reg.save(update_fields=["first_name", "last_name", "email", "updated_at"])
        messages = [outbox.for_registration(reg, OutboxMessage.Kind.REGISTRATION_CHANGED)]
        if email != old_email:
            note = outbox.for_registration(reg, OutboxMessage.Kind.REGISTRATION_CHANGED)
            note.recipient = old_email
            messages = [outbox.for_registration(reg, OutboxMessage.Kind.CONFIRMATION), note]
        outbox.queue(messages)
        return reg
