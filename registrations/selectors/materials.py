"""Who may download an event's participants-only materials: confirmed registrants."""

from django.conf import settings
from django.db.models import Q

from events.cache import public_version, versioned
from events.models import Event, Material

from ..models import ContactPerson, Registration


def registration_may_download(registration: Registration) -> bool:
    """A confirmed registration (its manage link); not the waiting list, not a cancelled one."""
    return registration.status == Registration.Status.CONFIRMED


def person_may_download(event: Event, person: ContactPerson | None) -> bool:
    """A signed-in contact person confirmed for the event, as attendee or as the one who
    registered someone: the same people who may see the participant list."""
    if not person:
        return False
    return (
        Registration.objects.confirmed()
        .filter(event=event)
        .filter(Q(registered_by=person) | Q(email=person.email))
        .exists()
    )


def registration_materials(registration: Registration) -> list[Material]:
    """Every material of the registration's event, for a registration that may have them."""
    if not registration_may_download(registration):
        return []
    return event_materials(registration.event)


def event_materials(event: Event) -> list[Material]:
    """Every material of the event, from the cache under the public version, which every
    change to a material or a session of the programme bumps."""
    key = f"event-materials:{public_version()}:{event.pk}"
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    found = versioned.get(key) if seconds > 0 else None
    if found is None:
        found = list(event.materials.select_related("session"))
        if seconds > 0:
            versioned.set(key, found, timeout=seconds)
    return found


def participant_only_materials(event: Event) -> list[Material]:
    """The event's participants-only materials (from the event page's prefetch if there)."""
    found = getattr(event, "page_materials", None)
    if found is None:
        found = event.materials.all()
    return [m for m in found if not m.is_public]


def event_material(*, event: Event, key: str) -> Material | None:
    """One material of the event by its download key, public or not."""
    return Material.objects.select_related("event").filter(event=event, key=key).first()
