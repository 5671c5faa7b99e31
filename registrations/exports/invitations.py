"""The invitation overview as XLSX for member relations: per organisation, per kind and
federal state, the organisations nobody will attend from, every invitation and the suggested
colleagues. Written like the attendee workbook (`xlsx`), formulas neutralised the same way."""

import io
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from events.models import Event

from ..selectors import invitations as selectors
from .rows import Column
from .xlsx import _sheet, _write_dicts


def _figure_columns() -> list[Column]:
    return [
        Column("invited", _("invited"), 12),
        Column("registered", _("registered"), 12),
        Column("declined", _("declined"), 12),
        Column("no_answer", _("no answer"), 12),
        Column("attending", _("confirmed participants"), 14),
    ]


def _organisation_columns() -> list[Column]:
    return [
        Column("organisation", _("Organisation"), 40),
        Column("kind", _("Kind of member"), 20),
        Column("state", _("Federal state"), 20),
        *_figure_columns(),
    ]


def _group_columns(label: str) -> list[Column]:
    return [
        Column("label", label, 28),
        Column("organisations", _("organisations"), 14),
        Column("without_participant", _("without a participant"), 16),
        *_figure_columns(),
    ]


def _invitation_columns() -> list[Column]:
    return [
        Column("organisation", _("Organisation"), 40),
        Column("name", _("Name"), 28),
        Column("email", _("E-mail"), 30),
        Column("role", _("Role"), 16),
        Column("status", _("Answer"), 16),
        Column("invited_at", _("invited at"), 18),
        Column("reminded_at", _("reminded at"), 18),
        Column("declined_at", _("declined at"), 18),
        Column("colleague_name", _("suggested colleague"), 28),
        Column("colleague_email", _("e-mail of the colleague"), 30),
        Column("colleague_note", _("note"), 40),
    ]


def _naive(value):
    # openpyxl cannot store time zones; the workbook shows local time, as the admin does.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def invitation_rows(event: Event) -> Iterator[dict]:
    for invitation in selectors.invitation_list(event).iterator(chunk_size=500):
        person = invitation.contact_person
        yield {
            "organisation": person.organisation.name,
            "name": person.full_name,
            "email": person.email,
            "role": str(person.get_role_display()),
            "status": str(invitation.get_status_display()),
            "invited_at": _naive(invitation.invited_at),
            "reminded_at": _naive(invitation.reminded_at),
            "declined_at": _naive(invitation.declined_at),
            "colleague_name": invitation.colleague_name,
            "colleague_email": invitation.colleague_email,
            "colleague_note": invitation.colleague_note,
        }


def invitations_xlsx(event: Event) -> bytes:
    figures = selectors.invitation_overview(event=event)
    workbook = Workbook(write_only=True)
    sheets = [
        (_("Organisations"), _organisation_columns(), figures["organisations"]),
        (_("Per kind"), _group_columns(_("Kind of member")), figures["kinds"]),
        (_("Per federal state"), _group_columns(_("Federal state")), figures["states"]),
        (_("Nobody attends"), _organisation_columns(), figures["absent"]),
        (_("Invitations"), _invitation_columns(), invitation_rows(event)),
    ]
    for title, cols, dict_rows in sheets:
        _write_dicts(_sheet(workbook, title, cols), cols, dict_rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
