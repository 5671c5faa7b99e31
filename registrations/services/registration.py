"""Registering, changing and cancelling: the rules of who may take a place, and when.

Capacity is decided under a row lock on the event (`places.event_lock`), inside the service's
transaction: every write that can change who holds a place takes that lock first, so parallel
requests are serialised per event and a capacity can never be exceeded.
"""

from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, ProgrammeItem, RegistrationState

from ..mail import outbox
from ..models import ContactPerson, OutboxMessage, ProgrammeChoice, Registration
from ..selectors import capacity, deadlines, registering
from ..text import normalise_email
from .invitations import invitation_mark_registered
from .participation import participation_for
from .places import (
    choices_add,
    choices_set_status,
    event_lock,
    item_places_fill,
    places_fill,
    registration_give_place,
)
from .ratelimit import rate_limit_changes


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
    participation: str = ""  # in person or online, asked at a hybrid event only

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
            participation=registration.participation,
        )


def _check_eligible(person: ContactPerson) -> None:
    if not person.can_sign_in():
        raise RegistrationError(
            _("Registration is reserved for contact persons of current member organisations."),
            code="not_eligible",
        )


def _check_request(
    registered_by: ContactPerson, privacy_acknowledged: bool, override_limit: bool, reason: str
) -> None:
    if override_limit and not reason.strip():
        raise RegistrationError(
            _("Please give a reason for exceeding the organisation's limit."), code="reason"
        )
    _check_eligible(registered_by)
    if not privacy_acknowledged:
        raise RegistrationError(
            _("Please confirm that you have read the privacy notice."), code="privacy"
        )


def _clean_details(event: Event, details: Details, participation: str) -> list[ProgrammeItem]:
    ids = list(dict.fromkeys(details.programme_item_ids))
    items = list(ProgrammeItem.objects.filter(event=event, pk__in=ids))
    if len(items) != len(ids):
        raise RegistrationError(
            _("A chosen side programme item does not belong to this event."), code="bad_item"
        )
    if items and event.is_hybrid and participation == Registration.Participation.ONLINE:
        # The reception, the site visit, the excursion: places on site, for those on site.
        raise RegistrationError(
            _("The side programme takes place on site; it is not open to online participants."),
            code="online_programme",
        )
    if details.diet not in Registration.Diet.values:
        raise RegistrationError(_("Please choose a valid diet."), code="bad_diet")
    if details.visibility not in Registration.Visibility.values:
        raise RegistrationError(_("Please choose who may see you."), code="bad_visibility")
    return items


def _check_places(
    event: Event,
    details: Details,
    *,
    organisation,
    days: list,
    override: bool = False,
) -> bool:
    """Refuse what the rules refuse; return whether the newcomer must wait. Caller holds the
    event lock; as few queries as the rules allow, since every other submit for the event
    waits meanwhile. Free places go to those already waiting before anyone new gets one; at a
    hybrid event places and waiting list are those of the way the newcomer takes part.
    The days are read before the lock: the lock serialises places, not dates."""
    pool = capacity.mode_of(event, details.participation)
    waiting = capacity.anyone_waiting(event)
    if waiting:
        places_fill(event)
        waiting = capacity.waiting_list(event, pool).exists()
    confirmed, used = capacity.places_taken(
        event=event, organisation=organisation, participation=pool
    )
    full = capacity.event_is_full(event, confirmed, participation=pool) or waiting
    event._prefetched_objects_cache = {"days": days}
    state = event.registration_state(is_full=full)
    if state not in (RegistrationState.OPEN, RegistrationState.WAITING_LIST):
        raise RegistrationError(_refusal(state), code=str(state))
    limit = capacity.organisation_limit(event=event, organisation=organisation)
    if used >= limit and not override:
        raise RegistrationError(
            _("Your organisation has reached its limit of %(limit)d participants for this event.")
            % {"limit": limit},
            code="organisation_limit",
        )
    return full


def check_not_registered(event: Event, *, email: str, registered_by: ContactPerson) -> None:
    """One active registration per address and event. Who registered the address decides
    what the refusal may say: the contact person learns of their own registrations (and of
    their own address), never whether someone else registered an address they typed."""
    existing = registering.active_registration_of(event, email)
    if existing is None:
        return
    if existing.registered_by_id == registered_by.pk or email == registered_by.email:
        raise RegistrationError(
            _(
                "%(email)s is already registered for this event. You find the registration "
                "under “My registrations”."
            )
            % {"email": email},
            code="duplicate",
        )
    raise RegistrationError(
        _(
            "This person cannot be registered for this event. If you think this is wrong, "
            "please contact the organisers: %(contact)s"
        )
        % {"contact": ", ".join(registering.organiser_addresses(event))},
        code="refused",
    )


def _check_representative(registered_by: ContactPerson, email: str) -> None:
    """A representative's address belongs to the organisation, so the form cannot send our
    confirmation mail to any address someone types in."""
    domains = registering.representative_domains(registered_by)
    if email != registered_by.email and not registering.address_in_domains(email, domains):
        raise RegistrationError(
            _(
                "A representative's e-mail address must belong to your organisation "
                "(%(domains)s). If it has another domain, please contact the organisers."
            )
            % {"domains": ", ".join(domains)},
            code="representative_domain",
        )


def registration_create(
    *,
    event: Event,
    registered_by: ContactPerson,
    attendee: Attendee | None,
    details: Details,
    privacy_acknowledged: bool,
    language: str,
    carried_over: bool = False,
    override_limit: bool = False,
    reason: str = "",
) -> Registration:
    """Register the contact person (attendee None) or a representative for the event.

    `carried_over`: the attendee was accepted for the event this one replaces, so the
    representative's domain and the per-person rate limit are not asked again. Staff
    registering someone by phone may `override_limit` (the organisation's limit) with a
    `reason`, which the history keeps; capacity and the waiting list apply all the same.
    """
    _check_request(registered_by, privacy_acknowledged, override_limit, reason)
    attendee = attendee or Attendee.of(registered_by)
    email = normalise_email(attendee.email)
    items, days = _check_before_lock(event, registered_by, email, details, carried_over)
    try:
        with transaction.atomic():
            invitation_mark_registered(event=event, person=registered_by)
            locked = event_lock(event)
            details = replace(
                details, participation=participation_for(locked, details.participation)
            )
            must_wait = _check_places(
                locked,
                details,
                organisation=registered_by.organisation,
                days=days,
                override=override_limit,
            )
            registration = _new_registration(
                locked, registered_by, attendee, email, details, language=language
            )
            registration.status = (
                Registration.Status.WAITING if must_wait else Registration.Status.CONFIRMED
            )
            registration._change_reason = reason.strip() or None
            registration.save()
            if items:
                choices_add(registration, items)
            outbox.queue([outbox.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)])
    except IntegrityError:
        # The same address registered by a parallel request since the check above: the
        # database's one-active-registration constraint refused it; say so as the check would.
        check_not_registered(event, email=email, registered_by=registered_by)
        raise
    return registration


def _check_before_lock(event, registered_by, email, details, carried_over) -> tuple[list, list]:
    """Everything that needs no lock, first: each statement after `event_lock` makes every
    other submit for the event wait (bench/findings.md). The side programme and the days."""
    if not carried_over:
        _check_representative(registered_by, email)
    items = _clean_details(event, details, details.participation)
    check_not_registered(event, email=email, registered_by=registered_by)
    if not carried_over:
        rate_limit_changes(keys=[f"person:{registered_by.pk}"])
    return items, list(event.days.all())


def _new_registration(
    event: Event,
    registered_by: ContactPerson,
    attendee: Attendee,
    email: str,
    details: Details,
    *,
    language: str,
) -> Registration:
    return Registration(
        event=event,
        registered_by=registered_by,
        organisation=registered_by.organisation,
        is_representative=email != registered_by.email,
        salutation=attendee.salutation,
        academic_title=attendee.academic_title,
        first_name=attendee.first_name,
        last_name=attendee.last_name,
        email=email,
        function=attendee.function,
        **_detail_fields(details, CREATED_FIELDS),
        privacy_acknowledged_at=timezone.now(),
        language=language,
    )


def _detail_fields(details: Details, names: tuple[str, ...] | None = None) -> dict:
    return {name: getattr(details, name) for name in names or DETAIL_FIELDS}


DETAIL_FIELDS = ("diet", "diet_notes", "accessibility_needs", "visibility", "message")
# Chosen once, at registration: how a registrant of a hybrid event takes part (staff move
# people between the ways, `services.participation`).
CREATED_FIELDS = (*DETAIL_FIELDS, "participation")


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
        if notify and not by_organiser:
            rate_limit_changes(keys=[f"person:{reg.registered_by_id}", f"link:{reg.pk}"])
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


def registration_confirm_from_waiting_list(
    *, registration: Registration, reason: str = ""
) -> Registration:
    """Staff give a waiting registrant a place, even beyond capacity (`reason`: for the
    history, e.g. "admitted on site")."""
    with transaction.atomic():
        event_lock(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if reg.status != Registration.Status.WAITING:
            raise RegistrationError(_("Only waiting registrations can be confirmed."), code="state")
        reg._change_reason = reason or None
        registration_give_place(reg)
        return reg


def registration_update(
    *, registration: Registration, details: Details, by_staff: bool = False, reason: str = ""
) -> Registration:
    """Change programme choices and needs until the deadline (staff: also after it)."""
    with transaction.atomic():
        locked_event = event_lock(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if not by_staff and not deadlines.can_change(reg):
            raise RegistrationError(
                _("The deadline for changes has passed. Please contact the organisers."),
                code="deadline",
            )
        items = _clean_details(locked_event, details, reg.participation)
        wanted = {item.pk for item in items}
        dropped = list(reg.programme_choices.active().exclude(item_id__in=wanted))
        freed = any(c.status == ProgrammeChoice.Status.CONFIRMED for c in dropped)
        choices_set_status(dropped, ProgrammeChoice.Status.CANCELLED)
        kept = set(reg.programme_choices.active().values_list("item_id", flat=True))
        choices_add(reg, [item for item in items if item.pk not in kept])
        for name, value in _detail_fields(details).items():
            setattr(reg, name, value)
        reg._change_reason = reason or None
        reg.save()
        if freed:
            item_places_fill(locked_event)
        outbox.queue([outbox.for_registration(reg, OutboxMessage.Kind.REGISTRATION_CHANGED)])
        return reg
