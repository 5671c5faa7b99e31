"""The contact person behind a signed-in session, from the shared cache.

Every signed-in request needs the person and their organisation (navigation, registration
box, who may register). Read from the database, that was one ORM query per request, about a
millisecond of CPU (bench/findings.md). The person is kept in the cache under
`contact-person:<people version>:<pk>`, and each process keeps a copy (`versioned`), so a
signed-in request mostly needs no round trip for it at all: the people version comes with the
others in the request's first round trip. Every save or delete of any person or organisation,
and the epoch bump of "sign out everywhere" (an update, which sends no signal), makes a new
version at once and again when their transaction commits, so the next request reads the
database again.
The session's epoch and `can_sign_in()` (which follows the calendar) are still checked on
every request, on the copy.
"""

from django.conf import settings
from django.db import transaction

from events.cache import bump_people_version, people_version, versioned

from ..models import ContactPerson

KEY = "contact-person:{version}:{pk}"
# A safety net only: every change makes a new version.
TIMEOUT = 300


def signed_in_person(*, pk, epoch) -> ContactPerson | None:
    """The person a session names, if that session is still valid: same epoch (no "sign
    out everywhere" since) and the person may sign in today."""
    if not isinstance(pk, int):
        return None
    person = versioned.get(KEY.format(version=people_version(), pk=pk)) if _enabled() else None
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
        versioned.set(KEY.format(version=people_version(), pk=person.pk), person, timeout=TIMEOUT)


def forget_people(*, using=None) -> None:
    """Every cached person is stale: a new version now, and again when the transaction
    commits, since a request that read the old row in between may have kept it under the
    version of the moment."""
    bump_people_version()
    transaction.on_commit(bump_people_version, using=using)


def forget_person(pk, *, using=None) -> None:
    """The person's cached copy is stale (with all others: one version for everyone, as
    changes to people are rare and a new copy is one query)."""
    forget_people(using=using)


def forget_person_on_change(sender, instance, using=None, **_kwargs) -> None:
    """Receiver for ContactPerson saves and deletes."""
    forget_people(using=using)


def forget_organisation_on_change(sender, instance, using=None, **_kwargs) -> None:
    """Receiver for MemberOrganisation saves and deletes: its people's copies hold it."""
    forget_people(using=using)


def _enabled() -> bool:
    return settings.CONTACT_PERSON_CACHE
