"""A registrant hands their place to a colleague, or corrects their own details.

All until the event's deadline for changes (`selectors.deadlines`), like every other change
a registrant makes by themselves. The manage page offers them (`manage_views`); the person
holding the manage link and the contact person who signed in and opened it from "My
registrations" use the same forms, and the history says through whom a change came.

A new e-mail address is taken only once its owner has followed a link mailed to it
(`tokens.EmailChangeTokenGenerator`): a typo never sends the registration's mails, or its
personal link, to a stranger.
"""

from django.conf import settings
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..mail import outbox
from ..models import ContactPerson, OutboxMessage, ProgrammeChoice, Registration, Salutation
from ..models.directory import NON_ASCII_MAILBOX
from ..selectors import deadlines, registering
from ..text import has_ascii_mailbox, has_control_characters, normalise_email
from ..tokens import EmailChangeLinkError, email_change_tokens
from .admission import check_not_registered
from .places import choices_set_status, event_lock
from .ratelimit import rate_limit_changes
from .registration import Attendee, RegistrationError


def _locked_changeable(registration: Registration) -> Registration:
    event_lock(registration.event)
    reg = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "registered_by__organisation")
        .get(pk=registration.pk)
    )
    if not reg.is_active:  # cancelled, or handed to a colleague
        raise RegistrationError(
            _("This registration is cancelled; it can no longer be changed."), code="cancelled"
        )
    if not deadlines.can_change(reg):
        raise RegistrationError(
            _("The deadline for changes has passed. Please contact the organisers."),
            code="deadline",
        )
    return reg


def _check_address(reg: Registration, email: str) -> None:
    """A deliverable address not registered for the event yet; the refusal says only what
    the contact person who made the registration may learn (see `check_not_registered`)."""
    validate_email(email)  # Django's own, translated message
    if not has_ascii_mailbox(email):
        raise RegistrationError(NON_ASCII_MAILBOX, code="non_ascii_mailbox")
    if email == reg.email:
        raise RegistrationError(
            _("This is the address of the registration already."), code="same_person"
        )
    check_not_registered(reg.event, email=email, registered_by=reg.registered_by)


def _check_colleague(reg: Registration, email: str, *, moving: bool = True) -> None:
    """The colleague belongs to the registration's organisation: the address is at one of its
    domains (as for a representative) and not that of another organisation's contact person.
    A new address of the registrant (`moving` False) obeys the same rule, or changing the
    address would hand the place to anyone."""
    contact = reg.registered_by
    domains = registering.representative_domains(contact)
    foreign = ContactPerson.objects.filter(email=email).exclude(organisation_id=reg.organisation_id)
    if email != contact.email and (
        not registering.address_in_domains(email, domains) or foreign.exists()
    ):
        message = (
            _(
                "The place can only go to a colleague of your organisation, with an address "
                "at %(domains)s. If this is wrong, please contact the organisers."
            )
            if moving
            else _(
                "The new address must be one of your organisation, at %(domains)s. If this is "
                "wrong, please contact the organisers."
            )
        )
        raise RegistrationError(
            message % {"domains": ", ".join(domains)}, code="other_organisation"
        )


def _check_person(*, salutation: str, texts: dict[str, str]) -> None:
    if salutation not in Salutation.values:
        raise RegistrationError(_("Please choose a valid salutation."), code="salutation")
    if not texts["first_name"].strip() or not texts["last_name"].strip():
        raise RegistrationError(_("Please enter first and last name."), code="name")
    if any(has_control_characters(value) for value in texts.values()):
        raise RegistrationError(
            _("Please remove control characters from this field."), code="control"
        )


def _history_reason(text: str, **values) -> str:
    """History is read by staff: in the site's language, whatever the registrant's page."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values


def _take_over(old: Registration, attendee: Attendee, email: str) -> Registration:
    """The colleague's registration: the place as it stands and the side programme held."""
    new = Registration(
        event_id=old.event_id,
        registered_by_id=old.registered_by_id,
        organisation_id=old.organisation_id,
        is_representative=email != old.registered_by.email,
        salutation=attendee.salutation,
        academic_title=attendee.academic_title.strip(),
        first_name=attendee.first_name.strip(),
        last_name=attendee.last_name.strip(),
        email=email,
        function=attendee.function.strip(),
        status=old.status,
        created_at=old.created_at,  # keeps the waiting-list position
        # After new dates the answer the place owes (or gave) stays with the place.
        reconfirmation=old.reconfirmation,
        reconfirmed_at=old.reconfirmed_at,
        # Online or on site: the place as it is, in its own pool of a hybrid event.
        participation=old.participation,
        privacy_acknowledged_at=timezone.now(),
        language=old.language,
    )
    new._change_reason = _history_reason(
        gettext_noop("Took over the place of registration %(pk)s"), pk=old.pk
    )
    new.save()
    held = list(old.programme_choices.active())
    ProgrammeChoice.objects.bulk_create(
        ProgrammeChoice(
            registration=new, item_id=c.item_id, status=c.status, created_at=c.created_at
        )
        for c in held
    )
    return new


def registration_substitute(*, registration: Registration, attendee: Attendee) -> Registration:
    """Hand the place to a colleague of the same organisation.

    The colleague takes over the place as it stands (confirmed, or the same position on the
    waiting list) with the side programme; the place never passes through the waiting list,
    and the organisation's count of places stays as it was. The colleague gets the
    confirmation with a link of their own, the one who gave the place up a notice that
    removes the calendar entry, the contact person a copy where a representative is
    concerned; the old link stops showing an active registration. The colleague appears on
    no participant list until they choose to.
    """
    email = normalise_email(attendee.email)
    _check_person(
        salutation=attendee.salutation,
        texts={
            "first_name": attendee.first_name,
            "last_name": attendee.last_name,
            "academic_title": attendee.academic_title,
            "function": attendee.function,
        },
    )
    with transaction.atomic():
        old = _locked_changeable(registration)
        _check_address(old, email)
        _check_colleague(old, email)
        rate_limit_changes(keys=[f"person:{old.registered_by_id}", f"link:{old.pk}"])
        new = _take_over(old, attendee, email)
        held = list(old.programme_choices.active())
        choices_set_status(held, ProgrammeChoice.Status.CANCELLED)
        old.status, old.cancelled_at = Registration.Status.CANCELLED, timezone.now()
        old._change_reason = _history_reason(
            gettext_noop("Place handed to %(name)s (registration %(pk)s)"),
            name=new.full_name,
            pk=new.pk,
        )
        old.save(update_fields=["status", "cancelled_at", "updated_at"])
        outbox.queue(
            [
                outbox.for_registration(new, OutboxMessage.Kind.CONFIRMATION),
                outbox.for_registration(
                    old, OutboxMessage.Kind.CANCELLATION, successor=new.full_name
                ),
            ]
        )
        return new


def registration_correct(
    *,
    registration: Registration,
    salutation: str,
    academic_title: str,
    first_name: str,
    last_name: str,
    function: str,
) -> Registration:
    """Correct the registrant's own name, title, salutation or function (a typo, a new
    surname, a new post): at once, with a short mail. The address changes only through
    `registration_email_change_request`."""
    texts = {
        "academic_title": academic_title.strip(),
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "function": function.strip(),
    }
    _check_person(salutation=salutation, texts=texts)
    with transaction.atomic():
        reg = _locked_changeable(registration)
        fields = {"salutation": salutation, **texts}
        if all(getattr(reg, name) == value for name, value in fields.items()):
            return reg  # nothing to correct, nothing to mail
        rate_limit_changes(keys=[f"link:{reg.pk}"])
        for name, value in fields.items():
            setattr(reg, name, value)
        reg._change_reason = _history_reason(gettext_noop("Details corrected by the registrant"))
        reg.save(update_fields=[*fields, "updated_at"])
        outbox.queue(
            [outbox.for_registration(reg, OutboxMessage.Kind.REGISTRATION_CHANGED, change="person")]
        )
        return reg


def registration_email_change_request(*, registration: Registration, email: str) -> str:
    """Mail a link to the new address; the registration keeps its address until the link is
    followed (`registration_email_change_confirm`). Returns the address as normalised."""
    email = normalise_email(email)
    with transaction.atomic():
        reg = _locked_changeable(registration)
        _check_address(reg, email)
        _check_colleague(reg, email, moving=False)
        rate_limit_changes(keys=[f"link:{reg.pk}"])
        message = outbox.for_registration(reg, OutboxMessage.Kind.EMAIL_CHANGE, email=email)
        message.recipient = email
        outbox.queue([message])
        return email


def _latest_requested_address(reg: Registration) -> str | None:
    """The address of the registration's most recent request for a new address."""
    return (
        OutboxMessage.objects.filter(registration=reg, kind=OutboxMessage.Kind.EMAIL_CHANGE)
        .order_by("-created_at", "-pk")
        .values_list("recipient", flat=True)
        .first()
    )


def registration_email_change_confirm(*, token: str) -> Registration:
    """Take the new address the link confirms. The link works once: the signature covers
    the address the registration had, so after the change (or any other change of address)
    it is void. The new address gets a short confirmation with the personal link, the old
    one a notice, so a change nobody asked for does not go unnoticed."""
    registration, email, state = email_change_tokens.check_token(token)
    with transaction.atomic():
        reg = _locked_changeable(registration)
        if not email_change_tokens.is_current(reg, state):  # two clicks at once: one wins
            raise EmailChangeLinkError(
                _("This confirmation link has already been used."), code="used"
            )
        if _latest_requested_address(reg) != email:  # a newer request voids older links
            raise EmailChangeLinkError(
                _(
                    "A newer confirmation link was sent for this registration. Please use the "
                    "link in the latest mail."
                ),
                code="superseded",
            )
        _check_address(reg, email)
        _check_colleague(reg, email, moving=False)
        old_email = reg.email
        reg.email = email
        reg._change_reason = _history_reason(gettext_noop("E-mail address confirmed by its owner"))
        reg.save(update_fields=["email", "updated_at"])
        notice = outbox.for_registration(
            reg, OutboxMessage.Kind.REGISTRATION_CHANGED, change="email_old"
        )
        notice.recipient = old_email
        outbox.queue(
            [
                outbox.for_registration(
                    reg, OutboxMessage.Kind.REGISTRATION_CHANGED, change="email"
                ),
                notice,
            ]
        )
        return reg
