"""How many places there are, how many are taken, and who waits for one.

The service decides under the event's row lock with these same functions; pages ask them
only to show the state, and an admin preview to announce it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from events.cache import public_version, versioned
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
    return _free_on_items(items, counts)


def event_item_free_places(event: Event) -> dict[int, int | None]:
    """Free places per programme item of the event (its `programme_items` as given), in one
    query compiled once per process: the manage page asks on every request."""
    return _free_on_items(list(event.programme_items.all()), item_confirmed_counts(event))


def _free_on_items(items, taken: dict[int, int]) -> dict[int, int | None]:
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


# The same count as `organisation_places_used`, compiled once: pages ask it per organisation.
_organisation_used = PreparedQuery(
    lambda event_id, organisation_id: (
        Registration.objects.active()
        .filter(event_id=event_id, organisation_id=organisation_id)
        .values("organisation_id")
        .annotate(used=Count("pk"))
    ),
    event_id=-82_001,
    organisation_id=-82_002,
)


def page_organisation_places_used(*, event: Event, organisation: MemberOrganisation) -> int:
    rows = _organisation_used(event_id=event.pk, organisation_id=organisation.pk)
    return rows[0]["used"] if rows else 0


def places_taken(
    *, event: Event, organisation: MemberOrganisation, participation: str | None = None
) -> tuple[int, int]:
    """`confirmed_count` (of the pool) and `organisation_places_used` in one query, for the
    submit that asks both while every other submit for the event waits for its lock."""
    confirmed = Q(status=Registration.Status.CONFIRMED)
    if event.is_hybrid and participation is not None:
        confirmed &= Q(participation=participation)
    counts = Registration.objects.filter(event=event).aggregate(
        confirmed=Count("pk", filter=confirmed),
        organisation=Count(
            "pk", filter=Q(status__in=Registration.ACTIVE, organisation=organisation)
        ),
    )
    return counts["confirmed"], counts["organisation"]


def places_on_page(event: Event, organisation=None) -> tuple[int, int | None]:
    """Confirmed places at the event (all pools) and the organisation's active registrations
    (None without an organisation), as `page_places` counts them."""
    places = page_places(event, organisation)
    return places.confirmed, places.organisation


@dataclass(frozen=True)
class PagePlaces:
    """The places a page shows (never what a registration is decided by: the service counts
    again under the event's lock): confirmed registrations of the event in all pools and per
    way of taking part, and one organisation's active registrations (None without one)."""

    confirmed: int
    by_mode: dict
    organisation: int | None

    def _confirmed_in(self, event: Event, participation: str | None) -> int:
        if event.is_hybrid and participation is not None:
            return self.by_mode.get(participation, 0)
        return self.confirmed

    def free(self, event: Event, participation: str | None = None) -> int | None:
        """`event_free_places` from these counts."""
        limit = mode_capacity(event, participation)
        return None if limit is None else max(0, limit - self._confirmed_in(event, participation))

    def is_full(self, event: Event) -> bool:
        """`event_is_full` from these counts: at a hybrid event, whether every pool is."""
        return all(self.free(event, mode) == 0 for mode in modes(event))

    def free_by_mode(self, event: Event) -> dict[str, int | None]:
        """`free_places_by_mode` from these counts."""
        if not event.is_hybrid:
            return {}
        return {mode: self.free(event, mode) for mode in modes(event)}


def page_places(event: Event, organisation=None) -> PagePlaces:
    """The places of the event as its pages show them, counted once per change: kept in the
    cache under the public version, which every save or delete of a registration or a side
    programme choice bumps when its transaction commits (the bulk status updates run in
    transactions that save a registration or the event as well), and on the event for the
    rest of the request. The event's counts are shared by everyone, the organisation's by
    its contact persons; on a miss, at most two queries."""
    key = organisation.pk if organisation else None
    memo = event.__dict__.setdefault("_page_places", {})
    if key not in memo:
        memo[key] = _count_page_places(event, organisation)
    return memo[key]


def page_registration_state(event: Event, organisation=None):
    """Where registration stands (`Event.registration_state`), as pages show it."""
    return event.registration_state(is_full=page_places(event, organisation).is_full(event))


def _count_page_places(event: Event, organisation) -> PagePlaces:
    """The event's counts from the cache (shared by everyone); the organisation's counted
    each time by a prepared query (as cheap as a cache read, and never stale)."""
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    event_key = f"page-places:{public_version()}:{event.pk}"
    counts = versioned.get(event_key) if seconds > 0 else None
    used = None
    if counts is None:
        counts, used = _event_counts(event, organisation)
        if seconds > 0:
            versioned.set(event_key, counts, timeout=seconds)
    elif organisation:
        used = page_organisation_places_used(event=event, organisation=organisation)
    return PagePlaces(
        confirmed=counts["confirmed"],
        by_mode=counts["by_mode"],
        organisation=used if organisation else None,
    )


def _event_counts(event: Event, organisation) -> tuple[dict, int | None]:
    """The event's counts as plain values (for the cache), and the organisation's active
    registrations in the same query."""
    confirmed = Q(status=Registration.Status.CONFIRMED)
    aggregates = {"confirmed": Count("pk", filter=confirmed)}
    if event.is_hybrid:
        for mode in modes(event):
            aggregates[mode] = Count("pk", filter=confirmed & Q(participation=mode))
    if organisation:
        aggregates["organisation"] = Count(
            "pk", filter=Q(status__in=Registration.ACTIVE, organisation=organisation)
        )
    row = Registration.objects.filter(event=event).aggregate(**aggregates)
    counts = {
        "confirmed": row["confirmed"],
        "by_mode": {mode: row[mode] for mode in modes(event)} if event.is_hybrid else {},
    }
    return counts, row.get("organisation")


def page_item_free_places(event: Event) -> dict[int, int | None]:
    """`item_free_places` of the event's side programme as pages show it: the confirmed
    choices per item kept in the cache under the public version like `page_places`."""
    items = list(event.programme_items.all())
    if not items:
        return {}
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    key = f"page-items:{public_version()}:{event.pk}"
    counts = versioned.get(key) if seconds > 0 else None
    if counts is None:
        counts = item_confirmed_counts(event)
        if seconds > 0:
            versioned.set(key, counts, timeout=seconds)
    return _free_on_items(items, counts)


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
