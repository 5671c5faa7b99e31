"""Who receives a mail: the one answer the sending service and its preview both use."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Event, ProgrammeItem

from ..models import AccessRequest, ProgrammeChoice, Registration
from .invitations import changed_event_invitees


class LifecycleStep(models.TextChoices):
    POSTPONE = "postpone", gettext_lazy("postpone")
    RESCHEDULE = "reschedule", gettext_lazy("reschedule")
    CANCEL = "cancel", gettext_lazy("cancel")
    REPLACEMENT = "replacement", gettext_lazy("replacement event")
    ONLINE = "online", gettext_lazy("switch to online")


def active_registrations(event: Event):
    return Registration.objects.active().filter(event=event)


def replacement_eligible(event: Event):
    """Registrations that may be carried over to the replacement event: those still holding
    or waiting for a place, and those whose place went with the event's cancellation. Whom
    the organiser took off the list before that stays off it."""
    status, changed_at = Event.objects.values_list("status", "status_changed_at").get(pk=event.pk)
    eligible = Q(status__in=Registration.ACTIVE)
    if status == Event.Status.CANCELLED:
        with_event = Q(status=Registration.Status.CANCELLED_BY_ORGANISER)
        if changed_at is not None:
            # The cancellation writes the event's time first, then its registrations'.
            with_event &= Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=changed_at)
        eligible |= with_event
    return Registration.objects.filter(eligible, event=event)


def replacement_invitees(event: Event):
    """Those invited to carry their registration over to the replacement event, once per
    address."""
    eligible = replacement_eligible(event)
    later = eligible.filter(email=OuterRef("email"), pk__gt=OuterRef("pk"))
    return eligible.exclude(Exists(later))


def lifecycle_recipients(*, event: Event, step: str):
    """The registrations a lifecycle step writes to, in a stable order."""
    if step == LifecycleStep.REPLACEMENT:
        registrations = replacement_invitees(event)
    else:
        registrations = active_registrations(event)
    return registrations.select_related("event").order_by("pk")


def lifecycle_invitees(*, event: Event, step: str):
    """The invited who have not answered yet: a postponement, new dates or a cancellation
    reaches them too (the replacement event invites registrants only)."""
    if step == LifecycleStep.REPLACEMENT:
        return changed_event_invitees(event).none()
    return changed_event_invitees(event)


def access_requests_for(event: Event):
    """Pending requests for access from people who asked about this event."""
    return AccessRequest.objects.filter(status=AccessRequest.Status.PENDING, event=event).order_by(
        "pk"
    )


class MessageGroup(models.TextChoices):
    ALL = "all", gettext_lazy("all active registrations")
    CONFIRMED = "confirmed", gettext_lazy("confirmed")
    WAITING = "waiting", gettext_lazy("waiting list")
    UNANSWERED = "unanswered", gettext_lazy("not yet answered the new dates")
    ITEM = "item", gettext_lazy("participants of a side programme item")
    CANCELLED_BY_ORGANISER = (
        "cancelled_by_organiser",
        gettext_lazy("former registrants (cancelled by the organiser)"),
    )


def message_recipients(*, event: Event, group: str, item: ProgrammeItem | None = None):
    if group == MessageGroup.CANCELLED_BY_ORGANISER:
        # After a cancelled event, staff still write to those it had registered (a replacement,
        # a refund); those who withdrew themselves are not written to.
        return (
            Registration.objects.filter(
                event=event,
                status=Registration.Status.CANCELLED_BY_ORGANISER,
                anonymised_at__isnull=True,
            )
            .select_related("event")
            .order_by("last_name", "first_name")
        )
    registrations = (
        active_registrations(event).select_related("event").order_by("last_name", "first_name")
    )
    if group == MessageGroup.CONFIRMED:
        return registrations.filter(status=Registration.Status.CONFIRMED)
    if group == MessageGroup.WAITING:
        return registrations.filter(status=Registration.Status.WAITING)
    if group == MessageGroup.UNANSWERED:
        return registrations.filter(reconfirmation=Registration.Reconfirmation.PENDING)
    if group == MessageGroup.ITEM:
        if item is None or item.event_id != event.pk:
            raise ValidationError(_("Choose a side programme item of this event."), code="item")
        return registrations.filter(
            programme_choices__item=item, programme_choices__status=ProgrammeChoice.Status.CONFIRMED
        )
    return registrations


def unanswered_reconfirmations(event: Event):
    return active_registrations(event).filter(reconfirmation=Registration.Reconfirmation.PENDING)
