"""A new registration: who may take a place, and whether they get one or wait for it.

Capacity is decided under the event's row lock (`places.event_lock`), and while one submit
holds it every other submit for the event waits (bench/findings.md). So the transaction first
writes what a registration brings — its row as if it got its place, the row's history, its
confirmation in the outbox — and under the lock only counts the places others hold (one
statement, no ORM to build) and decides: the registration keeps its place, waits for
one, or the whole transaction rolls back with the refusal. Nobody else sees any of it before
the commit, so what the lock serialises is exactly who takes a place.
"""

from dataclasses import replace

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, ProgrammeItem, RegistrationState

from ..mail import outbox
from ..models import ContactPerson, OutboxMessage, Registration
from ..selectors import capacity, registering
from ..text import normalise_email
from .invitations import invitation_mark_registered
from .participation import participation_for
from .places import choices_create, event_lock, places_fill
from .ratelimit import rate_limit_changes
from .registration import (
    CREATED_FIELDS,
    Attendee,
    Details,
    RegistrationError,
    clean_details,
    detail_fields,
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
    chosen = details.participation
    details = replace(details, participation=participation_for(event, chosen))
    try:
        with transaction.atomic():
            invitation_mark_registered(event=event, person=registered_by)
            registration = _new_registration(
                event, registered_by, attendee, email, details, language=language
            )
            registration._change_reason = reason.strip() or None
            # Written as if it got its place; a second active registration of the address
            # is refused here by the database's constraint, before the lock.
            registration.save()
            outbox.queue([outbox.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)])
            _decide(
                event_lock(event),
                registration,
                chosen=chosen,
                days=days,
                override=override_limit,
            )
            if items:
                choices_create(registration, items)
    except IntegrityError:
        # The address is registered already (or by a parallel request since): the database's
        # one-active-registration constraint refused it; say why as the registrant may learn.
        check_not_registered(event, email=email, registered_by=registered_by)
        raise
    return registration


def _decide(locked: Event, registration: Registration, *, chosen, days, override) -> None:
    """Under the event's lock, with as little as the rules allow (every other submit for the
    event waits meanwhile): refuse what the rules refuse, else keep the place or wait. Free
    places go to those already waiting before anyone new gets one; at a hybrid event places
    and waiting list are those of the way the newcomer takes part. The days were read before
    the lock: the lock serialises places, not dates."""
    settled = {}
    participation = participation_for(locked, chosen)
    if participation != registration.participation:
        # The event changed its way of taking place since the registration was written.
        registration.participation = settled["participation"] = participation
    counts = capacity.places_taken_besides(locked, registration)
    pool = capacity.mode_of(locked, participation)
    waiting = False
    if counts.anyone_waiting:
        places_fill(locked, besides=registration)
        waiting = capacity.waiting_list(locked, pool).exists()
        counts = capacity.places_taken_besides(locked, registration)
    full = capacity.event_is_full(locked, counts.confirmed, participation=pool) or waiting
    locked._prefetched_objects_cache = {"days": days}
    state = locked.registration_state(is_full=full)
    if state not in (RegistrationState.OPEN, RegistrationState.WAITING_LIST):
        raise RegistrationError(_refusal(state), code=str(state))
    limit = capacity.organisation_limit(event=locked, organisation=registration.organisation)
    if counts.organisation >= limit and not override:
        raise RegistrationError(
            _("Your organisation has reached its limit of %(limit)d participants for this event.")
            % {"limit": limit},
            code="organisation_limit",
        )
    if full:
        registration.status = settled["status"] = Registration.Status.WAITING
    if settled:
        # Where the decision differs from what was written: the row and its history row.
        Registration.objects.filter(pk=registration.pk).update(**settled)
        registration.history.update(**settled)


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


def _check_before_lock(
    event, registered_by, email, details, carried_over
) -> tuple[list[ProgrammeItem], list]:
    """What needs no lock: the representative's domain, the side programme, the rate limit
    and the days. A second registration of the address is refused by the database when the
    registration is written (`check_not_registered` then says why)."""
    if not carried_over:
        _check_representative(registered_by, email)
    if not carried_over and email == registered_by.email:
        # Registered already under another address (changed on the manage page)?
        address = registering.own_place_address(event, registered_by)
        if address is not None:
            raise _already_registered(address)
    items = clean_details(event, details, details.participation)
    if not carried_over:
        rate_limit_changes(keys=[f"person:{registered_by.pk}"])
    return items, list(event.days.all())


def check_not_registered(event: Event, *, email: str, registered_by: ContactPerson) -> None:
    """One active registration per address and event. Who registered the address decides
    what the refusal may say: the contact person learns of their own registrations (and of
    their own address), never whether someone else registered an address they typed."""
    existing = registering.active_registration_of(event, email)
    if existing is None:
        return
    if existing.registered_by_id == registered_by.pk or email == registered_by.email:
        raise _already_registered(email)
    raise RegistrationError(
        _(
            "This person cannot be registered for this event. If you think this is wrong, "
            "please contact the organisers: %(contact)s"
        )
        % {"contact": ", ".join(registering.organiser_addresses(event))},
        code="refused",
    )


def _already_registered(email: str) -> RegistrationError:
    return RegistrationError(
        _(
            "%(email)s is already registered for this event. You find the registration "
            "under “My registrations”."
        )
        % {"email": email},
        code="duplicate",
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
        **detail_fields(details, CREATED_FIELDS),
        privacy_acknowledged_at=timezone.now(),
        language=language,
    )


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
