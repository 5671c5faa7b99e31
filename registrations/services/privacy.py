"""Data protection (DSGVO): anonymising after the retention period, erasure on request.

Anonymising keeps what the statistics count (event, organisation, status, diet, side programme
statuses, attendance) and drops who it was. The history rows hold copies of the personal data,
so they go as well; one history row records the anonymisation itself.
"""

import calendar
from datetime import date, datetime, time

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from events.models import Event

from ..audit import current_origin
from ..models import (
    AccessRequest,
    Certificate,
    ContactPerson,
    ErasureLog,
    OutboxMessage,
    Registration,
)
from ..selectors.privacy import person_records
from .registration import registration_cancel

ERASED_REPR = "(gelöscht)"  # stored text, not shown through gettext: the log is not translated

ANONYMISED_REGISTRATION_FIELDS = [
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "email",
    "function",
    "diet_notes",
    "accessibility_needs",
    "message",
    "visibility",
    "anonymised_at",
    "search_name",
]


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _anonymise_registrations(
    registrations: list[Registration], *, now: datetime, reason: str
) -> dict[str, int]:
    """Strip the personal data from the registrations, their history and their mails."""
    pks = [r.pk for r in registrations]
    if not pks:
        return {"registrations": 0, "history": 0, "mails": 0}
    for registration in registrations:
        registration.salutation = ""
        registration.academic_title = ""
        registration.first_name = ""
        registration.last_name = ""
        registration.email = f"anonymised-{registration.pk}@invalid"
        registration.function = ""
        registration.diet_notes = ""
        registration.accessibility_needs = ""
        registration.message = ""
        registration.visibility = Registration.Visibility.NOBODY
        registration.anonymised_at = now
        registration.search_name = ""
    history, _detail = Registration.history.filter(id__in=pks).delete()
    mails, _detail = OutboxMessage.objects.filter(registration_id__in=pks).delete()
    # A certificate names the person: its code then confirms nothing any more.
    Certificate.objects.filter(registration_id__in=pks).delete()
    bulk_update_with_history(
        registrations,
        Registration,
        ANONYMISED_REGISTRATION_FIELDS,
        default_change_reason=reason,
        custom_historical_attrs=current_origin(),
    )
    return {"registrations": len(pks), "history": history, "mails": mails}


def retention_cutoff(*, now: datetime | None = None) -> date:
    """Registrations of events whose last day is before this date are past retention."""
    today = timezone.localdate(now or timezone.now())
    return _months_before(today, settings.RETENTION_MONTHS)


def registrations_anonymise_expired(*, now: datetime | None = None) -> int:
    """Anonymise the registrations of events that ended more than RETENTION_MONTHS ago.

    Idempotent: anonymised registrations are skipped, so a second run finds nothing. Each
    event is done in its own transaction; an interrupted run resumes where it stopped.
    """
    now = now or timezone.now()
    events = Event.objects.with_dates().filter(last_date__lt=retention_cutoff(now=now))
    totals = {"registrations": 0, "history": 0, "mails": 0}
    pending = Registration.objects.filter(anonymised_at__isnull=True).values("event_id")
    for event in events.filter(pk__in=pending):
        with transaction.atomic():
            registrations = list(
                Registration.objects.select_for_update().filter(
                    event=event, anonymised_at__isnull=True
                )
            )
            counts = _anonymise_registrations(
                registrations, now=now, reason="anonymised: retention period expired"
            )
        for key, value in counts.items():
            totals[key] += value
    if totals["registrations"]:
        ErasureLog.objects.create(reason=ErasureLog.Reason.RETENTION, counts=totals)
    return totals["registrations"]


def records_purge_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Delete what is kept about people outside registrations once RETENTION_MONTHS have passed:
    access requests (decided, or never decided) and their history-free mails, and mails not
    tied to a registration (sign-in links, access decisions). Idempotent."""
    now = now or timezone.now()
    cutoff = timezone.make_aware(datetime.combine(retention_cutoff(now=now), time.min))
    with transaction.atomic():
        requests = AccessRequest.objects.filter(
            Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, created_at__lt=cutoff)
        )
        mails = OutboxMessage.objects.filter(
            registration__isnull=True, created_at__lt=cutoff
        ).exclude(status=OutboxMessage.Status.PENDING)
        counts = {
            "mails": mails.delete()[0],
            "access_requests": requests.delete()[0],
        }
        counts = {key: value for key, value in counts.items() if value}
        if counts:
            ErasureLog.objects.create(reason=ErasureLog.Reason.RETENTION, counts=counts)
    return counts


def _cancel_ahead(person: ContactPerson, today: date) -> None:
    """Active registrations for events still ahead are cancelled (no mail: no address left),
    so their places go to the waiting list."""
    active = (
        Registration.objects.active()
        .filter(email=person.email)
        .select_related("event")
        .prefetch_related("event__days")
    )
    for registration in active:
        last_day = registration.event.last_day
        if last_day is None or last_day.date >= today:
            registration_cancel(registration=registration, ignore_deadline=True, notify=False)


def _erase_directory_entry(person: ContactPerson, *, now: datetime) -> bool:
    """Anonymise the entry if it must stay (they registered colleagues), else delete it; the
    history rows with the data go either way. True if anonymised."""
    pk = person.pk
    keep = Registration.objects.filter(registered_by=person).exists()
    if keep:
        ContactPerson.history.filter(id=pk).delete()
        for name in ("salutation", "academic_title", "first_name", "last_name", "function"):
            setattr(person, name, "")
        person.email = f"erased-{pk}@invalid"
        person.phone = ""
        person.is_active = False
        person.session_epoch += 1
        person.anonymised_at = now
        person._change_reason = "anonymised: erasure on request"
        person.save()  # one history row records the anonymisation, without the data
    else:
        person.delete()
        # Deleting writes a last history row, with the data: purge that too.
        ContactPerson.history.filter(id=pk).delete()
    return keep


def _scrub_admin_log(objects: dict) -> None:
    """The admin's "recent actions" name the objects ("Anna Schmidt (Stadt Leipzig)") and
    the changed fields: after an erasure they keep the fact of the change, not the person."""
    for model, pks in objects.items():
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in pks],
        ).update(object_repr=ERASED_REPR, change_message="")


def person_erase(*, person: ContactPerson, user: AbstractBaseUser | None) -> ErasureLog:
    """Erase what is held about the person (DSGVO Art. 17); the log keeps counts, not data.

    Their own registrations are anonymised like expired ones, so the statistics still count
    them. Registrations they made for colleagues stay: they are the colleagues' data, and
    `registered_by` must keep pointing somewhere, so a person who made any registration is
    anonymised in the directory instead of deleted.
    """
    now = timezone.now()
    with transaction.atomic():
        _cancel_ahead(person, timezone.localdate(now))
        person = ContactPerson.objects.select_for_update().get(pk=person.pk)
        records = person_records(person)
        _scrub_admin_log(
            {
                ContactPerson: [person.pk],
                AccessRequest: list(records["access_requests"].values_list("pk", flat=True)),
                Registration: list(records["registrations"].values_list("pk", flat=True)),
            }
        )
        mails, _detail = records["mails"].delete()
        access_requests, _detail = records["access_requests"].delete()
        invitations, _detail = records["invitations"].delete()
        registrations = list(
            records["registrations"].select_for_update().filter(anonymised_at__isnull=True)
        )
        anonymised = _anonymise_registrations(
            registrations, now=now, reason="anonymised: erasure on request"
        )
        person_history = records["person_history"].count()
        kept = _erase_directory_entry(person, now=now)
        return ErasureLog.objects.create(
            reason=ErasureLog.Reason.REQUEST,
            erased_by=user,
            counts={
                "contact_person": "anonymised" if kept else "deleted",
                "registrations": anonymised["registrations"],
                "access_requests": access_requests,
                "mails": mails + anonymised["mails"],
                "history": anonymised["history"] + person_history,
                **({"invitations": invitations} if invitations else {}),
            },
        )
