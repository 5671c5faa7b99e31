"""How many places there are, how many are taken, and who waits for one.

The service decides under the event's row lock with these same functions; pages ask them
only to show the state, and an admin preview to announce it.
"""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from events.models import Event

from ..models import MemberOrganisation, ProgrammeChoice, Registration


def confirmed_count(event: Event) -> int:
    """Registrations holding a place at the event."""
    return Registration.objects.confirmed().filter(event=event).count()


def event_is_full(event: Event, confirmed: int | None = None) -> bool:
    if event.capacity is None:
        return False
    confirmed = confirmed_count(event) if confirmed is None else confirmed
    return confirmed >= event.capacity


def event_free_places(event: Event) -> int | None:
    """Free places at the event (None: no limit); never below zero."""
    if event.capacity is None:
        return None
    return max(0, event.capacity - confirmed_count(event))


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


def item_confirmed_counts(event: Event) -> dict[int, int]:
    """Confirmed places per programme item of the event."""
    return dict(
        ProgrammeChoice.objects.filter(item__event=event, status=ProgrammeChoice.Status.CONFIRMED)
        .values_list("item")
        .annotate(n=Count("pk"))
        .values_list("item", "n")
    )


def organisation_limit(*, event: Event, organisation: MemberOrganisation) -> int:
    """How many people one member organisation may register for the event."""
    return event.participants_per_organisation or organisation.default_participants


def organisation_places_used(*, event: Event, organisation: MemberOrganisation) -> int:
    return Registration.objects.active().filter(event=event, organisation=organisation).count()


def places_taken(*, event: Event, organisation: MemberOrganisation) -> tuple[int, int]:
    """`confirmed_count` and `organisation_places_used` in one query, for the submit that
    asks both while every other submit for the event waits for its lock."""
    counts = Registration.objects.filter(event=event).aggregate(
        confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        organisation=Count(
            "pk", filter=Q(status__in=Registration.ACTIVE, organisation=organisation)
        ),
    )
    return counts["confirmed"], counts["organisation"]


def places_on_page(event: Event, organisation=None) -> tuple[int, int | None]:
    """`places_taken` for a page that shows both the free places and the organisation's
    allowance (None without an organisation), counted once per page: kept on the event."""
    key = organisation.pk if organisation else None
    memo = event.__dict__.setdefault("_places_on_page", {})
    if key not in memo:
        if organisation:
            memo[key] = places_taken(event=event, organisation=organisation)
        else:
            memo[key] = (confirmed_count(event), None)
    return memo[key]


def anyone_waiting(event: Event) -> bool:
    """Whether a registration waits for a place at the event, or a choice for a place on one
    of its side programme items; in one query."""
    return (
        Event.objects.filter(pk=event.pk)
        .filter(
            Exists(waiting_list(event))
            | Exists(
                ProgrammeChoice.objects.filter(
                    item__event=OuterRef("pk"), status=ProgrammeChoice.Status.WAITING
                )
            )
        )
        .exists()
    )


def waiting_list(event: Event):
    """The event's waiting list, first come first served."""
    return Registration.objects.waiting().filter(event=event).order_by("created_at", "pk")


def item_waiting_list(item):
    """Choices waiting for a place on the item, first come first served; only those of
    registrants who hold a place at the event themselves can move up."""
    return (
        ProgrammeChoice.objects.filter(
            item=item,
            status=ProgrammeChoice.Status.WAITING,
            registration__status=Registration.Status.CONFIRMED,
        )
        .select_related("registration")
        .order_by("created_at", "pk")
    )


def capacity_refusal(*, event: Event, item=None, new_capacity: int | None) -> str | None:
    """Why a new capacity cannot be set, or None: never below the places already confirmed,
    so nobody loses a confirmed place by an edit."""
    current = (item if item is not None else event).capacity
    if new_capacity is None or (current is not None and new_capacity >= current):
        return None  # not lowered: staff may save other fields of an overbooked event
    if item is None:
        taken = confirmed_count(event) if event.pk else 0
    else:
        taken = item_confirmed_counts(event).get(item.pk, 0) if item.pk else 0
    if new_capacity < taken:
        return _(
            "The capacity cannot be lower than the %(taken)d places already confirmed. "
            "Cancel registrations first if places must go."
        ) % {"taken": taken}
    return None
