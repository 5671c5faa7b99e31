"""Mailing a registrant their manage link again: on request ("lost your link") or by staff."""

from django.db import transaction
from django_tasks import task

from events.models import Event

from ..mail import outbox
from ..models import OutboxMessage, Registration
from ..text import normalise_email
from .ratelimit import rate_limit_check


def manage_link_resend(*, email: str, event: Event, client_ip: str) -> None:
    """Mail the manage links of the address's active registrations for the event (if any).

    Like `signin.sign_in_request`, the request does the same work for every address: the
    look-up runs in the background task, so neither the answer nor its timing tells whether
    the address is registered. Over the per-address limit nothing is sent, answered as usual.
    """
    email = normalise_email(email)
    if rate_limit_check(scope="resend", email=email, client_ip=client_ip):
        transaction.on_commit(lambda: manage_links_send.enqueue(email, event.pk))


@task()
def manage_links_send(email: str, event_id: int) -> int:
    """Queue the confirmation (with the manage link) for each active registration of the
    address for the event; the number queued."""
    with transaction.atomic():
        return len(
            outbox.queue(
                outbox.for_registration(registration, OutboxMessage.Kind.MANAGE_LINK)
                for registration in Registration.objects.active().filter(
                    event_id=event_id, email=normalise_email(email)
                )
            )
        )


def confirmation_resend(*, registrations) -> int:
    """Queue the confirmation (with the manage link) again for the active ones among them."""
    with transaction.atomic():
        return len(
            outbox.queue(
                outbox.for_registration(registration, OutboxMessage.Kind.CONFIRMATION)
                for registration in registrations.filter(status__in=Registration.ACTIVE)
            )
        )
