"""Places at an event and on its side programme items: who holds one, who waits, who moves up.

Every function here expects the caller to hold the event's row lock (`event_lock`), inside the
caller's transaction: that lock serialises every write that can change who holds a place, so a
capacity is never exceeded and the waiting list is served in order, whichever door the change
came through (public form, manage link, admin form, inline, list action, command).
"""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from events.models import Event, ProgrammeItem

from ..audit import current_origin
from ..mail import outbox
from ..models import OutboxMessage, ProgrammeChoice, Registration
from ..selectors import capacity

# With EVENT_LOCK_TIMING on (bench.settings only), how long each committed transaction held
# the event lock, in milliseconds: every registration for the event waits that long.
lock_timing = logging.getLogger("registrations.event_lock")


def event_lock(event: Event) -> Event:
    """Lock the row that owns the capacity; returns the locked, freshly read event.

    FOR NO KEY UPDATE, which serialises every holder all the same: a submit writes its
    registration before it takes the lock, and the foreign key makes that insert take a
    key-share lock on the event, which FOR UPDATE would wait for (two submits each waiting
    for the other's)."""
    locked = Event.objects.select_for_update(no_key=True).get(pk=event.pk)
    if settings.EVENT_LOCK_TIMING:
        _time_the_hold()
    return locked


def _time_the_hold() -> None:
    taken = time.perf_counter()
    transaction.on_commit(lambda: lock_timing.info("%.3f", (time.perf_counter() - taken) * 1000))
    # Timed at the commit: callbacks queued before the lock (the mail's delivery task, the
    # pages' cache) run after the commit and outside the lock, so this one goes first.
    callbacks = transaction.get_connection().run_on_commit
    callbacks.insert(0, callbacks.pop())


def choices_add(registration: Registration, items: list[ProgrammeItem]) -> None:
    """Add choices; a full item, or a registration on the waiting list, waits for a place."""
    free = capacity.item_free_places(items)
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


def choices_create(registration: Registration, items: list[ProgrammeItem]) -> None:
    """The choices of a registration that has none yet, in one INSERT (and one for their
    history): a place on each item with one free while the registrant holds a place at the
    event, else a place in the item's queue."""
    free = capacity.item_free_places(items)
    choices = [
        ProgrammeChoice(
            registration=registration,
            item=item,
            status=ProgrammeChoice.Status.CONFIRMED
            if registration.status == Registration.Status.CONFIRMED
            and (free[item.pk] is None or free[item.pk] > 0)
            else ProgrammeChoice.Status.WAITING,
        )
        for item in items
    ]
    bulk_create_with_history(choices, ProgrammeChoice, custom_historical_attrs=current_origin())


def choices_set_status(choices, status: str) -> list[ProgrammeChoice]:
    """Set the status of the choices in one UPDATE, each change recorded in their history."""
    changed = [choice for choice in choices if choice.status != status]
    for choice in changed:
        choice.status = status
    if changed:
        bulk_update_with_history(
            changed, ProgrammeChoice, ["status"], custom_historical_attrs=current_origin()
        )
    return changed


def registration_give_place(registration: Registration) -> None:
    """A waiting registration gets its place and the registrant is told. Its side programme
    wishes keep their place in each item's queue (first chosen, first served) and move up as
    places on the items allow."""
    registration.status = Registration.Status.CONFIRMED
    registration.save(update_fields=["status", "updated_at"])
    outbox.queue([outbox.for_registration(registration, OutboxMessage.Kind.PROMOTION)])
    item_places_fill(registration.event)


def places_fill(event: Event, *, besides: Registration | None = None) -> list[Registration]:
    """Fill free places from the waiting lists, oldest first: the event's (at a hybrid event
    each pool's from its own list, so a freed place online never goes to someone waiting to
    come in person), then each item's. `besides`: a new registration written in this
    transaction whose place is still to be decided; it takes none before those waiting."""
    promoted: list[Registration] = []
    if event.status == Event.Status.CANCELLED:
        return promoted
    for mode in capacity.modes(event):
        free = capacity.event_free_places(event, mode, besides=besides)
        waiting = capacity.waiting_list(event, mode)
        for registration in waiting if free is None else waiting[:free]:
            registration_give_place(registration)
            promoted.append(registration)
    item_places_fill(event)
    return promoted


def item_places_fill(event: Event) -> list[ProgrammeChoice]:
    promoted = []
    items = list(ProgrammeItem.objects.filter(event=event))
    free = capacity.item_free_places(items)
    for item in items:
        waiting = capacity.item_waiting_list(item)
        if free[item.pk] is not None:
            waiting = waiting[: free[item.pk]]
        for choice in waiting:
            choice.status = ProgrammeChoice.Status.CONFIRMED
            choice.save(update_fields=["status"])
            promoted.append(choice)
            outbox.queue(
                [
                    outbox.for_registration(
                        choice.registration, OutboxMessage.Kind.ITEM_PROMOTION, choice_id=choice.pk
                    )
                ]
            )
    return promoted
