"""The places of an event as its pages show them (event page, form, manage page): the
event's counts kept in the cache under the public version and shared by everyone, the
organisation's likewise and shared by its contact persons. The service decides under the
event's lock with `capacity` itself; these only show the state."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q

from events.cache import public_version, read_versions_again, versioned
from events.models import Event
from jahrestreffen.prepared import PreparedQuery

from ..models import MemberOrganisation, Registration
from .capacity import free_on_items, item_confirmed_counts, mode_capacity, modes

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
    """The event's counts (shared by everyone) and the organisation's (shared by its contact
    persons), each from the cache under the public version, so each process keeps a copy
    (`versioned`): a signed-in page then reads no count from the database at all. On a miss
    the event's counts and the organisation's come from one query."""
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    version = public_version()
    event_key = f"page-places:{version}:{event.pk}"
    organisation_key = (
        f"page-places:{version}:{event.pk}:{organisation.pk}" if organisation else None
    )
    counts = versioned.get(event_key) if seconds > 0 else None
    used = None
    if counts is None:
        counts, used = _event_counts(event, organisation)
        if seconds > 0:
            versioned.set(event_key, counts, timeout=seconds)
            if organisation:
                versioned.set(organisation_key, used, timeout=seconds)
    elif organisation:
        used = versioned.get(organisation_key) if seconds > 0 else None
        if used is None:
            used = page_organisation_places_used(event=event, organisation=organisation)
            if seconds > 0:
                versioned.set(organisation_key, used, timeout=seconds)
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
    return free_on_items(items, counts)


def recount(event: Event) -> None:
    """Forget the places this request has read: after the service refused because others
    took places meanwhile (it counts again under the event's lock), the page shows the
    counts its decision was based on, not those read before."""
    event.__dict__.pop("_page_places", None)
    read_versions_again()
