"""Exports and check-in show how each person takes part; online participants are left out of
catering, name badges and sign-in sheets (all three are for the venue)."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from events.models import Event
from registrations.exports import csv as csv_export
from registrations.exports import pdf as pdf_export
from registrations.exports import xlsx as xlsx_export
from registrations.models import Registration
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

DAY = date(2031, 9, 10)
P = Registration.Participation


@pytest.fixture
def hybrid_meeting():
    event = EventFactory(
        title="Jahrestreffen Hybrid", attendance_mode=Event.AttendanceMode.HYBRID, days=[DAY]
    )

    def register(last, participation, diet="none"):
        person = ContactPersonFactory(last_name=last, first_name="X")
        return RegistrationFactory(
            event=event, registered_by=person, participation=participation, diet=diet
        )

    register("Vorort", P.IN_PERSON, diet="vegan")
    register("Fernbleib", P.ONLINE, diet="vegan")
    register("Zuhause", P.ONLINE, diet="vegetarian")
    return event


def everyone(event):
    return Registration.objects.filter(event=event)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_xlsx_shows_the_mode_and_caters_for_people_on_site_only(hybrid_meeting):
    book = load_workbook(
        io.BytesIO(xlsx_export.xlsx_bytes(hybrid_meeting, everyone(hybrid_meeting)))
    )
    rows = list(book["Anmeldungen"].iter_rows(values_only=True))
    header = rows[0]
    modes = {row[header.index("Nachname")]: row[header.index("Teilnahme")] for row in rows[1:]}
    assert modes == {"Vorort": "vor Ort", "Fernbleib": "online", "Zuhause": "online"}
    catering = {row[0]: row[1:] for row in book["Verpflegung"].iter_rows(values_only=True)}
    assert catering["vegan"] == (1,)
    assert catering["vegetarisch"] == (0,)
    assert list(catering.values())[-1] == (1,)  # the total: one person eats on site


def test_csv_shows_the_mode_per_person(hybrid_meeting):
    content = "".join(csv_export.csv_lines(everyone(hybrid_meeting), [DAY], delimiter=";"))
    lines = content.lstrip("\ufeff").splitlines()
    header = lines[0].split(";")
    column = header.index("Teilnahme")
    modes = sorted(line.split(";")[column] for line in lines[1:])
    assert modes == ["online", "online", "vor Ort"]


def test_badges_and_sign_in_sheets_are_for_people_on_site(hybrid_meeting):
    badges = pdf_text(pdf_export.pdf_badges(hybrid_meeting, everyone(hybrid_meeting)))
    sheets = pdf_text(pdf_export.pdf_sign_in_sheet(hybrid_meeting, everyone(hybrid_meeting)))
    for text in (badges, sheets):
        assert "Vorort" in text
        assert "Fernbleib" not in text and "Zuhause" not in text


def test_an_online_event_has_no_catering_and_no_badges():
    event = EventFactory(attendance_mode="online", days=[DAY])
    RegistrationFactory(event=event, registered_by=ContactPersonFactory(last_name="Fern"))
    book = load_workbook(io.BytesIO(xlsx_export.xlsx_bytes(event, everyone(event))))
    catering = list(book["Verpflegung"].iter_rows(values_only=True))
    assert catering[-1][1:] == (0,)
    assert "Fern" not in pdf_text(pdf_export.pdf_badges(event, everyone(event)))


def test_export_view_badges_leave_out_online_participants(staff_client, hybrid_meeting):
    url = reverse("admin:events_event_export", args=[hybrid_meeting.pk])
    response = staff_client.get(url, {"format": "pdf-badges"})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Vorort" in text and "Zuhause" not in text


def test_check_in_page_shows_the_mode_per_person(
    staff_client, hybrid_meeting, django_assert_max_num_queries
):
    url = reverse("admin:events_event_checkin", args=[hybrid_meeting.pk])
    with django_assert_max_num_queries(15):
        page = staff_client.get(url, {"day": DAY.isoformat()}).content.decode()
    assert page.count('class="checkin-mode is-online"') == 2
    assert page.count('class="checkin-mode"') == 1
