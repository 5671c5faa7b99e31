"""Writers for the data held about one person (services.person_data_export): JSON and XLSX."""

import json
from io import BytesIO

from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ..models import AccessRequest, ContactPerson, OutboxMessage, Registration
from ..text import looks_like_formula, neutralise_formula

# The JSON keeps the machine keys (a stable format to process); the spreadsheet, read by the
# person who asked, names sections and fields in words.
SECTION_LABELS = {
    "generated_at": _("generated at"),
    "contact_person": _("directory entry"),
    "registrations": _("registrations"),
    "registrations_for_others": _("registrations for others"),
    "access_requests": _("access requests"),
    "mails": _("mails"),
    "history": _("history entries"),
}
EXTRA_FIELD_LABELS = {
    "event": _("event"),
    "event_dates": _("event dates"),
    "programme_choices": _("side programme"),
    "attendance": _("present on"),
    "registered_at": _("registered at"),
    "queued_at": _("queued at"),
    "record": _("record"),
    "date": _("date"),
    "type": _("type of change"),
    "changed_through": _("changed through"),
    "values": _("values"),
}


def _label(name: str) -> str:
    if name in EXTRA_FIELD_LABELS:
        return str(EXTRA_FIELD_LABELS[name])
    for model in (ContactPerson, Registration, AccessRequest, OutboxMessage):
        try:
            return str(capfirst(model._meta.get_field(name).verbose_name))
        except Exception:  # noqa: BLE001 - FieldDoesNotExist, or a relation without a label
            continue
    return name


def person_data_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def _cell(sheet, value) -> WriteOnlyCell:
    # Nested lists and mappings as JSON text: one row per record, one cell per field.
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    formula = looks_like_formula(value)
    cell = WriteOnlyCell(sheet, value=neutralise_formula(value))
    if formula:
        cell.data_type = "s"  # a text cell: a typed-in "=HYPERLINK(…)" runs nothing
    return cell


def _append(sheet, values) -> None:
    sheet.append([_cell(sheet, value) for value in values])


def person_data_xlsx(data: dict) -> bytes:
    """One sheet per section: the directory entry as field/value pairs, the rest as tables."""
    workbook = Workbook(write_only=True)
    generated = str(SECTION_LABELS["generated_at"])
    _append(workbook.create_sheet(generated[:31]), [generated, data.get("generated_at")])
    for section, content in data.items():
        if not isinstance(content, list | dict):
            continue
        sheet = workbook.create_sheet(str(SECTION_LABELS.get(section, section))[:31])
        if isinstance(content, dict):
            _append(sheet, [gettext("field"), gettext("value")])
            for name, value in content.items():
                _append(sheet, [_label(name), value])
            continue
        header = list(dict.fromkeys(key for row in content for key in row))
        _append(sheet, [_label(key) for key in header])
        for row in content:
            _append(sheet, [row.get(key) for key in header])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
