"""Sign-in, access requests and registration: the rules of who may register and for what.

Capacity is decided under a row lock on the event (`select_for_update`), inside the service's
transaction: every write that can change who holds a place — registering, cancelling, changing
side programme choices, promoting from a waiting list — takes that lock first, so parallel
requests are serialised per event and a capacity can never be exceeded.
"""

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from events import services as event_services
from events.models import Event, EventChange, ProgrammeItem, RegistrationState
from events.services import DaySpec

from . import emails
from .audit import current_origin
from .models import (
    AccessRequest,
    Attendance,
    ContactPerson,
    ErasureLog,
    MemberOrganisation,
    OutboxMessage,
    ProgrammeChoice,
    Registration,
)

SIGN_IN_SALT = "registrations.sign-in"


class RegistrationError(ValidationError):
    """A registration rule refused the request; the message is for the registrant."""


class RateLimited(ValidationError):
    """Too many requests from one address or client."""


class SignInLinkError(ValidationError):
    """A sign-in link that is expired, already used, tampered with, or for someone not eligible."""


# --- rate limiting -------------------------------------------------------------------------


def _hit(key: str, *, limit: int, window: int) -> bool:
    """Count one request under `key`; True while the count stays within `limit` per window."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def _key_part(value: str) -> str:
    """A fixed-length, ASCII stand-in: a 254-character address or a forwarded header would
    make a cache key longer than memcached's 250 characters, or put spaces into it."""
    return hashlib.sha256(value.encode()).hexdigest()


def rate_limit_check(*, scope: str, email: str, client_ip: str) -> None:
    window = settings.SIGN_IN_RATE_WINDOW
    ok_address = _hit(
        f"rl:{scope}:addr:{_key_part(email.strip().lower())}",
        limit=settings.SIGN_IN_RATE_PER_ADDRESS,
        window=window,
    )
    ok_ip = _hit(
        f"rl:{scope}:ip:{_key_part(client_ip)}",
        limit=settings.SIGN_IN_RATE_PER_IP,
        window=window,
    )
    if not (ok_address and ok_ip):
        raise RateLimited(
            _("Too many requests. Please wait %(minutes)d minutes and try again.")
            % {"minutes": max(1, window // 60)},
            code="rate_limited",
        )


# --- sign-in by e-mail link ----------------------------------------------------------------


def _login_stamp(person: ContactPerson) -> str:
    return person.last_login.isoformat() if person.last_login else ""


def sign_in_token_make(*, person: ContactPerson) -> str:
    """A signed, timestamped token bound to the person; using it changes `last_login`,
    which the token carries, so it works once."""
    return signing.dumps({"p": person.pk, "l": _login_stamp(person)}, salt=SIGN_IN_SALT)


def sign_in_token_check(*, token: str) -> ContactPerson:
    """The person a token signs in, without using it up."""
    try:
        data = signing.loads(token, salt=SIGN_IN_SALT, max_age=settings.SIGN_IN_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise SignInLinkError(
            _("This sign-in link has expired. Please request a new one."), code="expired"
        ) from exc
    except signing.BadSignature as exc:
        raise SignInLinkError(
            _("This sign-in link is not valid. Please request a new one."), code="invalid"
        ) from exc
    person = ContactPerson.objects.select_related("organisation").filter(pk=data.get("p")).first()
    if person is None or not person.can_sign_in():
        raise SignInLinkError(
            _("This sign-in link is not valid. Please request a new one."), code="invalid"
        )
    if _login_stamp(person) != data.get("l"):
        raise SignInLinkError(
            _("This sign-in link has already been used. Please request a new one."), code="used"
        )
    return person


def sign_in_token_use(*, token: str) -> ContactPerson:
    """Check the token and use it up, in one locked step so two clicks cannot both sign in."""
    with transaction.atomic():
        person = sign_in_token_check(token=token)
        locked = ContactPerson.objects.select_for_update().get(pk=person.pk)
        if _login_stamp(locked) != _login_stamp(person):
            raise SignInLinkError(
                _("This sign-in link has already been used. Please request a new one."),
                code="used",
            )
        locked.last_login = timezone.now()
        locked.save(update_fields=["last_login"])
        locked.organisation = person.organisation
        return locked


def sign_in_request(*, email: str, client_ip: str, language: str) -> None:
    """Send a sign-in link if the address belongs to an eligible contact person.

    Answers the same way whether or not the address is listed: the caller shows one neutral
    sentence, so the directory cannot be probed. Only the rate limit is visible.
    """
    email = email.strip().lower()
    rate_limit_check(scope="sign-in", email=email, client_ip=client_ip)
    person = (
        ContactPerson.objects.select_related("organisation")
        .filter(email__iexact=email, is_active=True)
        .first()
    )
    if person is None or not person.can_sign_in():
        return
    if person.language != language:
        person.language = language
        person.save(update_fields=["language"])
    # The link itself is made when the mail is sent, so no credential is stored.
    emails.queue(
        [
            OutboxMessage(
                kind=OutboxMessage.Kind.SIGN_IN_LINK,
                recipient=person.email,
                language=person.language,
                contact_person=person,
            )
        ]
    )


def sign_out_everywhere(*, person: ContactPerson) -> None:
    """End every session of the person, on every device."""
    ContactPerson.objects.filter(pk=person.pk).update(session_epoch=F("session_epoch") + 1)


# --- access requests ------------------------------------------------------------------------


def access_request_create(
    *,
    salutation: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: MemberOrganisation,
    function: str,
    message: str,
    language: str,
    client_ip: str,
) -> AccessRequest | None:
    """Record a request for access. Returns None when one for the address is already open."""
    email = email.strip().lower()
    rate_limit_check(scope="access", email=email, client_ip=client_ip)
    if not organisation.is_current():
        raise ValidationError(
            _("Only current member organisations can be chosen."), code="not_member"
        )
    try:
        with transaction.atomic():
            return AccessRequest.objects.create(
                salutation=salutation,
                first_name=first_name,
                last_name=last_name,
                email=email,
                organisation=organisation,
                function=function,
                message=message,
                language=language,
            )
    except IntegrityError:
        return None


def _lock_pending(access_request: AccessRequest) -> AccessRequest:
    req = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if req.status != AccessRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."), code="decided")
    return req


def _decide(req: AccessRequest, *, status: str, user, kind: str, **extra) -> AccessRequest:
    """Record staff's decision on a request locked by `_lock_pending` and queue the mail that
    tells the person."""
    req.status = status
    req.decided_at = timezone.now()
    req.decided_by = user
    for name, value in extra.items():
        setattr(req, name, value)
    req.save()
    emails.queue(
        [
            OutboxMessage(
                kind=kind,
                recipient=req.email,
                language=req.language,
                access_request=req,
                contact_person=extra.get("contact_person"),
            )
        ]
    )
    return req


def access_request_approve(*, access_request: AccessRequest, user) -> ContactPerson:
    """Approve: the person is added to the directory (as a deputy) and gets a sign-in link."""
    with transaction.atomic():
        req = _lock_pending(access_request)
        person = ContactPerson.objects.filter(email__iexact=req.email).first()
        if person is None:
            person = ContactPerson.objects.create(
                organisation=req.organisation,
                salutation=req.salutation,
                first_name=req.first_name,
                last_name=req.last_name,
                email=req.email,
                function=req.function,
                role=ContactPerson.Role.DEPUTY,
                language=req.language,
            )
        elif not person.is_active:
            person.is_active = True
            person.save(update_fields=["is_active"])
        _decide(
            req,
            status=AccessRequest.Status.APPROVED,
            user=user,
            kind=OutboxMessage.Kind.ACCESS_APPROVED,
            contact_person=person,
        )
        return person


def access_request_reject(*, access_request: AccessRequest, user) -> None:
    """Reject: the person gets a polite mail."""
    with transaction.atomic():
        _decide(
            _lock_pending(access_request),
            status=AccessRequest.Status.REJECTED,
            user=user,
            kind=OutboxMessage.Kind.ACCESS_REJECTED,
        )


# --- registration -----------------------------------------------------------------------------


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


def participant_limit(*, event: Event, organisation: MemberOrganisation) -> int:
    return event.participants_per_organisation or organisation.default_participants


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _confirmed_count(event: Event) -> int:
    return Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).count()


def is_full(event: Event, confirmed: int | None = None) -> bool:
    if event.capacity is None:
        return False
    confirmed = _confirmed_count(event) if confirmed is None else confirmed
    return confirmed >= event.capacity


def item_free_places(items) -> dict[int, int | None]:
    """Free places per programme item (None: no limit), in one query."""
    counts = dict(
        ProgrammeChoice.objects.filter(item__in=items, status=ProgrammeChoice.Status.CONFIRMED)
        .values_list("item")
        .annotate(n=Count("pk"))
        .values_list("item", "n")
    )
    return {
        item.pk: None if item.capacity is None else max(0, item.capacity - counts.get(item.pk, 0))
        for item in items
    }


def change_deadline(event: Event) -> datetime | None:
    if event.registration_closes_at:
        return event.registration_closes_at
    return event.starts_at


def can_change(registration: Registration, now: datetime | None = None) -> bool:
    deadline = change_deadline(registration.event)
    now = now or timezone.now()
    return (
        registration.is_active
        and registration.event.status != Event.Status.CANCELLED
        and (deadline is None or now < deadline)
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


def _choose_items(registration: Registration, items: list[ProgrammeItem]) -> None:
    """Add choices; a full item, or a registration on the waiting list, waits for a place."""
    free = item_free_places(items)
    for item in items:
        has_place = free[item.pk] is None or free[item.pk] > 0
        status = (
            ProgrammeChoice.Status.CONFIRMED
            if has_place and registration.status == Registration.Status.CONFIRMED
            else ProgrammeChoice.Status.WAITING
        )
        choice, created = ProgrammeChoice.objects.get_or_create(
            registration=registration, item=item, defaults={"status": status}
        )
        if not created and choice.status == ProgrammeChoice.Status.CANCELLED:
            choice.status = status
            choice.created_at = timezone.now()
            choice.save(update_fields=["status", "created_at"])


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
    if attendee is None:
        attendee = Attendee.of(registered_by)
        is_representative = False
    else:
        is_representative = attendee.email.strip().lower() != registered_by.email
    organisation = registered_by.organisation

    with transaction.atomic():
        locked = _lock_event(event)
        confirmed = _confirmed_count(locked)
        full = is_full(locked, confirmed)
        state = locked.registration_state(is_full=full)
        if state not in (RegistrationState.OPEN, RegistrationState.WAITING_LIST):
            raise RegistrationError(_refusal(state), code=str(state))
        items = _clean_details(locked, details)
        email = attendee.email.strip().lower()
        if Registration.objects.active().filter(event=locked, email=email).exists():
            raise RegistrationError(
                _("%(email)s is already registered for this event.") % {"email": email},
                code="duplicate",
            )
        used = Registration.objects.active().filter(event=locked, organisation=organisation).count()
        limit = participant_limit(event=locked, organisation=organisation)
        if used >= limit:
            raise RegistrationError(
                _(
                    "Your organisation has reached its limit of %(limit)d participants for this "
                    "event."
                )
                % {"limit": limit},
                code="organisation_limit",
            )
        registration = Registration.objects.create(
            event=locked,
            registered_by=registered_by,
            organisation=organisation,
            is_representative=is_representative,
            salutation=attendee.salutation,
            academic_title=attendee.academic_title,
            first_name=attendee.first_name,
            last_name=attendee.last_name,
            email=email,
            function=attendee.function,
            status=Registration.Status.WAITING if full else Registration.Status.CONFIRMED,
            diet=details.diet,
            diet_notes=details.diet_notes,
            accessibility_needs=details.accessibility_needs,
            visibility=details.visibility,
            message=details.message,
            privacy_acknowledged_at=timezone.now(),
            language=language,
        )
        _choose_items(registration, items)
        emails.queue([emails.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)])
        return registration


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


def _waiting_choices(registration: Registration):
    """The wishes a waiting registrant still holds; items they dropped stay dropped."""
    return registration.programme_choices.filter(
        status=ProgrammeChoice.Status.WAITING
    ).select_related("item")


def _set_choice_status(choices, status: str) -> list[ProgrammeChoice]:
    """Set the status of the choices in one UPDATE, each change recorded in their history."""
    changed = [choice for choice in choices if choice.status != status]
    for choice in changed:
        choice.status = status
    if changed:
        bulk_update_with_history(
            changed, ProgrammeChoice, ["status"], custom_historical_attrs=current_origin()
        )
    return changed


def _give_place(registration: Registration) -> None:
    """A waiting registration gets its place: its side programme wishes now compete for places
    like everyone else's, and the registrant is told. Caller holds the event lock."""
    registration.status = Registration.Status.CONFIRMED
    registration.save(update_fields=["status", "updated_at"])
    waiting = list(_waiting_choices(registration))
    _set_choice_status(waiting, ProgrammeChoice.Status.CANCELLED)
    _choose_items(registration, [c.item for c in waiting])
    emails.queue([emails.for_registration(registration, OutboxMessage.Kind.PROMOTION)])


def _promote(event: Event) -> list[Registration]:
    """Fill free places from the waiting list, oldest first. Caller holds the event lock."""
    promoted = []
    if event.status == Event.Status.CANCELLED:
        return promoted
    free = None if event.capacity is None else event.capacity - _confirmed_count(event)
    waiting = Registration.objects.waiting().filter(event=event).order_by("created_at", "pk")
    for registration in waiting if free is None else waiting[: max(free, 0)]:
        _give_place(registration)
        promoted.append(registration)
    _promote_items(event)
    return promoted


def _promote_items(event: Event) -> list[ProgrammeChoice]:
    promoted = []
    items = list(ProgrammeItem.objects.filter(event=event, capacity__isnull=False))
    free = item_free_places(items)
    for item in items:
        if free[item.pk] <= 0:
            continue
        waiting = (
            ProgrammeChoice.objects.filter(
                item=item,
                status=ProgrammeChoice.Status.WAITING,
                registration__status=Registration.Status.CONFIRMED,
            )
            .select_related("registration")
            .order_by("created_at", "pk")[: free[item.pk]]
        )
        for choice in waiting:
            choice.status = ProgrammeChoice.Status.CONFIRMED
            choice.save(update_fields=["status"])
            promoted.append(choice)
            emails.queue(
                [
                    emails.for_registration(
                        choice.registration, OutboxMessage.Kind.ITEM_PROMOTION, choice_id=choice.pk
                    )
                ]
            )
    return promoted


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
        locked_event = _lock_event(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if not reg.is_active:
            raise RegistrationError(_("This registration is already cancelled."), code="cancelled")
        if not (by_organiser or ignore_deadline) and not can_change(reg):
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
        _set_choice_status(reg.programme_choices.all(), ProgrammeChoice.Status.CANCELLED)
        _promote(locked_event)
        if notify:
            emails.queue([emails.for_registration(reg, OutboxMessage.Kind.CANCELLATION)])
        registration.status, registration.cancelled_at = reg.status, reg.cancelled_at
        return reg


def registration_confirm_from_waiting_list(*, registration: Registration) -> Registration:
    """Staff give a waiting registrant a place, even beyond capacity."""
    with transaction.atomic():
        _lock_event(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if reg.status != Registration.Status.WAITING:
            raise RegistrationError(_("Only waiting registrations can be confirmed."), code="state")
        _give_place(reg)
        return reg


def registration_update(*, registration: Registration, details: Details) -> Registration:
    """Change programme choices and needs until the deadline."""
    with transaction.atomic():
        locked_event = _lock_event(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if not can_change(reg):
            raise RegistrationError(
                _("The deadline for changes has passed. Please contact the organisers."),
                code="deadline",
            )
        items = _clean_details(locked_event, details)
        wanted = {item.pk for item in items}
        dropped = list(
            reg.programme_choices.exclude(status=ProgrammeChoice.Status.CANCELLED).exclude(
                item_id__in=wanted
            )
        )
        freed = any(c.status == ProgrammeChoice.Status.CONFIRMED for c in dropped)
        _set_choice_status(dropped, ProgrammeChoice.Status.CANCELLED)
        kept = set(
            reg.programme_choices.exclude(status=ProgrammeChoice.Status.CANCELLED).values_list(
                "item_id", flat=True
            )
        )
        _choose_items(reg, [item for item in items if item.pk not in kept])
        for name in ("diet", "diet_notes", "accessibility_needs", "visibility", "message"):
            setattr(reg, name, getattr(details, name))
        reg.save()
        if freed:
            _promote_items(locked_event)
        return reg


def manage_link_resend(*, email: str, event: Event, client_ip: str) -> None:
    """Mail the manage links of the address's active registrations for the event (if any)."""
    email = email.strip().lower()
    rate_limit_check(scope="resend", email=email, client_ip=client_ip)
    emails.queue(
        emails.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)
        for registration in Registration.objects.active().filter(event=event, email=email)
    )


def confirmation_resend(*, registrations) -> int:
    """Queue the confirmation (with the manage link) again for the active ones among them."""
    with transaction.atomic():
        return len(
            emails.queue(
                emails.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)
                for registration in registrations.filter(status__in=Registration.ACTIVE)
            )
        )


# --- the event lifecycle, told to registrants -------------------------------------------------
# Each wraps the events service in the same transaction, so the outbox rows are written with the
# change: a rollback leaves neither, a commit both.


def _active(event: Event):
    return Registration.objects.active().filter(event=event)


def event_postpone_notify(*, event: Event, notice: str) -> EventChange:
    with transaction.atomic():
        change = event_services.event_postpone(event=event, notice=notice)
        emails.queue(
            emails.for_registration(r, OutboxMessage.Kind.EVENT_POSTPONED) for r in _active(event)
        )
        return change


def event_reschedule_notify(
    *,
    event: Event,
    new_days: list[DaySpec],
    notice: str,
    answer_deadline: datetime | None,
    release_unanswered: bool = False,
) -> EventChange:
    """New days for the event; every registrant is asked to confirm or withdraw by the deadline."""
    if answer_deadline is not None:
        if answer_deadline <= timezone.now():
            raise ValidationError(_("The answer deadline must be in the future."), code="deadline")
        if new_days and timezone.localdate(answer_deadline) >= min(d.date for d in new_days):
            raise ValidationError(
                _("The answer deadline must be before the new first day."), code="deadline"
            )
    with transaction.atomic():
        change = event_services.event_reschedule(event=event, new_days=new_days, notice=notice)
        Event.objects.filter(pk=event.pk).update(
            reconfirmation_deadline=answer_deadline, release_unanswered=release_unanswered
        )
        event.reconfirmation_deadline = answer_deadline
        event.release_unanswered = release_unanswered
        registrations = list(_active(event).select_for_update())
        for registration in registrations:
            registration.reconfirmation = Registration.Reconfirmation.PENDING
            registration.reconfirmed_at = None
        bulk_update_with_history(
            registrations,
            Registration,
            ["reconfirmation", "reconfirmed_at"],
            custom_historical_attrs=current_origin(),
        )
        emails.queue(
            emails.for_registration(r, OutboxMessage.Kind.EVENT_RESCHEDULED) for r in registrations
        )
        return change


def event_cancel_notify(*, event: Event, notice: str) -> EventChange:
    """Cancel the event: registrations are kept, marked cancelled by the organiser, and told."""
    with transaction.atomic():
        change = event_services.event_cancel(event=event, notice=notice)
        registrations = list(_active(event).select_for_update())
        now = timezone.now()
        for registration in registrations:
            registration.status = Registration.Status.CANCELLED_BY_ORGANISER
            registration.cancelled_at = now
        bulk_update_with_history(
            registrations,
            Registration,
            ["status", "cancelled_at"],
            custom_historical_attrs=current_origin(),
        )
        _set_choice_status(
            ProgrammeChoice.objects.filter(registration__in=registrations).exclude(
                status=ProgrammeChoice.Status.CANCELLED
            ),
            ProgrammeChoice.Status.CANCELLED,
        )
        emails.queue(
            [emails.for_registration(r, OutboxMessage.Kind.EVENT_CANCELLED) for r in registrations]
            + [
                OutboxMessage(
                    kind=OutboxMessage.Kind.EVENT_CANCELLED_ACCESS,
                    recipient=req.email,
                    language=req.language,
                    event=event,
                    access_request=req,
                )
                for req in AccessRequest.objects.filter(status=AccessRequest.Status.PENDING)
            ]
        )
        return change


def event_create_replacement_notify(
    *,
    event: Event,
    days: list[DaySpec],
    title: str,
    notice: str,
    publish: bool,
    invite: bool,
) -> Event:
    """Create the replacement; optionally invite the original's registrants to carry over."""
    with transaction.atomic():
        replacement = event_services.event_create_replacement(
            event=event, days=days, title=title, notice=notice, publish=publish
        )
        if invite:
            if not publish:
                raise ValidationError(
                    _("Publish the replacement event to invite registrants to it."),
                    code="unpublished",
                )
            Event.objects.filter(pk=replacement.pk).update(
                registration_opens_at=timezone.now(),
                registration_closes_at=replacement.starts_at,
            )
            emails.queue(
                emails.for_registration(
                    r, OutboxMessage.Kind.REPLACEMENT_INVITATION, replacement_id=replacement.pk
                )
                for r in Registration.objects.filter(
                    event=event,
                    status__in=[*Registration.ACTIVE, Registration.Status.CANCELLED_BY_ORGANISER],
                )
            )
        return replacement


def registration_carry_over(*, registration: Registration) -> Registration:
    """One click from the invitation: the same person and details on the replacement event."""
    replacement = Event.objects.filter(replaces_id=registration.event_id).first()
    if replacement is None:
        raise RegistrationError(_("There is no replacement event to carry over to."), code="none")
    existing = Registration.objects.filter(carried_over_from=registration).first()
    if existing is not None:
        return existing
    if registration.status not in (
        *Registration.ACTIVE,
        Registration.Status.CANCELLED_BY_ORGANISER,
    ):
        raise RegistrationError(_("This registration was cancelled."), code="cancelled")
    new = registration_create(
        event=replacement,
        registered_by=registration.registered_by,
        attendee=Attendee.of(registration),
        details=Details(
            diet=registration.diet,
            diet_notes=registration.diet_notes,
            accessibility_needs=registration.accessibility_needs,
            visibility=registration.visibility,
            message=registration.message,
        ),
        privacy_acknowledged=True,
        language=registration.language,
    )
    Registration.objects.filter(pk=new.pk).update(carried_over_from=registration)
    new.carried_over_from = registration
    return new


def registration_reconfirm(*, registration: Registration, attend: bool) -> Registration:
    """The registrant's answer to new dates: attend, or withdraw (which frees the place)."""
    with transaction.atomic():
        _lock_event(registration.event)
        reg = (
            Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
        )
        if not reg.is_active or reg.reconfirmation == Registration.Reconfirmation.NONE:
            raise RegistrationError(_("There is nothing to answer."), code="not_asked")
        deadline = reg.event.reconfirmation_deadline
        if deadline is not None and timezone.now() >= deadline:
            raise RegistrationError(
                _("The answer deadline has passed. Please contact the organisers."),
                code="deadline",
            )
        reg.reconfirmed_at = timezone.now()
        if attend:
            reg.reconfirmation = Registration.Reconfirmation.CONFIRMED
            reg.save(update_fields=["reconfirmation", "reconfirmed_at", "updated_at"])
            return reg
        reg.reconfirmation = Registration.Reconfirmation.WITHDRAWN
        reg.save(update_fields=["reconfirmation", "reconfirmed_at", "updated_at"])
        return registration_cancel(registration=reg, by_organiser=False, ignore_deadline=True)


def reconfirmation_remind(*, event: Event) -> int:
    """Remind those who have not answered the new dates yet."""
    with transaction.atomic():
        return len(
            emails.queue(
                emails.for_registration(r, OutboxMessage.Kind.RECONFIRMATION_REMINDER)
                for r in _active(event).filter(reconfirmation=Registration.Reconfirmation.PENDING)
            )
        )


def reconfirmations_close(*, now: datetime | None = None) -> int:
    """After the answer deadline, release unanswered registrations where the event says so.

    Safe to run repeatedly: released registrations are no longer pending.
    """
    now = now or timezone.now()
    released = 0
    events = Event.objects.filter(reconfirmation_deadline__lte=now, release_unanswered=True)
    for event in events:
        pending = _active(event).filter(reconfirmation=Registration.Reconfirmation.PENDING)
        for registration in pending:
            registration_cancel(registration=registration, by_organiser=True)
            released += 1
    return released


class MessageGroup(models.TextChoices):
    ALL = "all", _("all active registrations")
    CONFIRMED = "confirmed", _("confirmed")
    WAITING = "waiting", _("waiting list")
    UNANSWERED = "unanswered", _("not yet answered the new dates")
    ITEM = "item", _("participants of a side programme item")


def message_recipients(*, event: Event, group: str, item: ProgrammeItem | None = None):
    registrations = _active(event).select_related("event").order_by("last_name", "first_name")
    if group == MessageGroup.CONFIRMED:
        return registrations.filter(status=Registration.Status.CONFIRMED)
    if group == MessageGroup.WAITING:
        return registrations.filter(status=Registration.Status.WAITING)
    if group == MessageGroup.UNANSWERED:
        return registrations.filter(reconfirmation=Registration.Reconfirmation.PENDING)
    if group == MessageGroup.ITEM:
        if item is None or item.event_id != event.pk:
            raise ValidationError(_("Choose a side programme item of this event."), code="item")
        return registrations.filter(
            programme_choices__item=item, programme_choices__status=ProgrammeChoice.Status.CONFIRMED
        )
    return registrations


def staff_message_send(
    *, event: Event, group: str, subject: str, body: str, item: ProgrammeItem | None = None
) -> int:
    """Queue a message from staff to a group of registrants; placeholders are filled per person."""
    if not subject.strip() or not body.strip():
        raise ValidationError(_("Subject and text are required."), code="empty")
    with transaction.atomic():
        return len(
            emails.queue(
                emails.for_registration(
                    r, OutboxMessage.Kind.STAFF_MESSAGE, subject=subject, body=body
                )
                for r in message_recipients(event=event, group=group, item=item)
            )
        )


def event_reminders_send(*, now: datetime | None = None) -> int:
    """The reminder mail, once per registration, the configured number of days before the event.

    Safe to run repeatedly (hourly, say): a sent reminder is recorded on the registration.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    queued = 0
    events = (
        Event.objects.filter(reminder_days_before__isnull=False)
        .exclude(status__in=[Event.Status.CANCELLED, Event.Status.POSTPONED])
        .with_dates()
        .filter(first_date__gt=today)
    )
    for event in events:
        if (event.first_date - today).days > event.reminder_days_before:
            continue
        with transaction.atomic():
            due = list(
                Registration.objects.select_for_update(skip_locked=True).filter(
                    event=event,
                    status=Registration.Status.CONFIRMED,
                    reminder_sent_at__isnull=True,
                )
            )
            Registration.objects.filter(pk__in=[r.pk for r in due]).update(reminder_sent_at=now)
            queued += len(
                emails.queue(
                    emails.for_registration(r, OutboxMessage.Kind.EVENT_REMINDER) for r in due
                )
            )
    return queued


# --- data protection (DSGVO) -----------------------------------------------------------------
# Anonymising keeps what the statistics count (event, organisation, status, diet, side
# programme statuses, attendance) and drops who it was. The history rows hold copies of the
# personal data, so they go as well; one history row records the anonymisation itself.

ANONYMISED_REGISTRATION_FIELDS = [
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "email",
    "function",
    "diet_notes",
    "accessibility_needs",
    "message",
    "visibility",
    "anonymised_at",
]


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _anonymise_registrations(
    registrations: list[Registration], *, now: datetime, reason: str
) -> dict[str, int]:
    """Strip the personal data from the registrations, their history and their mails."""
    pks = [r.pk for r in registrations]
    if not pks:
        return {"registrations": 0, "history": 0, "mails": 0}
    for registration in registrations:
        registration.salutation = ""
        registration.academic_title = ""
        registration.first_name = ""
        registration.last_name = ""
        registration.email = f"anonymised-{registration.pk}@invalid"
        registration.function = ""
        registration.diet_notes = ""
        registration.accessibility_needs = ""
        registration.message = ""
        registration.visibility = Registration.Visibility.NOBODY
        registration.anonymised_at = now
    history, _detail = Registration.history.filter(id__in=pks).delete()
    mails, _detail = OutboxMessage.objects.filter(registration_id__in=pks).delete()
    bulk_update_with_history(
        registrations,
        Registration,
        ANONYMISED_REGISTRATION_FIELDS,
        default_change_reason=reason,
        custom_historical_attrs=current_origin(),
    )
    return {"registrations": len(pks), "history": history, "mails": mails}


def retention_cutoff(*, now: datetime | None = None) -> date:
    """Registrations of events whose last day is before this date are past retention."""
    today = timezone.localdate(now or timezone.now())
    return _months_before(today, settings.RETENTION_MONTHS)


def registrations_anonymise_expired(*, now: datetime | None = None) -> int:
    """Anonymise the registrations of events that ended more than RETENTION_MONTHS ago.

    Idempotent: anonymised registrations are skipped, so a second run finds nothing. Each
    event is done in its own transaction; an interrupted run resumes where it stopped.
    """
    now = now or timezone.now()
    events = Event.objects.with_dates().filter(last_date__lt=retention_cutoff(now=now))
    totals = {"registrations": 0, "history": 0, "mails": 0}
    pending = Registration.objects.filter(anonymised_at__isnull=True).values("event_id")
    for event in events.filter(pk__in=pending):
        with transaction.atomic():
            registrations = list(
                Registration.objects.select_for_update().filter(
                    event=event, anonymised_at__isnull=True
                )
            )
            counts = _anonymise_registrations(
                registrations, now=now, reason="anonymised: retention period expired"
            )
        for key, value in counts.items():
            totals[key] += value
    if totals["registrations"]:
        ErasureLog.objects.create(reason=ErasureLog.Reason.RETENTION, counts=totals)
    return totals["registrations"]


def records_purge_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Delete what is kept about people outside registrations once RETENTION_MONTHS have passed:
    access requests (decided, or never decided) and their history-free mails, and mails not
    tied to a registration (sign-in links, access decisions). Idempotent."""
    now = now or timezone.now()
    cutoff = timezone.make_aware(datetime.combine(retention_cutoff(now=now), time.min))
    with transaction.atomic():
        requests = AccessRequest.objects.filter(
            Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, created_at__lt=cutoff)
        )
        mails = OutboxMessage.objects.filter(
            registration__isnull=True, created_at__lt=cutoff
        ).exclude(status=OutboxMessage.Status.PENDING)
        counts = {
            "mails": mails.delete()[0],
            "access_requests": requests.delete()[0],
        }
        counts = {key: value for key, value in counts.items() if value}
        if counts:
            ErasureLog.objects.create(reason=ErasureLog.Reason.RETENTION, counts=counts)
    return counts


def _person_records(person: ContactPerson) -> dict:
    """Everything held about the person, as querysets."""
    own = Registration.objects.filter(email=person.email)
    access_requests = AccessRequest.objects.filter(
        Q(email__iexact=person.email) | Q(contact_person=person)
    )
    return {
        "registrations": own,
        "registrations_for_others": Registration.objects.filter(registered_by=person).exclude(
            email=person.email
        ),
        "access_requests": access_requests,
        "mails": OutboxMessage.objects.filter(
            Q(recipient__iexact=person.email)
            | Q(contact_person=person)
            | Q(registration__in=own)
            | Q(access_request__in=access_requests)
        ),
        "person_history": ContactPerson.history.filter(id=person.pk),
        "registration_history": Registration.history.filter(id__in=own.values("pk")),
    }


def person_erasure_preview(*, person: ContactPerson) -> dict[str, int]:
    """What erasing the person will touch, counted (for the confirmation page)."""
    records = _person_records(person)
    return {
        "registrations": records["registrations"].count(),
        "registrations_for_others": records["registrations_for_others"].count(),
        "access_requests": records["access_requests"].count(),
        "mails": records["mails"].count(),
        "history": records["person_history"].count() + records["registration_history"].count(),
    }


def _plain(value):
    """A value as JSON and a spreadsheet cell take it: local times, ISO dates, text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _values(obj, names: list[str]) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


PERSON_FIELDS = [
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "function",
    "email",
    "phone",
    "role",
    "is_active",
    "language",
    "last_login",
    "created_at",
]
REGISTRATION_FIELDS = [
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "email",
    "function",
    "is_representative",
    "status",
    "diet",
    "diet_notes",
    "accessibility_needs",
    "visibility",
    "message",
    "language",
    "privacy_acknowledged_at",
    "created_at",
    "updated_at",
    "cancelled_at",
    "reconfirmation",
    "reconfirmed_at",
]
ACCESS_REQUEST_FIELDS = [
    "salutation",
    "first_name",
    "last_name",
    "email",
    "function",
    "message",
    "language",
    "status",
    "created_at",
    "decided_at",
]


def person_data_export(*, person: ContactPerson) -> dict:
    """All data held about the person (DSGVO Art. 15), nobody else's.

    Registrations they made for colleagues appear only as "you registered someone for this
    event": the colleague's details are the colleague's data. Mails are listed by kind and
    date, without their text.
    """
    records = _person_records(person)
    registrations = (
        records["registrations"]
        .select_related("event", "organisation")
        .prefetch_related("programme_choices__item", "attendances", "event__days")
    )
    history = [
        {
            "record": f"contact person {row.id}",
            "date": _plain(row.history_date),
            "type": row.get_history_type_display(),
            "changed_through": row.get_history_changed_by_display(),
            "values": _values(row, [n for n in PERSON_FIELDS if hasattr(row, n)]),
        }
        for row in records["person_history"].order_by("history_date")
    ] + [
        {
            "record": f"registration {row.id}",
            "date": _plain(row.history_date),
            "type": row.get_history_type_display(),
            "changed_through": row.get_history_changed_by_display(),
            "values": _values(row, REGISTRATION_FIELDS),
        }
        for row in records["registration_history"].order_by("history_date")
    ]
    return {
        "generated_at": _plain(timezone.now()),
        "contact_person": {
            **_values(person, PERSON_FIELDS),
            "organisation": person.organisation.name,
        },
        "registrations": [
            {
                "event": r.event.title,
                "event_dates": ", ".join(d.date.isoformat() for d in r.event.sorted_days),
                "organisation": r.organisation.name,
                **_values(r, REGISTRATION_FIELDS),
                "programme_choices": [
                    {
                        "item": c.item.title,
                        "status": c.status,
                        "chosen_at": _plain(c.created_at),
                    }
                    for c in r.programme_choices.all()
                ],
                "attendance": [a.day.isoformat() for a in r.attendances.all()],
            }
            for r in registrations
        ],
        "registrations_for_others": [
            {"event": r.event.title, "registered_at": _plain(r.created_at)}
            for r in records["registrations_for_others"].select_related("event")
        ],
        "access_requests": [
            {**_values(a, ACCESS_REQUEST_FIELDS), "organisation": a.organisation.name}
            for a in records["access_requests"].select_related("organisation")
        ],
        "mails": [
            {
                "kind": m.kind,
                "status": m.status,
                "queued_at": _plain(m.created_at),
                "sent_at": _plain(m.sent_at),
            }
            for m in records["mails"].order_by("created_at", "pk")
        ],
        "history": history,
    }


def person_erase(*, person: ContactPerson, user: AbstractBaseUser | None) -> ErasureLog:
    """Erase what is held about the person (DSGVO Art. 17); the log keeps counts, not data.

    Their own registrations are anonymised like expired ones, so the statistics still count
    them; an active one for an event still ahead is cancelled first (without a mail), so the
    place goes to the waiting list. Registrations they made for colleagues stay: they are
    the colleagues' data, and `registered_by` must keep pointing somewhere, so a person who
    made any registration is anonymised in the directory instead of deleted.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    active = (
        Registration.objects.active()
        .filter(email=person.email)
        .select_related("event")
        .prefetch_related("event__days")
    )
    with transaction.atomic():
        for registration in active:
            last_day = registration.event.last_day
            if last_day is None or last_day.date >= today:
                registration_cancel(registration=registration, ignore_deadline=True, notify=False)
        person = ContactPerson.objects.select_for_update().get(pk=person.pk)
        records = _person_records(person)
        pk = person.pk
        mails, _detail = records["mails"].delete()
        access_requests, _detail = records["access_requests"].delete()
        registrations = list(
            records["registrations"].select_for_update().filter(anonymised_at__isnull=True)
        )
        anonymised = _anonymise_registrations(
            registrations, now=now, reason="anonymised: erasure on request"
        )
        person_history = records["person_history"].count()
        keep = Registration.objects.filter(registered_by=person).exists()
        if keep:
            ContactPerson.history.filter(id=pk).delete()
            person.salutation = ""
            person.academic_title = ""
            person.first_name = ""
            person.last_name = ""
            person.function = ""
            person.email = f"erased-{pk}@invalid"
            person.phone = ""
            person.is_active = False
            person.session_epoch += 1
            person.anonymised_at = now
            person._change_reason = "anonymised: erasure on request"
            person.save()
        else:
            person.delete()
            # Deleting writes a last history row, with the data: purge that too.
            ContactPerson.history.filter(id=pk).delete()
        return ErasureLog.objects.create(
            reason=ErasureLog.Reason.REQUEST,
            erased_by=user,
            counts={
                "contact_person": "anonymised" if keep else "deleted",
                "registrations": anonymised["registrations"],
                "access_requests": access_requests,
                "mails": mails + anonymised["mails"],
                "history": anonymised["history"] + person_history,
            },
        )


# Check-in on site: one attendance row per registration and day.


def _check_event_day(registration: Registration, day: date) -> None:
    if not registration.event.days.filter(date=day).exists():
        raise ValidationError(
            _("%(day)s is not a day of this event.") % {"day": day.strftime("%d.%m.%Y")}
        )


def attendance_check_in(*, registration: Registration, day: date, user) -> Attendance:
    """Mark a confirmed registrant present on one of the event's days (again: no change)."""
    with transaction.atomic():
        registration = Registration.objects.select_related("event").get(pk=registration.pk)
        if registration.status != Registration.Status.CONFIRMED:
            raise ValidationError(
                _("Only confirmed registrations can be checked in (this one: %(status)s).")
                % {"status": registration.get_status_display()}
            )
        _check_event_day(registration, day)
        attendance, _created = Attendance.objects.get_or_create(
            registration=registration, day=day, defaults={"checked_in_by": user}
        )
        return attendance


def attendance_undo(*, registration: Registration, day: date) -> bool:
    """Take back a check-in; True if there was one. Allowed whatever the status is now, so a
    mistaken mark can always be removed."""
    with transaction.atomic():
        _check_event_day(registration, day)
        deleted, _by_model = Attendance.objects.filter(registration=registration, day=day).delete()
        return deleted > 0
