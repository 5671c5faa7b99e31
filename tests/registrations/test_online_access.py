"""The join link and dial-in details reach confirmed online participants only: their manage
page, reminder mail and calendar file; never public pages, the page cache, the JSON-LD, public
calendars, those waiting or those who come in person."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events.models import Event
from registrations.models import Registration
from registrations.tokens import manage_tokens
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory, manage_url

pytestmark = pytest.mark.django_db

JOIN_URL = "https://konferenz.example.org/j/geheim-4711"
DIAL_IN = "Telefon +49 30 123456, Kenncode 97531"
SECRETS = ("geheim-4711", "97531")

P = Registration.Participation
S = Registration.Status


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def event(db):
    return EventFactory(
        attendance_mode=Event.AttendanceMode.HYBRID,
        online_capacity=1,
        join_url=JOIN_URL,
        dial_in=DIAL_IN,
        reminder_days_before=7,
        days=[timezone.localdate() + timedelta(days=5)],
    )


@pytest.fixture
def people(event):
    return {
        "online": RegistrationFactory(event=event, participation=P.ONLINE),
        "waiting_online": RegistrationFactory(
            event=event, participation=P.ONLINE, status=S.WAITING
        ),
        "in_person": RegistrationFactory(event=event, participation=P.IN_PERSON),
    }


def jsonld_of(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def test_public_event_page_jsonld_and_calendars_never_carry_the_join_details(client, event, people):
    page = client.get(event.get_absolute_url()).content.decode()
    assert leaks(page) == []
    english = client.get("/en" + event.get_absolute_url()).content.decode()
    assert leaks(english) == []
    data = jsonld_of(page)
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, virtual = data["location"]
    assert place["@type"] == "Place"
    assert virtual == {"@type": "VirtualLocation", "url": data["url"]}
    assert data["url"].endswith(f"/veranstaltungen/{event.slug}/")
    ics = client.get(reverse("events:ics", kwargs={"slug": event.slug})).content.decode()
    feed = client.get(reverse("events:feed")).content.decode()
    assert leaks(ics) == [] and leaks(feed) == []
    assert leaks(client.get(reverse("events:list")).content.decode()) == []


def test_the_cached_event_page_holds_no_join_details(
    client, event, people, settings, django_assert_num_queries
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    client.get(event.get_absolute_url())
    with django_assert_num_queries(0):  # served from the cache
        cached = client.get(event.get_absolute_url()).content.decode()
    assert event.title in cached
    assert leaks(cached) == []


def test_online_event_jsonld_names_the_page_as_virtual_location(client):
    event = EventFactory(attendance_mode="online", join_url=JOIN_URL, venue_city="")
    data = jsonld_of(client.get(event.get_absolute_url()).content.decode())
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": data["url"]}


def test_in_person_event_jsonld_says_offline(client):
    event = EventFactory()
    data = jsonld_of(client.get(event.get_absolute_url()).content.decode())
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place"


def test_manage_page_shows_the_join_details_to_the_confirmed_online_participant_only(
    client, people, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        page = client.get(manage_url(people["online"]))
    text = page.content.decode()
    assert JOIN_URL in text and "97531" in text
    assert 'id="join-online"' in text
    assert "online" in text
    for name in ("waiting_online", "in_person"):
        other = client.get(manage_url(people[name])).content.decode()
        assert leaks(other) == [], name
        assert 'id="join-online"' not in other


def personal_calendar(client, registration) -> Calendar:
    token = manage_tokens.make_token(registration)
    response = client.get(reverse("registrations:manage_ics", kwargs={"token": token}))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def test_personal_calendar_of_an_online_participant_carries_the_join_details(client, people):
    [vevent] = personal_calendar(client, people["online"]).walk("VEVENT")
    assert str(vevent["LOCATION"]) == JOIN_URL
    assert JOIN_URL in str(vevent["DESCRIPTION"]) and "97531" in str(vevent["DESCRIPTION"])
    assert str(vevent["CONFERENCE"]) == JOIN_URL
    assert vevent["CONFERENCE"].params["VALUE"] == "URI"
    assert str(vevent["URL"]).endswith(people["online"].event.get_absolute_url())


def test_personal_calendar_of_an_in_person_participant_names_the_venue(client, people):
    calendar = personal_calendar(client, people["in_person"])
    [vevent] = calendar.walk("VEVENT")
    assert "Leipzig" in str(vevent["LOCATION"])
    assert leaks(calendar.to_ical().decode()) == []


def test_reminder_command_sends_the_join_details_to_confirmed_online_participants_only(
    people, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=StringIO())

    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {people["online"].email, people["in_person"].email}
    online = by_recipient[people["online"].email]
    assert JOIN_URL in online.body and "97531" in online.body
    assert "Teilnahme: online" in online.body
    ics = b"".join(
        content.encode() if isinstance(content, str) else content
        for _n, content, _t in online.attachments
    )
    assert JOIN_URL.encode() in ics.replace(b"\r\n ", b"")
    in_person = by_recipient[people["in_person"].email]
    assert leaks(in_person.body) == []
    assert "Teilnahme: vor Ort" in in_person.body
    assert all(
        leaks(c if isinstance(c, str) else c.decode()) == [] for _n, c, _t in in_person.attachments
    )


def test_confirmation_of_someone_waiting_online_has_no_join_details(
    event, client, sign_in, django_capture_on_commit_callbacks, mailoutbox
):
    RegistrationFactory(event=event, participation=P.ONLINE)  # the one online place
    person = ContactPersonFactory()
    sign_in(client, person)
    data = {
        "who": "self",
        "diet": "none",
        "visibility": "nobody",
        "privacy": "on",
        "participation": "online",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registrations:register", kwargs={"slug": event.slug}), data)

    registration = Registration.objects.get(email=person.email)
    assert registration.status == S.WAITING
    [message] = mailoutbox
    assert leaks(message.body) == [] and message.attachments == []
    assert leaks(client.get(manage_url(registration)).content.decode()) == []
