"""News for the organisers: new access requests and registrants' messages, batched.

`staff_notices_queue` runs from cron (`manage.py notify_staff`): one mail per organiser
address and run lists everything new since the last run, through the outbox like every mail.
"""

import hashlib
from collections import defaultdict
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction

from events.models import Event

from ..mail import outbox
from ..models import AccessRequest, OutboxMessage, Registration, StaffNotice


def message_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def organiser_address(event: Event | None) -> str:
    """The event's first organiser contact with an address; else the site's sender address,
    the team's own mailbox."""
    if event is not None:
        for contact in event.contacts.all():
            if contact.email:
                return contact.email
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _new_access_requests() -> list[AccessRequest]:
    noticed = StaffNotice.objects.filter(access_request__isnull=False).values("access_request")
    return list(
        AccessRequest.objects.filter(status=AccessRequest.Status.PENDING)
        .exclude(pk__in=noticed)
        .select_related("event")
        .prefetch_related("event__contacts")
        .order_by("created_at", "pk")
    )


def _new_messages() -> list[tuple[Registration, str]]:
    with_message = (
        Registration.objects.active()
        .exclude(message="")
        .select_related("event")
        .prefetch_related("event__contacts")
        .order_by("event_id", "pk")
    )
    noticed = set(
        StaffNotice.objects.filter(registration__isnull=False).values_list(
            "registration_id", "digest"
        )
    )
    found = []
    for registration in with_message:
        digest = message_digest(registration.message)
        if (registration.pk, digest) not in noticed:
            found.append((registration, digest))
    return found


def staff_notices_queue() -> int:
    """Queue one notice per organiser address listing what is new; returns how many.

    Under a lock on nothing but its own rows: two runs at once could list an item twice, which
    the unique constraints turn into a rolled-back second run.
    """
    with transaction.atomic():
        requests = _new_access_requests()
        messages = _new_messages()
        batches: dict[str, dict[str, list[int]]] = defaultdict(
            lambda: {"access_requests": [], "registrations": []}
        )
        for request in requests:
            batches[organiser_address(request.event)]["access_requests"].append(request.pk)
        for registration, _digest in messages:
            batches[organiser_address(registration.event)]["registrations"].append(registration.pk)
        outbox.queue(
            OutboxMessage(
                kind=OutboxMessage.Kind.STAFF_NOTICE,
                recipient=address,
                language=settings.LANGUAGE_CODE,
                payload=items,
            )
            for address, items in batches.items()
        )
        StaffNotice.objects.bulk_create(
            [StaffNotice(access_request=r) for r in requests]
            + [StaffNotice(registration=r, digest=d) for r, d in messages]
        )
        return len(batches)
