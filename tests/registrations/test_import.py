"""Directory import and export in the admin: upload, preview, confirm (django-import-export)."""

import csv
import io
import re
from datetime import date

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registrations.models import ContactPerson, MemberOrganisation
from tests.factories import ContactPersonFactory, MemberOrganisationFactory

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"  # positions in settings.IMPORT_FORMATS / EXPORT_FORMATS

CONTACT_HEADER = [
    "email",
    "organisation",
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "function",
    "phone",
    "role",
    "is_active",
]
ORGANISATION_HEADER = [
    "name",
    "kind",
    "federal_state",
    "member_since",
    "member_until",
    "email_domains",
    "default_participants",
]


@pytest.fixture
def leipzig():
    return MemberOrganisationFactory(name="Stadt Leipzig")


def _contact(email, **overrides):
    row = {
        "email": email,
        "organisation": "Stadt Leipzig",
        "salutation": "frau",
        "academic_title": "",
        "first_name": "Anna",
        "last_name": "Muster",
        "function": "Stadtplanung",
        "phone": "",
        "role": "contact",
        "is_active": "1",
        **overrides,
    }
    return [row[key] for key in CONTACT_HEADER]


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _xlsx(header, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _preview(client, model, data, *, fmt=CSV_FORMAT, skip_invalid_rows=False):
    name = "directory.xlsx" if fmt == XLSX_FORMAT else "directory.csv"
    post = {
        "resource": "0",
        "format": fmt,
        "import_file": SimpleUploadedFile(name, data),
    }
    if skip_invalid_rows:
        post["skip_invalid_rows"] = "on"
    response = client.post(reverse(f"admin:registrations_{model}_import"), post)
    assert response.status_code == 200
    return response


def _confirm(client, model, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:registrations_{model}_process_import"), data)


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _summary(response) -> list[int]:
    """The counts above the preview: new, updated, unchanged, refused."""
    content = response.content.decode()
    start = content.index('<p class="import-summary">')
    return [int(n) for n in re.findall(r"\d+", content[start : content.index("</p>", start)])]


def _preview_rows(response) -> list[tuple[int, str]]:
    return [(row.number, row.import_type) for row in response.context["result"].valid_rows()]


# Good files ---------------------------------------------------------------------------------


def test_csv_preview_lists_new_rows_and_confirm_creates_them(staff_client, leipzig):
    data = _csv(CONTACT_HEADER, [_contact("anna@leipzig.de"), _contact("Ben@Leipzig.DE")])

    preview = _preview(staff_client, "contactperson", data)

    result = preview.context["result"]
    assert result.totals["new"] == 2
    assert not result.has_validation_errors()
    assert "confirm_form" in preview.context
    assert ContactPerson.objects.count() == 0  # the preview is a dry run
    assert _summary(preview) == [2, 0, 0, 0]
    assert 'class="new"' in preview.content.decode()

    response = _confirm(staff_client, "contactperson", preview)

    assert response.status_code == 302
    emails = sorted(ContactPerson.objects.values_list("email", flat=True))
    assert emails == ["anna@leipzig.de", "ben@leipzig.de"]  # normalised to lower case
    assert ContactPerson.objects.get(email="anna@leipzig.de").organisation == leipzig


def test_xlsx_import_creates_organisations(staff_client):
    rows = [
        ["Stadt Leipzig", "city", "SN", date(1990, 1, 1), None, "leipzig.de", 3],
        ["Landkreis Harz", "district", "ST", "01.07.2005", "", "", 2],
    ]

    preview = _preview(
        staff_client, "memberorganisation", _xlsx(ORGANISATION_HEADER, rows), fmt=XLSX_FORMAT
    )

    assert preview.context["result"].totals["new"] == 2
    _confirm(staff_client, "memberorganisation", preview)
    leipzig = MemberOrganisation.objects.get(name="Stadt Leipzig")
    assert (leipzig.kind, leipzig.member_since, leipzig.member_until) == (
        "city",
        date(1990, 1, 1),
        None,
    )
    assert leipzig.default_participants == 3
    assert MemberOrganisation.objects.get(name="Landkreis Harz").member_since == date(2005, 7, 1)


def test_xlsx_import_of_contact_persons(staff_client, leipzig):
    rows = [_contact("anna@leipzig.de"), _contact("ben@leipzig.de", role="deputy")]

    preview = _preview(staff_client, "contactperson", _xlsx(CONTACT_HEADER, rows), fmt=XLSX_FORMAT)
    _confirm(staff_client, "contactperson", preview)

    assert ContactPerson.objects.get(email="ben@leipzig.de").role == "deputy"


def test_preview_shows_updates_of_existing_contact_persons(staff_client, leipzig):
    ContactPersonFactory(organisation=leipzig, email="anna@leipzig.de", function="Alt")

    preview = _preview(
        staff_client, "contactperson", _csv(CONTACT_HEADER, [_contact("anna@leipzig.de")])
    )

    assert preview.context["result"].totals["update"] == 1
    _confirm(staff_client, "contactperson", preview)
    assert ContactPerson.objects.get().function == "Stadtplanung"


# Refused rows ---------------------------------------------------------------------------------


BAD_ROWS = [
    _contact("anna@leipzig.de"),  # 1: fine
    _contact("bert@nowhere.de", organisation="Stadt Nirgendwo"),  # 2
    _contact("not-an-address"),  # 3
    _contact("carla@leipzig.de", role="boss"),  # 4
    _contact("dora@leipzig.de", salutation="madame"),  # 5
    _contact("ANNA@leipzig.de"),  # 6: duplicate of row 1
    _contact("emil@leipzig.de"),  # 7: fine
]


def _refusals(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.field_specific_errors for row in result.invalid_rows}


def test_preview_refuses_bad_rows_with_row_number_and_reason(staff_client, leipzig):
    preview = _preview(staff_client, "contactperson", _csv(CONTACT_HEADER, BAD_ROWS))

    result = preview.context["result"]
    refusals = _refusals(result)
    # Numbered as the spreadsheet shows them: the column heads are row 1.
    assert sorted(refusals) == [3, 4, 5, 6, 7]
    assert "Stadt Nirgendwo" in refusals[3]["organisation"][0]
    assert list(refusals[4]) == ["email"]
    assert list(refusals[5]) == ["role"]
    assert list(refusals[6]) == ["salutation"]
    assert "Zeile 2" in refusals[7]["email"][0]
    assert "confirm_form" not in preview.context  # nothing can be confirmed
    assert _summary(preview) == [2, 0, 0, 5]
    content = preview.content.decode()
    assert "Stadt Nirgendwo" in content
    assert ContactPerson.objects.count() == 0


def test_organisation_rows_refused_for_kind_state_and_duplicate_name(staff_client):
    rows = [
        ["Stadt Leipzig", "city", "SN", "2000-01-01", "", "", 2],
        ["Stadt Halle", "metropolis", "ST", "2000-01-01", "", "", 2],
        ["Stadt Jena", "city", "XX", "2000-01-01", "", "", 2],
        ["Stadt Leipzig", "city", "SN", "2000-01-01", "", "", 2],
        ["Stadt Gera", "city", "TH", "gestern", "", "", 2],
    ]

    preview = _preview(staff_client, "memberorganisation", _csv(ORGANISATION_HEADER, rows))

    refusals = _refusals(preview.context["result"])
    assert {n: list(errors) for n, errors in refusals.items()} == {
        3: ["kind"],
        4: ["federal_state"],
        5: ["name"],
        6: ["member_since"],
    }
    assert MemberOrganisation.objects.count() == 0


def test_forged_confirmation_of_a_file_with_refused_rows_writes_nothing(staff_client, leipzig):
    """Even posted straight to the confirm step, a refused row rolls back the whole file."""
    preview = _preview(
        staff_client, "contactperson", _csv(CONTACT_HEADER, BAD_ROWS), skip_invalid_rows=True
    )
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["skip_invalid_rows"] = "False"

    response = staff_client.post(reverse("admin:registrations_contactperson_process_import"), data)

    assert response.status_code == 302
    assert ContactPerson.objects.count() == 0
    [(level, message)] = _messages(response)
    assert level == "error"
    assert "3, 4, 5, 6, 7" in message


def test_staff_can_choose_to_import_only_the_valid_rows(staff_client, leipzig):
    preview = _preview(
        staff_client, "contactperson", _csv(CONTACT_HEADER, BAD_ROWS), skip_invalid_rows=True
    )

    assert "confirm_form" in preview.context
    assert _summary(preview) == [2, 0, 0, 5]
    assert _preview_rows(preview) == [(2, "new"), (8, "new")]
    # Both lists are on the page: the refused rows and, below, the rows to import.
    assert preview.content.decode().count('<tr class="new">') == 2

    response = _confirm(staff_client, "contactperson", preview)

    assert sorted(ContactPerson.objects.values_list("email", flat=True)) == [
        "anna@leipzig.de",
        "emil@leipzig.de",
    ]
    levels = dict(_messages(response))
    assert "3, 4, 5, 6, 7" in levels["warning"]
    assert "2" in levels["success"]


def test_a_file_with_only_refused_rows_offers_nothing_to_confirm(staff_client, leipzig):
    data = _csv(CONTACT_HEADER, [_contact("x", organisation="Nirgendwo")])

    preview = _preview(staff_client, "contactperson", data, skip_invalid_rows=True)

    assert "confirm_form" not in preview.context


def test_a_file_without_the_key_column_is_an_error_not_a_preview(staff_client, leipzig):
    data = _csv(["organisation", "first_name"], [["Stadt Leipzig", "Anna"]])

    preview = _preview(staff_client, "contactperson", data, skip_invalid_rows=True)

    assert preview.context["result"].has_errors()
    assert "confirm_form" not in preview.context


# Re-import ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT])
def test_reimporting_the_same_file_changes_nothing(staff_client, leipzig, fmt):
    rows = [_contact("anna@leipzig.de"), _contact("ben@leipzig.de", phone="0341 123")]
    data = _csv(CONTACT_HEADER, rows) if fmt == CSV_FORMAT else _xlsx(CONTACT_HEADER, rows)
    _confirm(staff_client, "contactperson", _preview(staff_client, "contactperson", data, fmt=fmt))
    before = list(ContactPerson.objects.order_by("pk").values())

    again = _preview(staff_client, "contactperson", data, fmt=fmt)

    assert again.context["result"].totals["skip"] == 2
    assert again.context["result"].totals["new"] == again.context["result"].totals["update"] == 0
    _confirm(staff_client, "contactperson", again)
    assert list(ContactPerson.objects.order_by("pk").values()) == before


def test_reimporting_organisations_changes_nothing(staff_client):
    rows = [["Stadt Leipzig", "city", "SN", "1990-01-01", "", "leipzig.de", 3]]
    data = _xlsx(ORGANISATION_HEADER, rows)
    _confirm(
        staff_client,
        "memberorganisation",
        _preview(staff_client, "memberorganisation", data, fmt=XLSX_FORMAT),
    )

    again = _preview(staff_client, "memberorganisation", data, fmt=XLSX_FORMAT)

    assert again.context["result"].totals["skip"] == 1


# Export ---------------------------------------------------------------------------------------


def _export(client, model, fmt):
    url = reverse(f"admin:registrations_{model}_export")
    form = client.get(url).context["form"]
    data = {"format": fmt, "resource": "0"}
    # The export form lists each resource field as a checkbox; keep them all.
    data.update(
        {
            name: "on"
            for name, field in form.fields.items()
            if name not in data and name != "export_items"
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    return response


def test_export_csv_contains_the_directory(staff_client, leipzig):
    ContactPersonFactory(organisation=leipzig, email="anna@leipzig.de")
    ContactPersonFactory(organisation=leipzig, email="ben@leipzig.de")

    response = _export(staff_client, "contactperson", CSV_FORMAT)

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row["email"] for row in rows) == ["anna@leipzig.de", "ben@leipzig.de"]
    assert {row["organisation"] for row in rows} == {"Stadt Leipzig"}


def test_export_xlsx_contains_the_directory(staff_client):
    MemberOrganisationFactory(name="Stadt Leipzig", federal_state="SN")
    MemberOrganisationFactory(name="Landkreis Harz", federal_state="ST", kind="district")

    response = _export(staff_client, "memberorganisation", XLSX_FORMAT)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:3] == ["name", "kind", "federal_state"]
    assert sorted(row[:3] for row in rows) == [
        ["Landkreis Harz", "district", "ST"],
        ["Stadt Leipzig", "city", "SN"],
    ]


def test_exported_file_reimports_without_changes(staff_client, leipzig):
    ContactPersonFactory(organisation=leipzig, email="anna@leipzig.de", academic_title="Dr.")

    exported = _export(staff_client, "contactperson", XLSX_FORMAT).content
    again = _preview(staff_client, "contactperson", exported, fmt=XLSX_FORMAT)

    assert again.context["result"].totals["skip"] == 1
    assert not again.context["result"].has_validation_errors()
