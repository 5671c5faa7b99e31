"""The calendar feed of all published events and the per-event download: RFC 5545 text that
icalendar, vobject and ics (ics.py) all read the same way, served as text/calendar with the
METHOD in the media type (RFC 5546)."""

from datetime import date

import ics
import pytest
import vobject
from django.conf import settings
from icalendar import Calendar

from events.services import event_cancel
from registrations.tokens import manage_tokens
from tests.factories import EventFactory, OrganiserContactFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

CONTENT_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


@pytest.fixture
def events():
    two_days = EventFactory(
        slug="treffen-2030", title="Treffen 2030", days=[date(2030, 6, 13), date(2030, 6, 14)]
    )
    OrganiserContactFactory(event=two_days, email="anmeldung@difu.example.org")
    online = EventFactory(
        slug="online-2030", title="Online 2030", attendance_mode="online", days=[date(2030, 11, 26)]
    )
    cancelled = EventFactory(slug="abgesagt-2030", title="Abgesagt", days=[date(2030, 9, 1)])
    event_cancel(event=cancelled, notice="")
    hidden = EventFactory(slug="entwurf-2030", published=False, days=[date(2030, 5, 1)])
    return {"two_days": two_days, "online": online, "cancelled": cancelled, "hidden": hidden}


def test_feed_holds_every_day_of_every_published_event(client, events):
    response = client.get("/veranstaltungen.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Difu-Jahrestreffen"
    vevents = calendar.walk("VEVENT")
    by_uid = {str(v["UID"]): v for v in vevents}
    assert len(vevents) == 4
    assert f"{events['two_days'].uid}-1@jahrestreffen.difu.de" in by_uid
    assert f"{events['two_days'].uid}-2@jahrestreffen.difu.de" in by_uid
    assert not any(str(events["hidden"].uid) in uid for uid in by_uid)
    cancelled = by_uid[f"{events['cancelled'].uid}-1@jahrestreffen.difu.de"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    online = by_uid[f"{events['online'].uid}-1@jahrestreffen.difu.de"]
    assert str(online["URL"]) == f"{settings.SITE_URL}/veranstaltungen/online-2030/"


def test_feed_uses_the_uids_of_the_single_downloads(client, events):
    single = Calendar.from_ical(client.get("/veranstaltungen/treffen-2030/kalender.ics").content)
    feed = Calendar.from_ical(client.get("/veranstaltungen.ics").content)

    single_uids = {str(v["UID"]) for v in single.walk("VEVENT")}
    assert single_uids <= {str(v["UID"]) for v in feed.walk("VEVENT")}


def test_feed_answers_in_a_constant_number_of_queries(
    client, events, django_assert_max_num_queries
):
    for n in range(5):
        EventFactory(slug=f"weitere-{n}")
    with django_assert_max_num_queries(4):
        client.get("/veranstaltungen.ics")


@pytest.mark.parametrize(
    "path", ["/veranstaltungen.ics", "/veranstaltungen/treffen-2030/kalender.ics"]
)
def test_vobject_reads_the_calendar(client, events, path):
    response = client.get(path)
    assert response["Content-Type"] == CONTENT_TYPE

    parsed = vobject.readOne(response.content.decode())

    assert parsed.method.value == "PUBLISH"
    summaries = [v.summary.value for v in parsed.vevent_list]
    assert "Treffen 2030 (1/2)" in summaries
    first = next(v for v in parsed.vevent_list if v.summary.value == "Treffen 2030 (1/2)")
    assert first.dtstart.value.isoformat() == "2030-06-13T09:00:00+02:00"
    assert first.dtend.value.isoformat() == "2030-06-13T17:00:00+02:00"
    assert first.uid.value == f"{events['two_days'].uid}-1@jahrestreffen.difu.de"
    winter = [v for v in parsed.vevent_list if v.summary.value == "Online 2030"]
    if winter:
        assert winter[0].dtstart.value.isoformat() == "2030-11-26T09:00:00+01:00"


def test_time_zone_is_defined_once_by_yearly_rules(client, events):
    """RDATE lists (icalendar's own definitions) are ignored by Outlook and dateutil."""
    calendar = Calendar.from_ical(client.get("/veranstaltungen.ics").content)

    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Europe/Berlin"
    assert {str(c.name) for c in timezone.subcomponents} == {"DAYLIGHT", "STANDARD"}
    assert all("RRULE" in c and "RDATE" not in c for c in timezone.subcomponents)


@pytest.mark.parametrize(
    "path", ["/veranstaltungen.ics", "/veranstaltungen/treffen-2030/kalender.ics"]
)
def test_ics_py_reads_the_calendar(client, events, path):
    response = client.get(path)

    parsed = ics.Calendar(response.content.decode())

    by_name = {e.name: e for e in parsed.events}
    first = by_name["Treffen 2030 (1/2)"]
    assert first.begin.isoformat() == "2030-06-13T09:00:00+02:00"
    assert first.end.isoformat() == "2030-06-13T17:00:00+02:00"
    assert first.uid == f"{events['two_days'].uid}-1@jahrestreffen.difu.de"
    assert first.url == f"{settings.SITE_URL}/veranstaltungen/treffen-2030/"


def test_manage_link_download_is_a_published_calendar(client, events):
    registration = RegistrationFactory(event=events["two_days"])

    response = client.get(f"/anmeldung/{manage_tokens.make_token(registration)}/kalender.ics")

    assert response["Content-Type"] == CONTENT_TYPE
    assert len(vobject.readOne(response.content.decode()).vevent_list) == 2
    assert len(ics.Calendar(response.content.decode()).events) == 2


def test_event_list_offers_the_feed_by_webcal_and_as_download(client, events):
    html = client.get("/").content.decode()

    host = settings.SITE_URL.split("://", 1)[1]
    assert f'href="webcal://{host}/veranstaltungen.ics"' in html
    assert 'href="/veranstaltungen.ics" type="text/calendar"' in html
