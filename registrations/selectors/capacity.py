"""How many places there are, how many are taken, and who waits for one.

The service decides under the event's row lock with these same functions; pages ask them
only to show the state, and an admin preview to announce it.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from events.models import Event, ProgrammeItem
from jahrestreffen.prepared import PreparedQuery

from ..models import MemberOrganisation, ProgrammeChoice, Registration


def modes(event: Event) -> list[str | None]:
    """The pools of places of an event: at a hybrid event one per way of taking part (in
    person, online), each with its own capacity and waiting list; elsewhere one (None)."""
    if event.is_hybrid:
        return list(Registration.Participation.values)
    return [None]


def mode_of(event: Event, participation: str) -> str | None:
    """The pool a registration with this participation counts in."""
    return participation if event.is_hybrid else None


def mode_capacity(event: Event, participation: str | None = None) -> int | None:
    """The capacity of one pool (None: no limit); online places of a hybrid event have their
    own, in-person places and the single pool of other events the event's capacity."""
    if event.is_hybrid and participation == Registration.Participation.ONLINE:
        return event.online_capacity
    return event.capacity


def _in_pool(registrations, event: Event, participation: str | None):
    if event.is_hybrid and participation is not None:
        return registrations.filter(participation=participation)
    return registrations


def confirmed_count(
    event: Event, participation: str | None = None, *, besides: Registration | None = None
) -> int:
    """Registrations holding a place at the event (in one pool of a hybrid event);
    `besides`: not counting a registration whose place is being decided."""
    confirmed = Registration.objects.confirmed().filter(event=event)
    if besides is not None:
        confirmed = confirmed.exclude(pk=besides.pk)
    return _in_pool(confirmed, event, participation).count()


def event_is_full(
    event: Event, confirmed: int | None = None, participation: str | None = None
) -> bool:
    """Whether the pool is full; for a hybrid event without a pool named, whether every pool
    is (registration is open while one of them has places)."""
    if event.is_hybrid and participation is None:
        return all(event_is_full(event, participation=mode) for mode in modes(event))
    limit = mode_capacity(event, participation)
    if limit is None:
        return False
    confirmed = confirmed_count(event, participation) if confirmed is None else confirmed
    return confirmed >= limit


def event_free_places(
    event: Event, participation: str | None = None, *, besides: Registration | None = None
) -> int | None:
    """Free places in the pool (None: no limit); never below zero."""
    limit = mode_capacity(event, participation)
    if limit is None:
        return None
    return max(0, limit - confirmed_count(event, participation, besides=besides))


def free_places_by_mode(event: Event) -> dict[str, int | None]:
    """Free places per way of taking part of a hybrid event (empty for other events)."""
    if not event.is_hybrid:
        return {}
    return {mode: event_free_places(event, mode) for mode in modes(event)}


def item_free_places(items) -> dict[int, int | None]:
    """Free places per programme item (None: no limit), in one query."""
    counts = dict(
        ProgrammeChoice.objects.filter(item__in=items, status=ProgrammeChoice.Status.CONFIRMED)
        .values_list("item")
        .annotate(n=Count("pk"))
        .values_list("item", "n")
    )
    return free_on_items(items, counts)


def event_item_free_places(event: Event) -> dict[int, int | None]:
    """Free places per programme item of the event (its `programme_items` as given), in one
    query compiled once per process: the manage page asks on every request."""
    return free_on_items(list(event.programme_items.all()), item_confirmed_counts(event))


def free_on_items(items, taken: dict[int, int]) -> dict[int, int | None]:
    return {
        item.pk: None if item.capacity is None else max(0, item.capacity - taken.get(item.pk, 0))
        for item in items
    }


def _confirmed_counts_query(event_id: int):
    return (
        ProgrammeChoice.objects.filter(
            item__event_id=event_id, status=ProgrammeChoice.Status.CONFIRMED
        )
        .values("item")
        .annotate(n=Count("pk"))
        .values("item", "n")
    )


_confirmed_counts = PreparedQuery(_confirmed_counts_query, event_id=-48613)


def item_confirmed_counts(event: Event) -> dict[int, int]:
    """Confirmed places per programme item of the event."""
    return {row["item"]: row["n"] for row in _confirmed_counts(event_id=event.pk)}


def organisation_limit(*, event: Event, organisation: MemberOrganisation) -> int:
    """How many people one member organisation may register for the event."""
    return event.participants_per_organisation or organisation.default_participants


def organisation_places_used(*, event: Event, organisation: MemberOrganisation) -> int:
    return Registration.objects.active().filter(event=event, organisation=organisation).count()


def _waiting_registrations():
    return Exists(Registration.objects.waiting().filter(event=OuterRef("pk")))


def _waiting_choices():
    return Exists(
        ProgrammeChoice.objects.filter(
            item__event=OuterRef("pk"), status=ProgrammeChoice.Status.WAITING
        )
    )


def anyone_waiting(event: Event) -> bool:
    """Whether a registration waits for a place at the event (in any pool), or a choice for a
    place on one of its side programme items; in one query."""
    return (
        Event.objects.filter(pk=event.pk)
        .filter(_waiting_registrations() | _waiting_choices())
        .exists()
    )


@dataclass(frozen=True)
class PlacesTaken:
    """What a new registration's place is decided by, the newcomer itself not counted."""

    anyone_waiting: bool  # `anyone_waiting`
    confirmed: int  # `confirmed_count` of the newcomer's pool
    organisation: int  # `organisation_places_used` by the newcomer's organisation


def places_taken_besides(event: Event, registration: Registration) -> PlacesTaken:
    """`anyone_waiting`, `confirmed_count` of the registration's pool and
    `organisation_places_used` by its organisation, the registration itself not counted, in
    one statement.

    For the submit, which writes its registration before it takes the event's lock and asks
    this under the lock, where every other submit for the event waits: plain SQL, because
    building the same through the ORM (subqueries on the translated Event model) cost about
    3 ms of CPU against 0.1 ms to run it. The rules are those of the functions named above;
    tests/registrations/test_admission.py checks that both count alike."""
    pool = mode_of(event, registration.participation)
    active = ", ".join(["%s"] * len(Registration.ACTIVE))
    sql = f"""
        SELECT
            COUNT(*) FILTER (WHERE status = %s{" AND participation = %s" if pool else ""}),
            COUNT(*) FILTER (WHERE status IN ({active}) AND organisation_id = %s),
            COUNT(*) FILTER (WHERE status = %s) > 0 OR EXISTS (
                SELECT 1 FROM {ProgrammeChoice._meta.db_table} choice
                JOIN {ProgrammeItem._meta.db_table} item ON item.id = choice.item_id
                WHERE item.event_id = %s AND choice.status = %s
            )
        FROM {Registration._meta.db_table}
        WHERE event_id = %s AND id <> %s"""  # table names from the models, values as parameters
    params = [
        Registration.Status.CONFIRMED,
        *([pool] if pool else []),
        *Registration.ACTIVE,
        registration.organisation_id,
        Registration.Status.WAITING,
        event.pk,
        ProgrammeChoice.Status.WAITING,
        event.pk,
        registration.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        confirmed, organisation, waiting = cursor.fetchone()
    return PlacesTaken(anyone_waiting=bool(waiting), confirmed=confirmed, organisation=organisation)


def waiting_list(event: Event, participation: str | None = None):
    """The event's waiting list (of one pool at a hybrid event), first come first served."""
    waiting = Registration.objects.waiting().filter(event=event)
    return _in_pool(waiting, event, participation).order_by("created_at", "pk")


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


def _confirmed_in_capacity(event: Event, *, online: bool) -> int:
    """The confirmed places a capacity covers: the online ones (none yet at an in-person event
    made hybrid in the same save), the on-site ones of a hybrid event, or all."""
    confirmed = Registration.objects.confirmed().filter(event=event)
    if online:
        return confirmed.online_participants().count()
    return (confirmed.on_site() if event.is_hybrid else confirmed).count()


def capacity_refusal(
    *, event: Event, item=None, new_capacity: int | None, participation: str | None = None
) -> str | None:
    """Why a new capacity cannot be set, or None: never below the places already confirmed,
    so nobody loses a confirmed place by an edit. `participation`: the online capacity of a
    hybrid event (counting online places only); otherwise the event's or the item's."""
    online = participation == Registration.Participation.ONLINE
    if item is not None:
        current = item.capacity
    else:
        current = event.online_capacity if online else event.capacity
    if new_capacity is None or (current is not None and new_capacity >= current):
        return None  # not lowered: staff may save other fields of an overbooked event
    if item is None:
        taken = _confirmed_in_capacity(event, online=online) if event.pk else 0
    else:
        taken = item_confirmed_counts(event).get(item.pk, 0) if item.pk else 0
    if new_capacity < taken:
        return _(
            "The capacity cannot be lower than the %(taken)d places already confirmed. "
            "Cancel registrations first if places must go."
        ) % {"taken": taken}
    return None


def attendance_mode_refusal(*, event: Event, new_mode: str) -> str | None:
    """Why the attendance mode cannot be changed in a form, or None. With people registered,
    moving online is the lifecycle step that tells them, and nobody who chose to join online
    is silently turned into someone expected at the venue."""
    if new_mode == event.attendance_mode or not event.pk:
        return None
    active = Registration.objects.active().filter(event=event)
    if new_mode == Event.AttendanceMode.ONLINE and active.exists():
        return _(
            "People are registered for this event: use “Switch to online” (under “Change "
            "status or dates”), which tells each of them."
        )
    if new_mode == Event.AttendanceMode.IN_PERSON and active.online_participants().exists():
        return _(
            "Some registrants take part online. Cancel or move them first; an in-person "
            "event has no online places."
        )
    return None
