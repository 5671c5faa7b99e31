"""How a registrant takes part — in person or online — and moving between the two.

At a hybrid event each way has its own places and waiting list (`selectors.capacity.modes`);
at an online or in-person event the event's mode decides for everyone.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from events.models import Event

from ..audit import current_origin
from ..mail import outbox
from ..models import OutboxMessage, ProgrammeChoice, Registration
from ..selectors import capacity
from .places import choices_set_status, event_lock, item_places_fill, places_fill


def participation_for(event: Event, chosen: str) -> str:
    """The participation a new registration stores: the registrant's choice at a hybrid event
    (required there), the event's own mode elsewhere."""
    if event.is_online:
        return Registration.Participation.ONLINE
    if not event.is_hybrid:
        return Registration.Participation.IN_PERSON
    if chosen not in Registration.Participation.values:
        raise ValidationError(
            _("Please choose whether you take part in person or online."), code="participation"
        )
    return chosen


def registration_participation_change(
    *, registration: Registration, participation: str, reason: str = ""
) -> Registration:
    """Staff move a registrant of a hybrid event to the other way of taking part. The person
    needs a place there: without a free one (or with others already waiting for one) they
    join that waiting list; the place they leave goes to the first waiting for it."""
    with transaction.atomic():
        event = event_lock(registration.event)
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        reg.event = event
        if not event.is_hybrid:
            raise ValidationError(
                _("Only registrants of a hybrid event choose how they take part."),
                code="not_hybrid",
            )
        participation = participation_for(event, participation)
        if participation == reg.participation or not reg.is_active:
            return reg
        must_wait = (
            capacity.event_is_full(event, participation=participation)
            or capacity.waiting_list(event, participation).exists()
        )
        reg.participation = participation
        reg.status = Registration.Status.WAITING if must_wait else Registration.Status.CONFIRMED
        reg._change_reason = reason or None
        reg.save(update_fields=["participation", "status", "updated_at"])
        if participation == Registration.Participation.ONLINE:
            # The side programme is on site: its places go to those waiting for them.
            choices_set_status(
                list(reg.programme_choices.active()), ProgrammeChoice.Status.CANCELLED
            )
            item_places_fill(event)
        places_fill(event)
        outbox.queue([outbox.for_registration(reg, OutboxMessage.Kind.REGISTRATION_CHANGED)])
        registration.participation, registration.status = reg.participation, reg.status
        return reg


def registrations_move_online(*, event: Event) -> list[Registration]:
    """The event now takes place online: everyone registered takes part online (caller holds
    the event lock). Their places stay; at the former venue's capacity nobody waits any more
    for a place on site, so whoever waits moves up as the (online) capacity allows."""
    registrations = list(
        Registration.objects.active()
        .filter(event=event)
        .exclude(participation=Registration.Participation.ONLINE)
        .select_for_update()
    )
    for registration in registrations:
        registration.participation = Registration.Participation.ONLINE
    bulk_update_with_history(
        registrations,
        Registration,
        ["participation"],
        custom_historical_attrs=current_origin(),
        default_change_reason="event moved online",
    )
    return registrations
