"""The event overview for staff: figures by status, side programme, organisation kind, federal
state, attendance and time; bar charts drawn on the server; a fixed number of queries."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registrations.charts import bar_chart
from registrations.models import Attendance, MemberOrganisation, ProgrammeChoice, Registration
from registrations.selectors import overview as selectors
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

DAY_1, DAY_2 = date(2031, 6, 2), date(2031, 6, 3)
S = Registration.Status


def at(day: int):
    return timezone.make_aware(datetime(2031, 3, day, 10, 0))


@pytest.fixture
def meeting():
    event = EventFactory(title="Jahrestreffen Zahlen", days=[DAY_1, DAY_2], capacity=10)
    tour = ProgrammeItemFactory(event=event, title="Stadtrundgang", capacity=2, position=1)
    dinner = ProgrammeItemFactory(event=event, title="Abendessen", capacity=None, position=2)
    city = MemberOrganisationFactory(name="Stadt Münster", kind="city", federal_state="NW")
    district = MemberOrganisationFactory(
        name="Kreis Steinfurt", kind="district", federal_state="NW"
    )
    planning = MemberOrganisationFactory(name="Verband Region", kind="planning", federal_state="BW")

    def register(org, status, day, **kwargs):
        person = ContactPersonFactory(organisation=org)
        return RegistrationFactory(
            event=event, registered_by=person, status=status, created_at=at(day), **kwargs
        )

    a = register(city, S.CONFIRMED, 1)
    b = register(city, S.CONFIRMED, 1, reconfirmation="pending")
    c = register(district, S.CONFIRMED, 3)
    d = register(planning, S.WAITING, 3, reconfirmation="pending")
    register(city, S.CANCELLED, 4, reconfirmation="pending")  # not awaited any more
    register(district, S.CANCELLED_BY_ORGANISER, 4)
    for reg in (a, b):
        ProgrammeChoiceFactory(registration=reg, item=tour)
    ProgrammeChoiceFactory(registration=c, item=tour, status=ProgrammeChoice.Status.WAITING)
    ProgrammeChoiceFactory(registration=a, item=dinner)
    ProgrammeChoiceFactory(registration=d, item=dinner, status=ProgrammeChoice.Status.CANCELLED)
    Attendance.objects.create(registration=a, day=DAY_1)
    Attendance.objects.create(registration=b, day=DAY_1)
    Attendance.objects.create(registration=a, day=DAY_2)
    return event


def test_counts_by_status(meeting):
    counts = selectors.event_overview(event=meeting)["counts"]
    assert counts == {
        "confirmed": 3,
        "waiting": 1,
        "cancelled": 1,
        "cancelled_by_organiser": 1,
        "awaiting_reconfirmation": 2,
        "total": 6,
    }


def test_fill_of_each_programme_item(meeting):
    items = selectors.event_overview(event=meeting)["items"]
    assert [(i.title, i.confirmed, i.capacity, i.waiting) for i in items] == [
        ("Stadtrundgang", 2, 2, 1),
        ("Abendessen", 1, None, 0),
    ]


def test_per_organisation_kind_and_federal_state(meeting):
    figures = selectors.event_overview(event=meeting)
    kinds = [(str(k["label"]), k["confirmed"], k["waiting"]) for k in figures["kinds"]]
    # Every kind, in the order of the choices, also those without registrations.
    labels = [str(label) for label in MemberOrganisation.Kind.labels]
    assert kinds == list(zip(labels, [2, 1, 0, 0], [0, 0, 0, 1], strict=True))
    states = [(s["label"], s["confirmed"], s["waiting"]) for s in figures["states"]]
    assert states == [("Nordrhein-Westfalen", 3, 0), ("Baden-Württemberg", 0, 1)]


def test_attendance_per_day_and_registrations_over_time(meeting):
    figures = selectors.event_overview(event=meeting)
    assert figures["attendance"] == [
        {"day": DAY_1, "present": 2, "expected": 3},
        {"day": DAY_2, "present": 1, "expected": 3},
    ]
    assert figures["over_time_step"] == "day"
    # Every day from the first to the last registration, with a running total.
    assert figures["over_time"] == [
        ("01.03.2031", 2, 2),
        ("02.03.2031", 0, 2),
        ("03.03.2031", 2, 4),
        ("04.03.2031", 2, 6),
    ]


def test_a_long_registration_period_is_shown_per_week(meeting):
    RegistrationFactory(event=meeting, created_at=at(4) + timedelta(days=60))
    figures = selectors.event_overview(event=meeting)
    assert figures["over_time_step"] == "week"
    assert sum(n for _label, n, _total in figures["over_time"]) == 7
    assert figures["over_time"][-1][2] == 7
    # 1 March 2031 is a Saturday, 3 May 2031 too: the weeks of 24 February to 28 April.
    assert len(figures["over_time"]) == 10
    assert "24.02.2031" in figures["over_time"][0][0]
    assert "28.04.2031" in figures["over_time"][-1][0]


def test_bar_chart_scales_to_the_largest_value():
    chart = bar_chart(title="T", rows=[("a", 5), ("b", 10), ("c", 0)])
    assert [b.width for b in chart["bars"]] == [170.0, 340.0, 0]
    assert chart["height"] == 3 * 28
    assert chart["description"] == "T. a: 5; b: 10; c: 0"
    assert bar_chart(title="T", rows=[])["bars"] == []
    long = bar_chart(title="T", rows=[("x" * 50, 1)])["bars"][0]
    assert long.short_label.endswith("…") and long.label == "x" * 50


def test_bar_chart_labels_fit_inside_the_picture():
    label = "Regionalplanungsträger Baden-Württ"  # 34 characters, the longest shown
    chart = bar_chart(title="T", rows=[(label, 3), ("kurz", 1)])
    # Right-aligned at label_x: the text needs about 7.5 px a character at 13 px.
    assert chart["label_x"] - len(label) * 7.5 >= 0
    assert chart["bars"][0].value_x + 40 <= chart["width"]  # room for the value


def test_page_shows_tables_and_accessible_charts(staff_client, meeting):
    response = staff_client.get(reverse("admin:events_event_overview", args=[meeting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg role="img"') == 6
    assert 'aria-label="' in html and "<title>" in html
    assert "<script" not in html.split("</head>")[1].replace('<script src="', "")
    for table in ("overview-counts", "overview-items-table", "overview-states-table"):
        assert f'id="{table}"' in html
    assert "Stadtrundgang" in html and "Nordrhein-Westfalen" in html
    # SVG numbers are never localised (a decimal comma would break the drawing).
    assert 'width="340.0"' in html


def test_change_page_links_to_the_overview(staff_client, meeting):
    page = staff_client.get(reverse("admin:events_event_change", args=[meeting.pk]))
    assert reverse("admin:events_event_overview", args=[meeting.pk]) in page.content.decode()


def test_queries_do_not_grow_with_registrations(
    staff_client, meeting, django_assert_max_num_queries
):
    url = reverse("admin:events_event_overview", args=[meeting.pk])
    staff_client.get(url)
    with django_assert_max_num_queries(15) as small:
        staff_client.get(url)
    org = MemberOrganisationFactory(kind="association", federal_state="BY")
    for i in range(30):
        person = ContactPersonFactory(organisation=org)
        reg = RegistrationFactory(event=meeting, registered_by=person, created_at=at(5 + i % 10))
        Attendance.objects.create(registration=reg, day=DAY_1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(url)
    assert response.context["counts"]["confirmed"] == 33
