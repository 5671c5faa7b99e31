"""Whom a contact person may register, and where to turn when a registration is refused."""

from email.utils import parseaddr

from django.conf import settings

from events.models import Event
from jahrestreffen.prepared import PreparedQuery

from ..models import ContactPerson, Registration
from ..text import email_domain, normalise_domain


def representative_domains(person: ContactPerson) -> list[str]:
    """The mail domains a contact person may register a representative under: their
    organisation's, or where it has none configured, the contact person's own domain."""
    domains = [normalise_domain(d) for d in person.organisation.domains]
    return domains or [email_domain(person.email)]


def address_in_domains(email: str, domains: list[str]) -> bool:
    """Whether the address is at one of the domains or a subdomain of one ("amt.leipzig.de"
    belongs to "leipzig.de")."""
    domain = email_domain(email)
    return any(domain == d or domain.endswith(f".{d}") for d in domains)


def organiser_addresses(event: Event) -> list[str]:
    """Where a registrant may write about the event: its organiser contacts, else the
    sender address of the app's mail."""
    addresses = [c.email for c in event.contacts.all() if c.email]
    return addresses or [parseaddr(settings.DEFAULT_FROM_EMAIL)[1]]


# Asked on every registration of oneself: compiled once per process.
_own_place = PreparedQuery(
    lambda event_id, person_id: (
        Registration.objects.active()
        .filter(event_id=event_id, registered_by_id=person_id, is_representative=False)
        .values("email")
    ),
    event_id=-83_001,
    person_id=-83_002,
)


def own_place_address(event: Event, person: ContactPerson) -> str | None:
    """The address of the person's active registration of themselves for the event, if they
    have one: after changing its address they must not take a second place as themselves."""
    rows = _own_place(event_id=event.pk, person_id=person.pk)
    return rows[0]["email"] if rows else None


def active_registration_of(event: Event, email: str) -> Registration | None:
    """The active registration of the address for the event, if there is one."""
    return (
        Registration.objects.active()
        .filter(event=event, email=email)
        .only("pk", "registered_by_id")
        .first()
    )
