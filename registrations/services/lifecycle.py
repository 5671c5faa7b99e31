"""The event lifecycle told to registrants: postpone, reschedule, cancel, replacement event.

Each wraps the events service in the same transaction, so the outbox rows are written with the
change: a rollback leaves neither, a commit both. Who is told comes from
`selectors.recipients`, the same function the admin's confirmation page counts with.
"""

from dataclasses import replace
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from events import online as event_online
from events import services as event_services
from events.models import Event, EventChange, ProgrammeItem
from events.services import DaySpec

from ..audit import current_origin
from ..mail import outbox
from ..models import Attendance, OutboxMessage, ProgrammeChoice, Registration
from ..selectors import recipients
from ..selectors.recipients import LifecycleStep
from .admission import registration_create
from .invitations import invitation_mail
from .participation import registrations_move_online
from .places import choices_set_status, event_lock, places_fill
from .registration import (
    Attendee,
    Details,
    RegistrationError,
    registration_cancel,
)

KIND = {
    LifecycleStep.POSTPONE: OutboxMessage.Kind.EVENT_POSTPONED,
    LifecycleStep.RESCHEDULE: OutboxMessage.Kind.EVENT_RESCHEDULED,
    LifecycleStep.CANCEL: OutboxMessage.Kind.EVENT_CANCELLED,
    LifecycleStep.REPLACEMENT: OutboxMessage.Kind.REPLACEMENT_INVITATION,
    LifecycleStep.ONLINE: OutboxMessage.Kind.EVENT_MOVED_ONLINE,
}


def lifecycle_mails(*, event: Event, step: str, registrations=None, **payload) -> list:
    """The mails a lifecycle step sends (unsaved), built from the one recipients selector."""
    if registrations is None:
        registrations = recipients.lifecycle_recipients(event=event, step=step)
    mails = [outbox.for_registration(r, KIND[step], **payload) for r in registrations]
    mails += [
        invitation_mail(invitation, OutboxMessage.Kind.INVITATION_CHANGED, step=str(step))
        for invitation in recipients.lifecycle_invitees(event=event, step=step)
    ]
    if step == LifecycleStep.CANCEL:
        mails += [
            OutboxMessage(
                kind=OutboxMessage.Kind.EVENT_CANCELLED_ACCESS,
                recipient=req.email,
                language=req.language,
                event=event,
                access_request=req,
            )
            for req in recipients.access_requests_for(event)
        ]
    return mails


def _save_event(event: Event, reason: str, **values) -> None:
    """Write event fields with a history row of their own, at the moment of the change (the
    acting staff user comes from the request, through simple-history's middleware)."""
    locked = Event.objects.select_for_update().get(pk=event.pk)
    for name, value in values.items():
        setattr(locked, name, value)
        setattr(event, name, value)
    locked._change_reason = reason[:100]
    locked.save(update_fields=[*values, "updated_at"])


def event_postpone_notify(*, event: Event, notice: str, notice_en: str = "") -> EventChange:
    with transaction.atomic():
        change = event_services.event_postpone(event=event, notice=notice, notice_en=notice_en)
        outbox.queue(lifecycle_mails(event=event, step=LifecycleStep.POSTPONE))
        return change


def event_move_online_notify(
    *, event: Event, notice: str, notice_en: str = "", join_url: str = "", dial_in: str = ""
) -> EventChange:
    """The event takes place online: registrations stay and become online participations,
    whoever waits keeps waiting for a place as the capacity allows, and everyone is told
    (confirmed online participants find the join details on their manage page, in the
    reminder and in their calendar)."""
    with transaction.atomic():
        change = event_online.event_move_online(
            event=event, notice=notice, notice_en=notice_en, join_url=join_url, dial_in=dial_in
        )
        locked = event_lock(event)
        registrations_move_online(event=locked)
        places_fill(locked)
        outbox.queue(lifecycle_mails(event=event, step=LifecycleStep.ONLINE))
        return change


def _check_answer_deadline(answer_deadline: datetime | None, new_days: list[DaySpec]) -> None:
    if answer_deadline is None:
        return
    if answer_deadline <= timezone.now():
        raise ValidationError(_("The answer deadline must be in the future."), code="deadline")
    if new_days and timezone.localdate(answer_deadline) >= min(d.date for d in new_days):
        raise ValidationError(
            _("The answer deadline must be before the new first day."), code="deadline"
        )


def _check_attendance_kept(event: Event, new_days: list[DaySpec]) -> None:
    """Check-ins are facts: a day on which people were checked in cannot be dropped."""
    dropped = sorted(
        set(
            Attendance.objects.filter(registration__event=event)
            .exclude(day__in=[d.date for d in new_days])
            .values_list("day", flat=True)
        )
    )
    if dropped:
        raise ValidationError(
            _(
                "People were checked in on %(days)s; these days cannot be removed. "
                "Undo those check-ins first if they were mistaken."
            )
            % {"days": ", ".join(d.strftime("%d.%m.%Y") for d in dropped)},
            code="attendance",
        )


def event_reschedule_notify(
    *,
    event: Event,
    new_days: list[DaySpec],
    notice: str,
    answer_deadline: datetime | None,
    notice_en: str = "",
    release_unanswered: bool = False,
    move_registration_window: bool = False,
) -> EventChange:
    """New days for the event; every registrant is asked to confirm or withdraw by the deadline,
    and gets the reminder again before the new first day."""
    event_services.validate_future_days(new_days)
    _check_answer_deadline(answer_deadline, new_days)
    with transaction.atomic():
        _check_attendance_kept(event, new_days)
        change = event_services.event_reschedule(
            event=event,
            new_days=new_days,
            notice=notice,
            notice_en=notice_en,
            move_registration_window=move_registration_window,
        )
        _save_event(
            event,
            _("answer deadline for the new dates"),
            reconfirmation_deadline=answer_deadline,
            release_unanswered=release_unanswered,
        )
        registrations = list(
            recipients.lifecycle_recipients(
                event=event, step=LifecycleStep.RESCHEDULE
            ).select_for_update(of=("self",))
        )
        for registration in registrations:
            registration.reconfirmation = Registration.Reconfirmation.PENDING
            registration.reconfirmed_at = None
            registration.reminder_sent_at = None
        bulk_update_with_history(
            registrations,
            Registration,
            ["reconfirmation", "reconfirmed_at", "reminder_sent_at"],
            custom_historical_attrs=current_origin(),
            default_change_reason="rescheduled",
        )
        outbox.queue(
            lifecycle_mails(event=event, step=LifecycleStep.RESCHEDULE, registrations=registrations)
        )
        return change


def event_cancel_notify(*, event: Event, notice: str, notice_en: str = "") -> EventChange:
    """Cancel the event: registrations are kept, marked cancelled by the organiser, and told;
    so are those whose request for access to this event still waits."""
    with transaction.atomic():
        change = event_services.event_cancel(event=event, notice=notice, notice_en=notice_en)
        registrations = list(
            recipients.lifecycle_recipients(
                event=event, step=LifecycleStep.CANCEL
            ).select_for_update(of=("self",))
        )
        now = timezone.now()
        for registration in registrations:
            registration.status = Registration.Status.CANCELLED_BY_ORGANISER
            registration.cancelled_at = now
        bulk_update_with_history(
            registrations,
            Registration,
            ["status", "cancelled_at"],
            custom_historical_attrs=current_origin(),
            default_change_reason="event cancelled",
        )
        choices_set_status(
            ProgrammeChoice.objects.filter(registration__in=registrations).active(),
            ProgrammeChoice.Status.CANCELLED,
        )
        outbox.queue(
            lifecycle_mails(event=event, step=LifecycleStep.CANCEL, registrations=registrations)
        )
        return change


def event_create_replacement_notify(
    *,
    event: Event,
    days: list[DaySpec],
    title: str,
    notice: str,
    publish: bool,
    invite: bool,
    notice_en: str = "",
) -> Event:
    """Create the replacement; optionally invite the original's registrants to carry over."""
    if invite and not publish:
        raise ValidationError(
            _("Publish the replacement event to invite registrants to it."), code="unpublished"
        )
    event_services.validate_future_days(days)
    status = Event.objects.values_list("status", flat=True).get(pk=event.pk)
    if status not in (Event.Status.POSTPONED, Event.Status.CANCELLED):
        raise event_services.TransitionError(
            _("Only a postponed or cancelled event can get a replacement event."),
            code="not_postponed",
        )
    with transaction.atomic():
        replacement = event_services.event_create_replacement(
            event=event,
            days=days,
            title=title,
            notice=notice,
            notice_en=notice_en,
            publish=publish,
        )
        if invite:
            _save_event(
                replacement,
                _("registration opened for the invited"),
                registration_opens_at=timezone.now(),
                registration_closes_at=replacement.starts_at,
            )
            outbox.queue(
                lifecycle_mails(
                    event=event, step=LifecycleStep.REPLACEMENT, replacement_id=replacement.pk
                )
            )
        return replacement


def _held_item_titles(registration: Registration) -> set[str]:
    """The side programme the registrant held: now, or, where the event's cancellation took
    the choices with the registration, just before that (from the choices' history)."""
    if registration.is_active or registration.cancelled_at is None:
        return set(registration.programme_choices.active().values_list("item__title", flat=True))
    before = {}
    for record in ProgrammeChoice.history.filter(
        registration_id=registration.pk, history_date__lt=registration.cancelled_at
    ).order_by("history_date", "history_id"):
        before[record.id] = record
    held = [
        record.item_id
        for record in before.values()
        if record.history_type != "-" and record.status in ProgrammeChoice.ACTIVE
    ]
    return set(ProgrammeItem.objects.filter(pk__in=held).values_list("title", flat=True))


def _replacement_items(registration: Registration, replacement: Event) -> list[int]:
    """The side programme the registrant held, as far as the replacement offers it (items are
    copied with the replacement, so they are matched by title)."""
    held = _held_item_titles(registration)
    return [item.pk for item in replacement.programme_items.all() if item.title in held]


def registration_carry_over(*, registration: Registration) -> Registration:
    """One click from the invitation: the same person, details and side programme on the
    replacement event; never a second registration for the same person."""
    replacement = Event.objects.filter(replaces_id=registration.event_id).first()
    if replacement is None:
        raise RegistrationError(_("There is no replacement event to carry over to."), code="none")
    with transaction.atomic():
        # A second click at the same moment waits here, then finds what the first created.
        event_lock(replacement)
        registration = Registration.objects.select_related("event").get(pk=registration.pk)
        existing = (
            Registration.objects.active()
            .filter(event=replacement, email=registration.email)
            .order_by("pk")
            .first()
        ) or Registration.objects.filter(carried_over_from=registration).first()
        if existing is not None:
            return existing
        eligible = recipients.replacement_eligible(registration.event)
        if not eligible.filter(pk=registration.pk).exists():
            raise RegistrationError(_("This registration was cancelled."), code="cancelled")
        new = registration_create(
            event=replacement,
            registered_by=registration.registered_by,
            attendee=Attendee.of(registration),
            details=replace(
                Details.of(registration),
                programme_item_ids=_replacement_items(registration, replacement),
            ),
            privacy_acknowledged=True,
            language=registration.language,
            carried_over=True,
        )
        Registration.objects.filter(pk=new.pk).update(carried_over_from=registration)
        new.carried_over_from = registration
        _supersede(registration)
        return new


def _supersede(registration: Registration) -> None:
    """The place on the replacement takes over from the original one: an original still
    active (the event was postponed, not cancelled) is released without a mail, so its place
    goes to the waiting list and news of the original no longer reaches this person."""
    if Registration.objects.active().filter(pk=registration.pk).exists():
        registration_cancel(registration=registration, ignore_deadline=True, notify=False)


def registration_reconfirm(*, registration: Registration, attend: bool) -> Registration:
    """The registrant's answer to new dates: attend, or withdraw (which frees the place)."""
    with transaction.atomic():
        event_lock(registration.event)
        reg = (
            Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
        )
        if not reg.is_active or reg.reconfirmation == Registration.Reconfirmation.NONE:
            raise RegistrationError(_("There is nothing to answer."), code="not_asked")
        deadline = reg.event.reconfirmation_deadline
        if deadline is not None and timezone.now() >= deadline:
            raise RegistrationError(
                _("The answer deadline has passed. Please contact the organisers."),
                code="deadline",
            )
        reg.reconfirmed_at = timezone.now()
        if attend:
            reg.reconfirmation = Registration.Reconfirmation.CONFIRMED
            reg.save(update_fields=["reconfirmation", "reconfirmed_at", "updated_at"])
            return reg
        reg.reconfirmation = Registration.Reconfirmation.WITHDRAWN
        reg.save(update_fields=["reconfirmation", "reconfirmed_at", "updated_at"])
        return registration_cancel(registration=reg, by_organiser=False, ignore_deadline=True)


def reconfirmation_remind(*, event: Event) -> int:
    """Remind those who have not answered the new dates yet."""
    with transaction.atomic():
        return len(
            outbox.queue(
                outbox.for_registration(r, OutboxMessage.Kind.RECONFIRMATION_REMINDER)
                for r in recipients.unanswered_reconfirmations(event)
            )
        )


def reconfirmations_close(*, now: datetime | None = None) -> int:
    """After the answer deadline, release unanswered registrations where the event says so.

    Safe to run repeatedly: released registrations are no longer pending.
    """
    now = now or timezone.now()
    released = 0
    events = Event.objects.filter(reconfirmation_deadline__lte=now, release_unanswered=True)
    for event in events:
        for registration in recipients.unanswered_reconfirmations(event):
            registration_cancel(registration=registration, by_organiser=True)
            released += 1
    return released
