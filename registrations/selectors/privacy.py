"""What is held about one person (DSGVO Art. 15 and 17): found once, for export and erasure."""

from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from ..models import AccessRequest, ContactPerson, Invitation, OutboxMessage, Registration


def person_records(person: ContactPerson) -> dict:
    """Everything held about the person, as querysets."""
    own = Registration.objects.filter(email=person.email)
    access_requests = AccessRequest.objects.filter(
        Q(email__iexact=person.email) | Q(contact_person=person)
    )
    return {
        "registrations": own,
        "registrations_for_others": Registration.objects.filter(registered_by=person).exclude(
            email=person.email
        ),
        "access_requests": access_requests,
        "mails": OutboxMessage.objects.filter(
            Q(recipient__iexact=person.email)
            | Q(contact_person=person)
            | Q(registration__in=own)
            | Q(access_request__in=access_requests)
        ),
        "invitations": Invitation.objects.filter(contact_person=person),
        "person_history": ContactPerson.history.filter(id=person.pk),
        "registration_history": Registration.history.filter(id__in=own.values("pk")),
    }


def person_erasure_preview(*, person: ContactPerson) -> dict[str, int]:
    """What erasing the person will touch, counted (for the confirmation page)."""
    records = person_records(person)
    return {
        "registrations": records["registrations"].count(),
        "registrations_for_others": records["registrations_for_others"].count(),
        "access_requests": records["access_requests"].count(),
        "mails": records["mails"].count(),
        "history": records["person_history"].count() + records["registration_history"].count(),
    }


def _plain(value):
    """A value as JSON and a spreadsheet cell take it: local times, ISO dates, text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _values(obj, names: list[str]) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


PERSON_FIELDS = [
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "function",
    "email",
    "phone",
    "role",
    "is_active",
    "language",
    "last_login",
    "created_at",
]
REGISTRATION_FIELDS = [
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "email",
    "function",
    "is_representative",
    "status",
    "diet",
    "diet_notes",
    "accessibility_needs",
    "visibility",
    "message",
    "language",
    "privacy_acknowledged_at",
    "created_at",
    "updated_at",
    "cancelled_at",
    "reconfirmation",
    "reconfirmed_at",
]
ACCESS_REQUEST_FIELDS = [
    "salutation",
    "first_name",
    "last_name",
    "email",
    "function",
    "message",
    "language",
    "status",
    "created_at",
    "decided_at",
]

INVITATION_FIELDS = [
    "status",
    "invited_at",
    "reminded_at",
    "declined_at",
    "registered_at",
    "colleague_name",
    "colleague_email",
    "colleague_note",
]


def _history(records: dict) -> list[dict]:
    person_rows = [
        {
            "record": f"contact person {row.id}",
            "date": _plain(row.history_date),
            "type": row.get_history_type_display(),
            "changed_through": row.get_history_changed_by_display(),
            "values": _values(row, [n for n in PERSON_FIELDS if hasattr(row, n)]),
        }
        for row in records["person_history"].order_by("history_date")
    ]
    registration_rows = [
        {
            "record": f"registration {row.id}",
            "date": _plain(row.history_date),
            "type": row.get_history_type_display(),
            "changed_through": row.get_history_changed_by_display(),
            "values": _values(row, REGISTRATION_FIELDS),
        }
        for row in records["registration_history"].order_by("history_date")
    ]
    return person_rows + registration_rows


def _registrations(records: dict) -> list[dict]:
    registrations = (
        records["registrations"]
        .select_related("event", "organisation")
        .prefetch_related("programme_choices__item", "attendances", "event__days")
    )
    return [
        {
            "event": r.event.title,
            "event_dates": ", ".join(d.date.isoformat() for d in r.event.sorted_days),
            "organisation": r.organisation.name,
            **_values(r, REGISTRATION_FIELDS),
            "programme_choices": [
                {"item": c.item.title, "status": c.status, "chosen_at": _plain(c.created_at)}
                for c in r.programme_choices.all()
            ],
            "attendance": [a.day.isoformat() for a in r.attendances.all()],
        }
        for r in registrations
    ]


def person_data_export(*, person: ContactPerson) -> dict:
    """All data held about the person (DSGVO Art. 15), nobody else's.

    Registrations they made for colleagues appear only as "you registered someone for this
    event": the colleague's details are the colleague's data. Mails are listed by kind and
    date, without their text.
    """
    records = person_records(person)
    return {
        "generated_at": _plain(timezone.now()),
        "contact_person": {
            **_values(person, PERSON_FIELDS),
            "organisation": person.organisation.name,
        },
        "registrations": _registrations(records),
        "registrations_for_others": [
            {"event": r.event.title, "registered_at": _plain(r.created_at)}
            for r in records["registrations_for_others"].select_related("event")
        ],
        "access_requests": [
            {**_values(a, ACCESS_REQUEST_FIELDS), "organisation": a.organisation.name}
            for a in records["access_requests"].select_related("organisation")
        ],
        "invitations": [
            {"event": i.event.title, **_values(i, INVITATION_FIELDS)}
            for i in records["invitations"].select_related("event")
        ],
        "mails": [
            {
                "kind": m.kind,
                "status": m.status,
                "queued_at": _plain(m.created_at),
                "sent_at": _plain(m.sent_at),
            }
            for m in records["mails"].order_by("created_at", "pk")
        ],
        "history": _history(records),
    }
