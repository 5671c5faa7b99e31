"""The participant directory: who appears on lists others see, and who may see them."""

from collections.abc import Iterable, Iterator

from django.db.models import Q, QuerySet

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
