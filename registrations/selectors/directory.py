"""The participant directory: who appears on lists others see, and who may see them."""

from collections.abc import Iterable, Iterator

from django.db.models import Q, QuerySet

from events.models import Event
from jahrestreffen.prepared import PreparedQuery

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


def _own_rows_query(event_id: int, person_id: int, email: str):
    return (
        Registration.objects.filter(event_id=event_id)
        .filter(
            Q(registered_by_id=person_id, status__in=Registration.ACTIVE)
            | Q(email=email, status=Registration.Status.CONFIRMED)
        )
        .values(*OWN_FIELDS)
    )


# Asked on every signed-in event page and form: compiled once per process (0.1 ms instead of
# about 1 ms of ORM work), and read afresh each time rather than cached, so no one's
# registrations are kept anywhere and every change shows at once.
_own_rows = PreparedQuery(_own_rows_query, event_id=-81_001, person_id=-81_002, email="\x1eown")


def own_registrations(event: Event, person: ContactPerson) -> tuple[list[Registration], bool]:
    """The person's active registrations of the event (those they made), and whether they may
    see the participants (`can_see_participants`): one query."""
    rows = [
        tuple(row[f] for f in OWN_FIELDS)
        for row in _own_rows(event_id=event.pk, person_id=person.pk, email=person.email)
    ]
    # The Meta ordering (created_at, pk) is the order the registrations were made in.
    found = [Registration.from_db(None, OWN_FIELDS, row) for row in rows]
    mine = [r for r in found if r.registered_by_id == person.pk and r.is_active]
    sees = any(r.status == Registration.Status.CONFIRMED for r in found)
    return mine, sees
