"""Writers for the data held about one person (services.person_data_export): JSON and XLSX."""

import json
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ..text import looks_like_formula, neutralise_formula


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
    _append(workbook.create_sheet("generated_at"), ["generated_at", data.get("generated_at")])
    for section, content in data.items():
        if not isinstance(content, list | dict):
            continue
        sheet = workbook.create_sheet(section[:31])
        if isinstance(content, dict):
            _append(sheet, ["field", "value"])
            for name, value in content.items():
                _append(sheet, [name, value])
            continue
        header = list(dict.fromkeys(key for row in content for key in row))
        _append(sheet, header)
        for row in content:
            _append(sheet, [row.get(key) for key in header])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
