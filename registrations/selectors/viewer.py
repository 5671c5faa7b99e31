"""The contact person behind a signed-in session, from the shared cache.

Every signed-in request needs the person and their organisation (navigation, registration
box, who may register). Read from the database, that was one ORM query per request, about a
millisecond of CPU (bench/findings.md). The person is kept in the cache under
`contact-person:<pk>` and read from there; every save or delete of the person or of their
organisation, and the epoch bump of "sign out everywhere" (an update, which sends no signal),
drop the entry when their transaction commits, so the next request reads the database again.
The session's epoch and `can_sign_in()` (which follows the calendar) are still checked on
every request, on the copy.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from ..models import ContactPerson

KEY = "contact-person:{}"
# A safety net only: the entry is dropped on every change.
TIMEOUT = 300


def signed_in_person(*, pk, epoch) -> ContactPerson | None:
    """The person a session names, if that session is still valid: same epoch (no "sign
    out everywhere" since) and the person may sign in today."""
    if not isinstance(pk, int):
        return None
    person = cache.get(KEY.format(pk)) if _enabled() else None
    if person is None:
        person = ContactPerson.objects.select_related("organisation").filter(pk=pk).first()
        if person is None:
            return None
        remember_person(person)
    if person.session_epoch != epoch or not person.can_sign_in():
        return None
    return person


def remember_person(person: ContactPerson) -> None:
    """Keep the person (with the organisation) for the requests of their session."""
    if _enabled():
        person.organisation  # noqa: B018 (loaded now, kept with the person)
        cache.set(KEY.format(person.pk), person, timeout=TIMEOUT)


def forget_person(pk, *, using=None) -> None:
    """Drop the cached copy now and again when the transaction commits: a request that read
    the old row in between must not leave it in the cache."""
    keys = (
        [KEY.format(pk)] if not isinstance(pk, list | tuple | set) else [KEY.format(p) for p in pk]
    )
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys), using=using)


def forget_person_on_change(sender, instance, using=None, **_kwargs) -> None:
    """Receiver for ContactPerson saves and deletes."""
    forget_person(instance.pk, using=using)


def forget_organisation_on_change(sender, instance, using=None, **_kwargs) -> None:
    """Receiver for MemberOrganisation saves and deletes: its people's copies hold it."""
    pks = list(
        ContactPerson.objects.using(using)
        .filter(organisation=instance)
        .values_list("pk", flat=True)
    )
    if pks:
        forget_person(pks, using=using)


def _enabled() -> bool:
    return settings.CONTACT_PERSON_CACHE
