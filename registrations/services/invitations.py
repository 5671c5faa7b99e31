"""Inviting the member organisations' contact persons, reminding them, and their answers.

Who is invited or reminded comes from `selectors.invitations`, the same functions the admin's
preview runs through (`services.mails_preview`). An invitation row exists at most once per
person and event, and it is written under the event lock, so inviting twice — or two staff
members at once — never mails anyone twice.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, RegistrationState

from ..mail import outbox
from ..models import ContactPerson, Invitation, InvitationSchedule, OutboxMessage
from ..selectors import invitations as selectors
from ..selectors.invitations import InvitationFilter
from ..text import normalise_email
from ..tokens import InvitationLinkError, invitation_tokens
from .places import event_lock

INVITABLE = (
    RegistrationState.OPEN,
    RegistrationState.WAITING_LIST,
    RegistrationState.FULL,
    RegistrationState.NOT_YET_OPEN,
)


def invitation_mail(invitation: Invitation, kind: str, **payload) -> OutboxMessage:
    person = invitation.contact_person
    return OutboxMessage(
        kind=kind,
        recipient=person.email,
        language=person.language,
        event_id=invitation.event_id,
        contact_person=person,
        invitation=invitation,
        payload=payload,
    )


def _check_invitable(event: Event) -> None:
    if not event.published or event.registration_state() not in INVITABLE:
        raise ValidationError(
            _(
                "Invitations can be sent only for a published event whose registration is open "
                "or about to open."
            ),
            code="not_invitable",
        )


def invitations_send(*, event: Event, chosen: InvitationFilter | None = None) -> int:
    """Invite the eligible contact persons the filter selects who were not invited before;
    those already registered are recorded as such and get no mail. Returns the mails queued."""
    chosen = chosen or InvitationFilter()
    with transaction.atomic():
        locked = event_lock(event)
        _check_invitable(locked)
        now = timezone.now()
        persons = list(selectors.invitation_candidates(event=locked, chosen=chosen))
        created = Invitation.objects.bulk_create(
            [
                Invitation(
                    event=locked,
                    contact_person=person,
                    invited_at=now,
                    status=Invitation.Status.REGISTERED
                    if person.is_registered
                    else Invitation.Status.INVITED,
                    registered_at=now if person.is_registered else None,
                )
                for person in persons
            ],
            batch_size=500,
        )
        return len(
            outbox.queue(
                invitation_mail(invitation, OutboxMessage.Kind.INVITATION)
                for invitation in created
                if invitation.status == Invitation.Status.INVITED
            )
        )


def _remind(event: Event, now: datetime) -> int:
    due = list(selectors.reminder_recipients(event).select_for_update(of=("self",)))
    Invitation.objects.filter(pk__in=[i.pk for i in due]).update(reminded_at=now)
    return len(
        outbox.queue(invitation_mail(i, OutboxMessage.Kind.INVITATION_REMINDER) for i in due)
    )


def invitation_reminders_send(*, event: Event) -> int:
    """Staff's button: remind those invited who have neither registered nor declined; each
    person is reminded once."""
    with transaction.atomic():
        locked = event_lock(event)
        if locked.registration_state() == RegistrationState.CLOSED:
            raise ValidationError(_("Registration has closed."), code="closed")
        return _remind(locked, timezone.now())


def invitation_reminders_due(*, now: datetime | None = None) -> int:
    """The scheduled job: the reminder for every event within its reminder period before
    registration closes. Safe to run repeatedly (hourly, say)."""
    now = now or timezone.now()
    queued = 0
    for event in selectors.events_due_for_reminder(now):
        with transaction.atomic():
            queued += _remind(event, now)
    return queued


def invitation_schedule_set(*, event: Event, reminder_days_before_close: int | None) -> None:
    with transaction.atomic():
        InvitationSchedule.objects.update_or_create(
            event=event, defaults={"reminder_days_before_close": reminder_days_before_close}
        )


def invitation_decline(
    *,
    token: str,
    colleague_name: str = "",
    colleague_email: str = "",
    colleague_note: str = "",
) -> Invitation:
    """ "I cannot attend": the answer is recorded, with a colleague the person suggests. Nobody
    is mailed: the colleague is for staff to add to the directory and invite."""
    with transaction.atomic():
        checked = invitation_tokens.check_token(token)
        invitation = Invitation.objects.select_for_update().get(pk=checked.pk)
        if invitation.status == Invitation.Status.REGISTERED:
            raise InvitationLinkError(
                _("You are registered; please cancel through your personal registration link."),
                code="registered",
            )
        invitation.status = Invitation.Status.DECLINED
        invitation.declined_at = timezone.now()
        invitation.colleague_name = colleague_name.strip()
        invitation.colleague_email = normalise_email(colleague_email) if colleague_email else ""
        invitation.colleague_note = colleague_note.strip()
        invitation.save()
        invitation.contact_person = checked.contact_person
        invitation.event = checked.event
        return invitation


def invitation_token_use(*, token: str, language: str | None = None) -> ContactPerson:
    """The invitation link's click: the person it belongs to, signed in (their sign-in time is
    recorded, as with a sign-in link). The link stays usable until they are registered."""
    with transaction.atomic():
        invitation = invitation_tokens.check_token(token)
        person = ContactPerson.objects.select_for_update().get(pk=invitation.contact_person_id)
        person.last_login = timezone.now()
        fields = ["last_login"]
        if language and person.language != language:
            person.language = language
            fields.append("language")
        person.save(update_fields=fields)
        person.organisation = invitation.contact_person.organisation
        return person


def invitation_mark_registered(*, event: Event, person: ContactPerson) -> None:
    """A registration answers the person's invitation, a decline included."""
    Invitation.objects.filter(event=event, contact_person=person).exclude(
        status=Invitation.Status.REGISTERED
    ).update(status=Invitation.Status.REGISTERED, registered_at=timezone.now())
