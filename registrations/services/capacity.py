"""Capacity changes by staff (a form, an inline, a command): checked and set under the
event's lock, and freed places given to those waiting, in order, each with their mail."""

from django.db import transaction

from events.models import Event, ProgrammeItem

from ..models import Registration
from ..selectors import capacity
from .places import event_lock, places_fill
from .registration import RegistrationError


def places_refill(*, event: Event) -> list[Registration]:
    """After places were added (a capacity raised in a form, an inline or a command), those
    waiting move up in order, each with their mail."""
    with transaction.atomic():
        return places_fill(event_lock(event))


def event_capacity_check(
    *,
    event: Event,
    capacity_value: int | None,
    item: ProgrammeItem | None = None,
    participation: str | None = None,
) -> None:
    """Refuse a capacity below the places already confirmed, counted under the event's lock.

    For a form that saves the capacity itself (the admin change form and its items inline):
    called inside the transaction that saves, the lock keeps anyone from taking a place
    between this count and the save. `participation` online: the online capacity of a hybrid
    event.
    """
    with transaction.atomic():
        locked = event_lock(event)
        refusal = capacity.capacity_refusal(
            event=locked, item=item, new_capacity=capacity_value, participation=participation
        )
        if refusal:
            raise RegistrationError(refusal, code="capacity_below_confirmed")


def event_capacity_set(
    *,
    event: Event,
    capacity_value: int | None,
    item: ProgrammeItem | None = None,
    participation: str | None = None,
) -> None:
    """Set the capacity of the event (or of one of its items; `participation` online: the
    online places of a hybrid event) and give freed places to those waiting for them. A
    capacity below the places already confirmed is refused."""
    with transaction.atomic():
        locked = event_lock(event)
        refusal = capacity.capacity_refusal(
            event=locked, item=item, new_capacity=capacity_value, participation=participation
        )
        if refusal:
            raise RegistrationError(refusal, code="capacity_below_confirmed")
        field = "online_capacity" if participation == "online" and not item else "capacity"
        # Saved, not updated: the event's history records the new capacity now.
        target = ProgrammeItem.objects.get(pk=item.pk, event=locked) if item else locked
        setattr(target, field, capacity_value)
        target.save(update_fields=[field] if item else [field, "updated_at"])
        setattr(item if item is not None else event, field, capacity_value)
        places_fill(locked)
