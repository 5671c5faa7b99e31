"""Changing and cancelling a registration, and what a registration consists of (a new one:
`admission`): the rules of who may take a place, and when.

Capacity is decided under a row lock on the event (`places.event_lock`), inside the service's
transaction: every write that can change who holds a place holds that lock when it decides,
so parallel requests are serialised per event and a capacity can never be exceeded.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, ProgrammeItem

from ..mail import outbox
from ..models import OutboxMessage, ProgrammeChoice, Registration
from ..selectors import deadlines
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


def clean_details(event: Event, details: Details, participation: str) -> list[ProgrammeItem]:
    ids = list(dict.fromkeys(details.programme_item_ids))
    # The event's side programme as the caller read it (the pages' cached event holds it).
    items = [item for item in event.programme_items.all() if item.pk in ids] if ids else []
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


def detail_fields(details: Details, names: tuple[str, ...] | None = None) -> dict:
    return {name: getattr(details, name) for name in names or DETAIL_FIELDS}


DETAIL_FIELDS = ("diet", "diet_notes", "accessibility_needs", "visibility", "message")
# Chosen once, at registration: how a registrant of a hybrid event takes part (staff move
# people between the ways, `services.participation`).
CREATED_FIELDS = (*DETAIL_FIELDS, "participation")


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
        items = clean_details(locked_event, details, reg.participation)
        wanted = {item.pk for item in items}
        dropped = list(reg.programme_choices.active().exclude(item_id__in=wanted))
        freed = any(c.status == ProgrammeChoice.Status.CONFIRMED for c in dropped)
        choices_set_status(dropped, ProgrammeChoice.Status.CANCELLED)
        kept = set(reg.programme_choices.active().values_list("item_id", flat=True))
        choices_add(reg, [item for item in items if item.pk not in kept])
        for name, value in detail_fields(details).items():
            setattr(reg, name, value)
        reg._change_reason = reason or None
        reg.save()
        if freed:
            item_places_fill(locked_event)
        outbox.queue([outbox.for_registration(reg, OutboxMessage.Kind.REGISTRATION_CHANGED)])
        return reg
