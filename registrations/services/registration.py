"""Registering, changing and cancelling: the rules of who may take a place, and when.

Capacity is decided under a row lock on the event (`places.event_lock`), inside the service's
transaction: every write that can change who holds a place takes that lock first, so parallel
requests are serialised per event and a capacity can never be exceeded.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, ProgrammeItem, RegistrationState

from ..mail import outbox
from ..models import ContactPerson, OutboxMessage, ProgrammeChoice, Registration
from ..selectors import capacity, deadlines
from ..text import normalise_email
from .places import (
    choices_add,
    choices_set_status,
    event_lock,
    item_places_fill,
    places_fill,
    registration_give_place,
)
from .ratelimit import rate_limit_check


class RegistrationError(ValidationError):
    """A registration rule refused the request; the message is for the registrant."""


@dataclass(frozen=True)
class Attendee:
    """Who attends: the signed-in contact person or a representative they name."""

    first_name: str
    last_name: str
    email: str
    function: str = ""
    salutation: str = ""
    academic_title: str = ""

    @classmethod
    def of(cls, person) -> "Attendee":
        """The attendee data of a contact person or an existing registration."""
        return cls(
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            function=person.function,
            salutation=person.salutation,
            academic_title=person.academic_title,
        )


@dataclass(frozen=True)
class Details:
    programme_item_ids: list[int] = field(default_factory=list)
    diet: str = Registration.Diet.NONE
    diet_notes: str = ""
    accessibility_needs: str = ""
    visibility: str = Registration.Visibility.NOBODY
    message: str = ""

    @classmethod
    def of(cls, registration: Registration) -> "Details":
        """The details a registration holds now, its active side programme choices too."""
        return cls(
            programme_item_ids=[c.item_id for c in registration.programme_choices.active()],
            diet=registration.diet,
            diet_notes=registration.diet_notes,
            accessibility_needs=registration.accessibility_needs,
            visibility=registration.visibility,
            message=registration.message,
        )


def _check_eligible(person: ContactPerson) -> None:
    if not person.can_sign_in():
        raise RegistrationError(
            _("Registration is reserved for contact persons of current member organisations."),
            code="not_eligible",
        )


def _clean_details(event: Event, details: Details) -> list[ProgrammeItem]:
    ids = list(dict.fromkeys(details.programme_item_ids))
    items = list(ProgrammeItem.objects.filter(event=event, pk__in=ids))
    if len(items) != len(ids):
        raise RegistrationError(
            _("A chosen side programme item does not belong to this event."), code="bad_item"
        )
    if details.diet not in Registration.Diet.values:
        raise RegistrationError(_("Please choose a valid diet."), code="bad_diet")
    if details.visibility not in Registration.Visibility.values:
        raise RegistrationError(_("Please choose who may see you."), code="bad_visibility")
    return items


def _check_places(event: Event, *, email: str, organisation, override_limit: bool = False) -> bool:
    """Refuse what the rules refuse; return whether the newcomer must wait. Caller holds the
    event lock. Free places go to those already waiting before anyone new gets one."""
    places_fill(event)
    full = capacity.event_is_full(event) or capacity.waiting_list(event).exists()
    state = event.registration_state(is_full=full)
    if state not in (RegistrationState.OPEN, RegistrationState.WAITING_LIST):
        raise RegistrationError(_refusal(state), code=str(state))
    if Registration.objects.active().filter(event=event, email=email).exists():
        raise RegistrationError(
            _("%(email)s is already registered for this event.") % {"email": email},
            code="duplicate",
        )
    limit = capacity.organisation_limit(event=event, organisation=organisation)
    used = capacity.organisation_places_used(event=event, organisation=organisation)
    if used >= limit and not override_limit:
        raise RegistrationError(
            _("Your organisation has reached its limit of %(limit)d participants for this event.")
            % {"limit": limit},
            code="organisation_limit",
        )
    return full


def registration_create(
    *,
    event: Event,
    registered_by: ContactPerson,
    attendee: Attendee | None,
    details: Details,
    privacy_acknowledged: bool,
    language: str,
) -> Registration:
    """Register the contact person (attendee None) or a representative for the event."""
    _check_eligible(registered_by)
    if not privacy_acknowledged:
        raise RegistrationError(
            _("Please confirm that you have read the privacy notice."), code="privacy"
        )
    attendee = attendee or Attendee.of(registered_by)
    email = normalise_email(attendee.email)
    with transaction.atomic():
        locked = event_lock(event)
        items = _clean_details(locked, details)
        must_wait = _check_places(locked, email=email, organisation=registered_by.organisation)
        registration = Registration.objects.create(
            event=locked,
            registered_by=registered_by,
            organisation=registered_by.organisation,
            is_representative=email != registered_by.email,
            salutation=attendee.salutation,
            academic_title=attendee.academic_title,
            first_name=attendee.first_name,
            last_name=attendee.last_name,
            email=email,
            function=attendee.function,
            status=Registration.Status.WAITING if must_wait else Registration.Status.CONFIRMED,
            **_detail_fields(details),
            privacy_acknowledged_at=timezone.now(),
            language=language,
        )
        choices_add(registration, items)
        outbox.queue([outbox.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)])
        return registration


def _detail_fields(details: Details) -> dict:
    return {name: getattr(details, name) for name in DETAIL_FIELDS}


DETAIL_FIELDS = ("diet", "diet_notes", "accessibility_needs", "visibility", "message")


def _refusal(state: RegistrationState) -> str:
    return {
        RegistrationState.CANCELLED: _("The event has been cancelled."),
        RegistrationState.POSTPONED: _(
            "The event has been postponed; registration reopens when the new dates are set."
        ),
        RegistrationState.NOT_OFFERED: _("Registration is not open for this event."),
        RegistrationState.NOT_YET_OPEN: _("Registration has not opened yet."),
        RegistrationState.CLOSED: _("Registration has closed."),
        RegistrationState.FULL: _("The event is fully booked."),
    }.get(state, _("Registration is not possible."))


def registration_cancel(
    *,
    registration: Registration,
    by_organiser: bool = False,
    ignore_deadline: bool = False,
    notify: bool = True,
) -> Registration:
    """Cancel; the freed place goes to the first on the waiting list at once.

    `ignore_deadline`: a withdrawal from new dates is allowed after the change deadline.
    `notify`: False where the registrant asked for their data to be erased (no address left).
    """
    with transaction.atomic():
        locked_event = event_lock(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if not reg.is_active:
            raise RegistrationError(_("This registration is already cancelled."), code="cancelled")
        if not (by_organiser or ignore_deadline) and not deadlines.can_change(reg):
            raise RegistrationError(
                _("The deadline for changes has passed. Please contact the organisers."),
                code="deadline",
            )
        reg.status = (
            Registration.Status.CANCELLED_BY_ORGANISER
            if by_organiser
            else Registration.Status.CANCELLED
        )
        reg.cancelled_at = timezone.now()
        reg.save(update_fields=["status", "cancelled_at", "updated_at"])
        choices_set_status(reg.programme_choices.all(), ProgrammeChoice.Status.CANCELLED)
        places_fill(locked_event)
        if notify:
            outbox.queue([outbox.for_registration(reg, OutboxMessage.Kind.CANCELLATION)])
        registration.status, registration.cancelled_at = reg.status, reg.cancelled_at
        return reg


def registration_confirm_from_waiting_list(*, registration: Registration) -> Registration:
    """Staff give a waiting registrant a place, even beyond capacity."""
    with transaction.atomic():
        event_lock(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if reg.status != Registration.Status.WAITING:
            raise RegistrationError(_("Only waiting registrations can be confirmed."), code="state")
        registration_give_place(reg)
        return reg


def registration_update(*, registration: Registration, details: Details) -> Registration:
    """Change programme choices and needs until the deadline."""
    with transaction.atomic():
        locked_event = event_lock(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if not deadlines.can_change(reg):
            raise RegistrationError(
                _("The deadline for changes has passed. Please contact the organisers."),
                code="deadline",
            )
        items = _clean_details(locked_event, details)
        wanted = {item.pk for item in items}
        dropped = list(reg.programme_choices.active().exclude(item_id__in=wanted))
        freed = any(c.status == ProgrammeChoice.Status.CONFIRMED for c in dropped)
        choices_set_status(dropped, ProgrammeChoice.Status.CANCELLED)
        kept = set(reg.programme_choices.active().values_list("item_id", flat=True))
        choices_add(reg, [item for item in items if item.pk not in kept])
        for name, value in _detail_fields(details).items():
            setattr(reg, name, value)
        reg.save()
        if freed:
            item_places_fill(locked_event)
        outbox.queue([outbox.for_registration(reg, OutboxMessage.Kind.REGISTRATION_CHANGED)])
        return reg


def manage_link_resend(*, email: str, event: Event, client_ip: str) -> None:
    """Mail the manage links of the address's active registrations for the event (if any)."""
    email = normalise_email(email)
    rate_limit_check(scope="resend", email=email, client_ip=client_ip)
    outbox.queue(
        outbox.for_registration(registration, OutboxMessage.Kind.MANAGE_LINK)
        for registration in Registration.objects.active().filter(event=event, email=email)
    )


def confirmation_resend(*, registrations) -> int:
    """Queue the confirmation (with the manage link) again for the active ones among them."""
    with transaction.atomic():
        return len(
            outbox.queue(
                outbox.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)
                for registration in registrations.filter(status__in=Registration.ACTIVE)
            )
        )


def places_refill(*, event: Event) -> list[Registration]:
    """After places were added (a capacity raised in a form, an inline or a command), those
    waiting move up in order, each with their mail."""
    with transaction.atomic():
        return places_fill(event_lock(event))


def event_capacity_set(
    *, event: Event, capacity_value: int | None, item: ProgrammeItem | None = None
) -> None:
    """Set the capacity of the event (or of one of its items) and give freed places to those
    waiting. A capacity below the places already confirmed is refused."""
    with transaction.atomic():
        locked = event_lock(event)
        refusal = capacity.capacity_refusal(event=locked, item=item, new_capacity=capacity_value)
        if refusal:
            raise RegistrationError(refusal, code="capacity_below_confirmed")
        target = item or locked
        type(target).objects.filter(pk=target.pk).update(capacity=capacity_value)
        target.capacity = capacity_value
        locked.refresh_from_db(fields=["capacity"])
        places_fill(locked)
