"""Requests for access from people not (yet) in the directory, and staff's decisions."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event

from ..mail import outbox
from ..models import AccessRequest, ContactPerson, MemberOrganisation, OutboxMessage
from ..text import normalise_email
from .ratelimit import rate_limit_check


def access_request_create(
    *,
    salutation: str,
    first_name: str,
    last_name: str,
    email: str,
    organisation: MemberOrganisation,
    function: str,
    message: str,
    language: str,
    client_ip: str,
    event: Event | None = None,
) -> AccessRequest | None:
    """Record a request for access. Returns None when one for the address is already open."""
    email = normalise_email(email)
    if not rate_limit_check(scope="access", email=email, client_ip=client_ip):
        return None
    if not organisation.is_current():
        raise ValidationError(
            _("Only current member organisations can be chosen."), code="not_member"
        )
    try:
        with transaction.atomic():
            return AccessRequest.objects.create(
                salutation=salutation,
                first_name=first_name,
                last_name=last_name,
                email=email,
                organisation=organisation,
                function=function,
                message=message,
                language=language,
                event=event,
            )
    except IntegrityError:
        return None


def _lock_pending(access_request: AccessRequest) -> AccessRequest:
    req = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if req.status != AccessRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."), code="decided")
    return req


def _decide(req: AccessRequest, *, status: str, user, kind: str, **extra) -> AccessRequest:
    """Record staff's decision on a request locked by `_lock_pending` and queue the mail that
    tells the person."""
    req.status = status
    req.decided_at = timezone.now()
    req.decided_by = user
    for name, value in extra.items():
        setattr(req, name, value)
    req.save()
    outbox.queue(
        [
            OutboxMessage(
                kind=kind,
                recipient=req.email,
                language=req.language,
                access_request=req,
                contact_person=extra.get("contact_person"),
            )
        ]
    )
    return req


def access_request_approve(*, access_request: AccessRequest, user) -> ContactPerson:
    """Approve: the person is added to the directory (as a deputy) and gets a sign-in link."""
    with transaction.atomic():
        req = _lock_pending(access_request)
        person = ContactPerson.objects.filter(email__iexact=req.email).first()
        if person is None:
            person = ContactPerson.objects.create(
                organisation=req.organisation,
                salutation=req.salutation,
                first_name=req.first_name,
                last_name=req.last_name,
                email=req.email,
                function=req.function,
                role=ContactPerson.Role.DEPUTY,
                language=req.language,
            )
        elif not person.is_active:
            person.is_active = True
            person.save(update_fields=["is_active"])
        _decide(
            req,
            status=AccessRequest.Status.APPROVED,
            user=user,
            kind=OutboxMessage.Kind.ACCESS_APPROVED,
            contact_person=person,
        )
        return person


def access_request_reject(*, access_request: AccessRequest, user) -> None:
    """Reject: the person gets a polite mail."""
    with transaction.atomic():
        _decide(
            _lock_pending(access_request),
            status=AccessRequest.Status.REJECTED,
            user=user,
            kind=OutboxMessage.Kind.ACCESS_REJECTED,
        )
