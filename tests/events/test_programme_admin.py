"""Staff edit the programme in the admin: per day on the day's page (sessions inline, in time
order), speakers on the session's page; the team changes it, the read-only group only looks."""

from datetime import date, time
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from events.models import Session, SessionSpeaker, Speaker
from tests.factories import EventFactory, SessionFactory, SessionSpeakerFactory, SpeakerFactory

pytestmark = pytest.mark.django_db

ROLES = import_module("registrations.migrations.0005_staff_roles")


@pytest.fixture
def staff(client, django_user_model):
    ROLES.create_groups(apps, None)

    def log_in(username, group):
        user = django_user_model.objects.create_user(username, password="pw-1234", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        return client

    return {
        "team": lambda: log_in("team", ROLES.TEAM),
        "lesen": lambda: log_in("lesen", ROLES.READ_ONLY),
    }


@pytest.fixture
def event():
    return EventFactory(title="Jahrestreffen 2030", days=[date(2030, 6, 4), date(2030, 6, 5)])


def _day_url(day) -> str:
    return reverse("admin:events_eventday_change", args=[day.pk])


def _inline_data(day, rows: list[dict], initial: int = 0) -> dict:
    data = {
        "sessions-TOTAL_FORMS": str(len(rows)),
        "sessions-INITIAL_FORMS": str(initial),
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
        "_continue": "1",
    }
    for n, row in enumerate(rows):
        data.update({f"sessions-{n}-{k}": v for k, v in row.items()})
        data[f"sessions-{n}-day"] = str(day.pk)
    return data


def _row(**kwargs) -> dict:
    return {
        "start_time": "10:00",
        "end_time": "11:00",
        "kind": "input",
        "title_de": kwargs.pop("title", "Begrüßung"),
        "description_de": "",
        "room_de": "Ratssaal",
        **kwargs,
    }


def test_event_page_links_each_days_programme(staff, event):
    day = event.days.order_by("date").first()
    SessionFactory(day=day)
    page = staff["team"]().get(reverse("admin:events_event_change", args=[event.pk]))
    html = page.content.decode()
    assert f'href="{_day_url(day)}"' in html
    assert "Tagesordnung vom 04.06.2030" in html
    assert "(1 Programmpunkt)" in html


def test_team_adds_sessions_to_a_day(staff, event):
    day = event.days.order_by("date").first()
    rows = [
        _row(title="Mittagspause", kind="break", start_time="12:30", end_time="13:30"),
        _row(),
    ]
    response = staff["team"]().post(_day_url(day), _inline_data(day, rows))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert [(s.start_time, s.title, s.kind) for s in day.sessions.order_by("start_time")] == [
        (time(10), "Begrüßung", "input"),
        (time(12, 30), "Mittagspause", "break"),
    ]


def test_day_page_shows_sessions_in_time_order(staff, event):
    day = event.days.order_by("date").first()
    SessionFactory(day=day, title="Spät", start_time=time(15), end_time=time(16))
    SessionFactory(day=day, title="Früh", start_time=time(9), end_time=time(10))
    html = staff["team"]().get(_day_url(day)).content.decode()
    assert html.index('value="Früh"') < html.index('value="Spät"')


def test_a_session_ending_before_it_starts_is_refused_in_german(staff, event):
    day = event.days.order_by("date").first()
    rows = [_row(start_time="11:00", end_time="10:00")]
    response = staff["team"]().post(_day_url(day), _inline_data(day, rows))

    assert response.status_code == 200
    assert "Ein Programmpunkt muss nach seinem Beginn enden (am selben Tag)." in (
        response.content.decode()
    )
    assert not day.sessions.exists()


def test_the_day_page_does_not_change_the_date(staff, event):
    day = event.days.order_by("date").first()
    data = {**_inline_data(day, []), "date": "2031-01-01", "event": "999"}
    assert staff["team"]().post(_day_url(day), data).status_code == 302
    day.refresh_from_db()
    assert day.date == date(2030, 6, 4)
    assert day.event_id == event.pk


def test_days_are_neither_added_nor_deleted_on_the_programme_pages(staff, event):
    client = staff["team"]()
    day = event.days.first()
    assert client.get(reverse("admin:events_eventday_add")).status_code == 403
    assert client.get(reverse("admin:events_eventday_delete", args=[day.pk])).status_code == 403


def test_team_adds_speakers_in_order_and_returns_to_the_day(staff, event):
    day = event.days.order_by("date").first()
    session = SessionFactory(day=day, title="Podium", kind=Session.Kind.PANEL)
    first, second = SpeakerFactory(name="Anna Schmidt"), SpeakerFactory(name="Yusuf Demir")
    data = {
        "day": str(day.pk),
        "start_time": "11:30",
        "end_time": "12:30",
        "kind": "panel",
        "title_de": "Podium",
        "title_en": "Panel",
        "description_de": "",
        "room_de": "",
        "session_speakers-TOTAL_FORMS": "2",
        "session_speakers-INITIAL_FORMS": "0",
        "session_speakers-MIN_NUM_FORMS": "0",
        "session_speakers-MAX_NUM_FORMS": "1000",
        "session_speakers-0-speaker": str(second.pk),
        "session_speakers-0-position": "2",
        "session_speakers-1-speaker": str(first.pk),
        "session_speakers-1-position": "1",
        "_save": "1",
    }
    url = reverse("admin:events_session_change", args=[session.pk])
    response = staff["team"]().post(url, data)

    assert response.status_code == 302
    assert response["Location"] == _day_url(day)
    session.refresh_from_db()
    assert [s.name for s in session.ordered_speakers] == ["Anna Schmidt", "Yusuf Demir"]
    assert session.start_time == time(11, 30)
    assert (session.title_de, session.title_en) == ("Podium", "Panel")


def test_a_session_moves_only_between_its_own_events_days(staff, event):
    other = EventFactory(days=[date(2031, 1, 1)])
    session = SessionFactory(day=event.days.first())
    page = staff["team"]().get(reverse("admin:events_session_change", args=[session.pk]))
    field = page.context["adminform"].form.fields["day"]
    assert set(field.queryset) == set(event.days.all())
    assert other.days.first() not in field.queryset


def test_speaker_autocomplete_finds_by_organisation(staff, event):
    SpeakerFactory(name="Petra Probst", organisation="Stadt Münster")
    SpeakerFactory(name="Jan Muster", organisation="Difu")
    response = staff["team"]().get(
        reverse("admin:autocomplete"),
        {
            "term": "Münster",
            "app_label": "events",
            "model_name": "sessionspeaker",
            "field_name": "speaker",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["Petra Probst (Stadt Münster)"]


def test_reader_sees_the_programme_but_cannot_change_it(staff, event):
    day = event.days.order_by("date").first()
    link = SessionSpeakerFactory(session=SessionFactory(day=day, title="Begrüßung"))
    client = staff["lesen"]()

    page = client.get(_day_url(day))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert "Begrüßung" in page.content.decode()

    refused = client.post(_day_url(day), _inline_data(day, [_row(title="Neu")]))
    assert refused.status_code == 403
    session_url = reverse("admin:events_session_change", args=[link.session_id])
    assert client.post(session_url, {"title": "Umbenannt"}).status_code == 403
    assert client.post(reverse("admin:events_speaker_add"), {"name": "X"}).status_code == 403
    assert list(Session.objects.values_list("title", flat=True)) == ["Begrüßung"]
    assert Speaker.objects.count() == 1
    assert SessionSpeaker.objects.count() == 1
