"""The participant directory: who appears on lists others see, and who may see them."""

import hashlib
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Q, QuerySet

from events.cache import public_version, versioned
from events.models import Event

from ..models import ContactPerson, Registration
from ..text import full_name

CHUNK = 2000


def people(queryset: QuerySet, *, visibilities: Iterable[str] | None = None) -> Iterator[dict]:
    """Name, function and organisation per registration, sorted by last name.

    With `visibilities`, only the people whose chosen visibility is one of them: what a
    registrant agreed to decides who appears on a list others see. No e-mail, no needs.
    """
    if visibilities is not None:
        queryset = queryset.filter(visibility__in=list(visibilities))
    fields = ("academic_title", "first_name", "last_name", "function", "organisation__name")
    for title, first, last, function, organisation in (
        queryset.order_by("last_name", "first_name", "pk")
        .values_list(*fields)
        .iterator(chunk_size=CHUNK)
    ):
        yield {
            "name": full_name(title, first, last),
            "last_name": last,
            "function": function,
            "organisation": organisation,
        }


def public_people(queryset: QuerySet) -> Iterator[dict]:
    """Those who agreed to be printed on the list handed out at the event."""
    return people(queryset, visibilities=[Registration.Visibility.PUBLIC])


def participant_directory(event: Event) -> list[dict]:
    """The confirmed participants other participants of the event may see."""
    return list(
        people(
            Registration.objects.confirmed().filter(event=event),
            visibilities=[Registration.Visibility.PARTICIPANTS, Registration.Visibility.PUBLIC],
        )
    )


def can_see_participants(event: Event, person: ContactPerson | None) -> bool:
    """A signed-in contact person confirmed for the event, as attendee or as the one who
    registered someone, may see the other participants."""
    if not person:
        return False
    return (
        Registration.objects.confirmed()
        .filter(event=event)
        .filter(Q(registered_by=person) | Q(email=person.email))
        .exists()
    )


def registration_may_see_participants(registration: Registration) -> bool:
    """A confirmed registrant (a representative too) may see the list through their link."""
    return registration.status == Registration.Status.CONFIRMED


# What the event page needs of a registration of one's own: its name, its state, its link;
# in the model's field order, which `Model.from_db` expects.
OWN = {"id", "registered_by_id", "status", "reconfirmation", "manage_nonce", "anonymised_at"}
OWN |= {"academic_title", "first_name", "last_name"}
OWN_FIELDS = tuple(f.attname for f in Registration._meta.concrete_fields if f.attname in OWN)


def own_registrations(event: Event, person: ContactPerson) -> tuple[list[Registration], bool]:
    """The person's active registrations of the event (those they made), and whether they may
    see the participants (`can_see_participants`): one query, whose rows are kept in the cache
    under the public version (every registration saved bumps it) for this person alone — the
    key holds who they are, so no one else ever reads them."""
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    address = hashlib.sha256(person.email.encode()).hexdigest()[:16]
    key = f"own-registrations:{public_version()}:{event.pk}:{person.pk}:{address}"
    rows = versioned.get(key) if seconds > 0 else None
    if rows is None:
        rows = list(
            Registration.objects.filter(event_id=event.pk)
            .filter(
                Q(registered_by_id=person.pk, status__in=Registration.ACTIVE)
                | Q(email=person.email, status=Registration.Status.CONFIRMED)
            )
            .values_list(*OWN_FIELDS)
        )
        if seconds > 0:
            versioned.set(key, rows, timeout=seconds)
    # The Meta ordering (created_at, pk) is the order the registrations were made in.
    found = [Registration.from_db(None, OWN_FIELDS, row) for row in rows]
    mine = [r for r in found if r.registered_by_id == person.pk and r.is_active]
    sees = any(r.status == Registration.Status.CONFIRMED for r in found)
    return mine, sees
