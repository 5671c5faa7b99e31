"""Check-in on site: find a registrant by name or organisation, mark present per day, undo;
attendance shows in the exports and the event's overview."""

import io
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from registrations import services
from registrations.models import Attendance, Registration
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

DAY_1, DAY_2 = date(2031, 6, 2), date(2031, 6, 3)


@pytest.fixture
def meeting():
    event = EventFactory(title="Jahrestreffen Check-in", days=[DAY_1, DAY_2])
    muenster = MemberOrganisationFactory(name="Stadt Münster")
    kiel = MemberOrganisationFactory(name="Landeshauptstadt Kiel")

    def register(first, last, org, status=Registration.Status.CONFIRMED):
        person = ContactPersonFactory(organisation=org, first_name=first, last_name=last)
        return RegistrationFactory(event=event, registered_by=person, status=status)

    return {
        "event": event,
        "anna": register("Anna", "Albers", muenster),
        "bernd": register("Bernd", "Brink", kiel),
        "clara": register("Clara", "Claasen", kiel),
        "waiting": register("Wim", "Warte", muenster, Registration.Status.WAITING),
        "cancelled": register("Cora", "Storno", kiel, Registration.Status.CANCELLED),
    }


@pytest.fixture
def team_client(client, django_user_model):
    from importlib import import_module

    from django.apps import apps

    roles = import_module("registrations.migrations.0005_staff_roles")
    roles.create_groups(apps, None)
    user = django_user_model.objects.create_user("vor-ort", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.TEAM))
    client.force_login(user)
    client.user = user
    return client


def checkin_url(event):
    return reverse("admin:events_event_checkin", args=[event.pk])


def mark(client, registration, day, action="present", q=""):
    return client.post(
        checkin_url(registration.event),
        {"registration": registration.pk, "day": day.isoformat(), "action": action, "q": q},
    )


def names(response):
    return [r.last_name for r in response.context["registrations"]]


# --- Services ----------------------------------------------------------------------------------


def test_check_in_marks_present_once_per_day(meeting, django_user_model):
    user = django_user_model.objects.create_user("x")
    anna = meeting["anna"]
    first = services.attendance_check_in(registration=anna, day=DAY_1, user=user)
    again = services.attendance_check_in(registration=anna, day=DAY_1, user=user)
    assert first.pk == again.pk
    assert first.checked_in_by == user
    services.attendance_check_in(registration=anna, day=DAY_2, user=user)
    assert sorted(a.day for a in anna.attendances.all()) == [DAY_1, DAY_2]


@pytest.mark.parametrize("who", ["waiting", "cancelled"])
def test_check_in_refuses_registrations_not_confirmed(meeting, who):
    with pytest.raises(ValidationError):
        services.attendance_check_in(registration=meeting[who], day=DAY_1, user=None)
    assert not Attendance.objects.exists()


def test_check_in_refuses_a_day_not_of_the_event(meeting):
    with pytest.raises(ValidationError, match=r"04\.06\.2031"):
        services.attendance_check_in(registration=meeting["anna"], day=date(2031, 6, 4), user=None)
    assert not Attendance.objects.exists()


def test_undo_removes_the_day_only(meeting):
    anna = meeting["anna"]
    services.attendance_check_in(registration=anna, day=DAY_1, user=None)
    services.attendance_check_in(registration=anna, day=DAY_2, user=None)
    assert services.attendance_undo(registration=anna, day=DAY_1) is True
    assert services.attendance_undo(registration=anna, day=DAY_1) is False
    assert [a.day for a in anna.attendances.all()] == [DAY_2]


# --- The page ----------------------------------------------------------------------------------


def test_page_lists_confirmed_registrants_of_the_day_with_counts(team_client, meeting):
    response = team_client.get(checkin_url(meeting["event"]), {"day": DAY_2.isoformat()})
    assert response.status_code == 200
    assert response.context["day"] == DAY_2
    # Confirmed first, then the waiting list (marked); never the cancelled.
    assert names(response) == ["Albers", "Brink", "Claasen", "Warte"]
    assert response.context["counts"] == {"expected": 3, "present": 0}
    page = response.content.decode()
    assert 'name="viewport"' in page  # usable on a phone
    assert "css/staff.css" in page
    assert "<script>" not in page and "style=" not in page.split("</head>")[1]


def test_day_defaults_to_the_first_day_and_ignores_bad_input(team_client, meeting):
    url = checkin_url(meeting["event"])
    for day in ("", "kaputt", "2031-02-30", "2031-06-04"):
        assert team_client.get(url, {"day": day}).context["day"] == DAY_1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("anna", ["Albers"]),
        ("BRINK", ["Brink"]),
        ("kiel", ["Brink", "Claasen"]),
        ("Clara kiel", ["Claasen"]),
        ("münster", ["Albers", "Warte"]),  # the waiting after the confirmed
        ("Storno", []),
    ],
)
def test_search_by_name_or_organisation(team_client, meeting, query, expected):
    response = team_client.get(checkin_url(meeting["event"]), {"q": query})
    assert names(response) == expected


def test_mark_present_and_undo_through_the_page(team_client, meeting):
    event, bernd = meeting["event"], meeting["bernd"]
    response = mark(team_client, bernd, DAY_1, q="kiel")
    assert response.status_code == 302
    assert response["Location"] == f"{checkin_url(event)}?day={DAY_1}&q=kiel#r{bernd.pk}"
    attendance = Attendance.objects.get()
    assert (attendance.registration, attendance.day) == (bernd, DAY_1)
    assert attendance.checked_in_by == team_client.user

    page = team_client.get(checkin_url(event), {"day": DAY_1.isoformat()})
    assert page.context["counts"] == {"expected": 3, "present": 1}
    present = {r.last_name: r.present for r in page.context["registrations"]}
    assert present == {"Albers": False, "Brink": True, "Claasen": False, "Warte": False}
    html = page.content.decode()
    assert 'value="undo"' in html and 'value="present"' in html
    # The other day is counted on its own.
    other = team_client.get(checkin_url(event), {"day": DAY_2.isoformat()})
    assert other.context["counts"]["present"] == 0

    assert mark(team_client, bernd, DAY_1, action="undo").status_code == 302
    assert not Attendance.objects.exists()
    after = team_client.get(checkin_url(event), {"day": DAY_1.isoformat()})
    assert after.context["counts"] == {"expected": 3, "present": 0}


def test_refused_check_ins_show_a_message_and_store_nothing(team_client, meeting):
    response = mark(team_client, meeting["waiting"], DAY_1)
    assert response.status_code == 302
    page = team_client.get(response["Location"])
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert not Attendance.objects.exists()

    response = mark(team_client, meeting["anna"], date(2031, 6, 4))
    page = team_client.get(response["Location"])
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert not Attendance.objects.exists()


def test_bad_posts_are_refused(team_client, meeting):
    url = checkin_url(meeting["event"])
    anna = meeting["anna"]
    other_event = RegistrationFactory(last_name="Fremd")
    assert team_client.post(url, {"registration": "x", "day": "2031-06-02"}).status_code == 400
    assert (
        team_client.post(
            url, {"registration": anna.pk, "day": "2031-06-02", "action": "delete"}
        ).status_code
        == 400
    )
    assert (
        team_client.post(
            url, {"registration": other_event.pk, "day": "2031-06-02", "action": "present"}
        ).status_code
        == 400
    )
    assert not Attendance.objects.exists()


def test_page_queries_do_not_grow_with_registrants(
    team_client, meeting, django_assert_max_num_queries
):
    url = checkin_url(meeting["event"])
    team_client.get(url)  # warm up (session, permissions)
    with django_assert_max_num_queries(12) as small:
        team_client.get(url)
    for i in range(20):
        RegistrationFactory(event=meeting["event"], last_name=f"Mehr{i:02d}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = team_client.get(url)
    assert len(response.context["registrations"]) == 24  # 23 confirmed, 1 waiting


# --- Exports and figures -----------------------------------------------------------------------


def test_attendance_shows_in_the_xlsx_export_and_the_overview(team_client, meeting):
    event = meeting["event"]
    mark(team_client, meeting["anna"], DAY_1)
    mark(team_client, meeting["anna"], DAY_2)
    mark(team_client, meeting["clara"], DAY_2)

    export = team_client.get(
        reverse("admin:events_event_export", args=[event.pk]), {"format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    day_1 = header.index(f"Anwesend {DAY_1:%d.%m.}")
    day_2 = header.index(f"Anwesend {DAY_2:%d.%m.}")
    last_name = header.index("Nachname")
    present = {row[last_name]: (row[day_1], row[day_2]) for row in rows[1:] if row[last_name]}
    assert present["Albers"] == ("ja", "ja")
    assert present["Claasen"] in [(None, "ja"), ("", "ja")]
    assert present["Brink"] in [(None, None), ("", "")]

    overview = team_client.get(reverse("admin:events_event_overview", args=[event.pk]))
    assert [(a["day"], a["present"], a["expected"]) for a in overview.context["attendance"]] == [
        (DAY_1, 1, 3),
        (DAY_2, 2, 3),
    ]


# --- Waiting list and search without accents --------------------------------------------------


def test_the_waiting_list_is_marked_and_someone_can_be_admitted_on_site(
    team_client, meeting, mailoutbox
):
    event, wim = meeting["event"], meeting["waiting"]
    page = team_client.get(checkin_url(event), {"day": DAY_1.isoformat()}).content.decode()
    assert 'class="checkin-row is-waiting"' in page
    assert 'value="admit"' in page

    response = mark(team_client, wim, DAY_1, action="admit")

    assert response.status_code == 302
    wim.refresh_from_db()
    assert wim.status == Registration.Status.CONFIRMED  # beyond capacity if need be
    assert Attendance.objects.get().registration == wim
    reason = wim.history.order_by("history_date").last().history_change_reason
    assert "vor Ort" in reason and team_client.user.username in reason


@pytest.mark.parametrize(
    ("query", "expected"), [("muller", ["Müller"]), ("zoe", ["Zoë"]), ("MÜLLER", ["Müller"])]
)
def test_search_ignores_accents_and_case(team_client, meeting, query, expected):
    org = MemberOrganisationFactory(name="Stadt Ulm")
    for first, last in [("Jürgen", "Müller"), ("Zoë", "Weiß")]:
        RegistrationFactory(
            event=meeting["event"],
            registered_by=ContactPersonFactory(organisation=org),
            first_name=first,
            last_name=last,
        )
    response = team_client.get(checkin_url(meeting["event"]), {"q": query})
    found = [
        r.last_name if r.last_name == "Müller" else r.first_name
        for r in response.context["registrations"]
    ]
    assert found == expected
