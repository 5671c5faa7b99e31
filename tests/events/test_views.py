import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from events.models import Event, EventDay
from events.services import (
    DaySpec,
    event_cancel,
    event_create_replacement,
    event_postpone,
    event_reschedule,
)
from tests.factories import (
    EventFactory,
    OrganiserContactFactory,
    ProgrammeItemFactory,
    TopicFactory,
    TopicLinkFactory,
)

pytestmark = pytest.mark.django_db

JUNE_2020 = [date(2020, 6, 4), date(2020, 6, 5)]


def _jsonld(response) -> dict:
    found = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert len(found) == 1
    return json.loads(found[0])


def _calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    return Calendar.from_ical(response.content)


def _vevents(response) -> list:
    return _calendar(response).walk("VEVENT")


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _banner(html: str) -> str | None:
    match = re.search(r'<div class="alert status-banner ([^"]*)"[^>]*>(.*?)</div>', html, re.S)
    return match and f"{match.group(1)}|{match.group(2)}"


@pytest.fixture
def seed():
    """The 2020 meeting: 4/5 June, moved to 17/18 September."""
    event = EventFactory(
        title="Jahrestreffen 2020",
        slug="jahrestreffen-2020",
        days=[],
        venue_name="Difu",
        venue_address="Zimmerstraße 13–15",
        venue_postcode="10969",
        venue_city="Berlin",
        audience="Difu-Ansprechpartner",
    )
    EventDay.objects.create(event=event, date=JUNE_2020[0], start_time=time(10), end_time=time(18))
    EventDay.objects.create(event=event, date=JUNE_2020[1], start_time=time(9), end_time=time(15))
    return event


def _reschedule_seed(event):
    event_reschedule(
        event=event,
        new_days=[
            DaySpec(date(2020, 9, 17), time(10), time(18)),
            DaySpec(date(2020, 9, 18), time(9), time(15)),
        ],
        notice="Verschoben auf September.",
    )


# List ---------------------------------------------------------------------------------------


def test_list_shows_upcoming_and_past_events_with_status_badges(client):
    today = timezone.localdate()
    EventFactory(title="Kommendes Treffen", days=[today + timedelta(days=30)])
    cancelled = EventFactory(title="Abgesagtes Treffen", days=[today + timedelta(days=40)])
    event_cancel(event=cancelled, notice="")
    EventFactory(title="Vergangenes Treffen", days=[date(2019, 6, 6)])
    EventFactory(title="Entwurf", days=[today + timedelta(days=30)], published=False)

    html = _html(client.get("/"))

    upcoming, past = html.split('id="past-heading"')
    assert "Kommendes Treffen" in upcoming
    assert "Abgesagtes Treffen" in upcoming
    assert "Vergangenes Treffen" in past
    assert "Entwurf" not in html
    assert upcoming.index("Kommendes Treffen") < upcoming.index("Abgesagtes Treffen")
    assert html.count('class="badge badge-status-') == 1
    assert 'class="badge badge-status-cancelled"' in upcoming
    assert '<time datetime="2019-06-06">Do 06 Jun 19</time>' in past


def test_list_shows_postponed_and_rescheduled_badges(client, seed):
    _reschedule_seed(seed)
    other = EventFactory(days=[date(2019, 1, 10)])
    event_postpone(event=other, notice="")

    html = _html(client.get("/"))

    assert 'class="badge badge-status-rescheduled"' in html
    assert 'class="badge badge-status-postponed"' in html


def test_list_in_english_uses_english_dates(client):
    EventFactory(days=[date(2019, 6, 6)])
    html = _html(client.get("/en/"))
    assert '<time datetime="2019-06-06">Thu 06 Jun 19</time>' in html


# Detail: content ----------------------------------------------------------------------------


def test_detail_shows_the_event_data(client):
    event = EventFactory(
        title="Jahrestreffen 2031",
        subtitle="Exklusiv",
        teaser="Vorspann.",
        description="Absatz eins.\n\nAbsatz zwei.",
        lead_theme="Klimaangepasste Stadt",
        days=[date(2031, 6, 12)],
    )
    html = _html(client.get(event.get_absolute_url()))
    assert re.search(r'<h1 id="event-title"><span>Jahrestreffen 2031</span>\s*</h1>', html)
    assert "<p>Absatz eins.</p><p>Absatz zwei.</p>" in html
    assert '<p class="event-lead">Vorspann.</p>' in html
    assert "Klimaangepasste Stadt" in html
    assert "status-banner" not in html
    assert f'href="/veranstaltungen/{event.slug}/kalender.ics"' in html


def test_detail_dates_in_german_and_english(client, seed):
    html = _html(client.get(seed.get_absolute_url()))
    assert '<time datetime="2020-06-04T10:00">Do 04 Jun 20</time>' in html
    assert '<time datetime="2020-06-05T09:00">Fr 05 Jun 20</time>' in html

    html = _html(client.get(f"/en{seed.get_absolute_url()}"))
    assert '<time datetime="2020-06-04T10:00">Thu 04 Jun 20</time>' in html


def test_banner_gives_the_announcement_date_in_long_format(client, seed):
    event_postpone(event=seed, notice="Neuer Termin folgt.")
    Event.objects.filter(pk=seed.pk).update(
        status_changed_at=timezone.make_aware(datetime(2020, 6, 4, 12))
    )

    assert ">Donnerstag, 4. Juni 2020</time>" in _html(client.get(seed.get_absolute_url()))
    assert ">Thursday, 4 June 2020</time>" in _html(client.get(f"/en{seed.get_absolute_url()}"))


def test_unpublished_event_is_not_found(client):
    event = EventFactory(published=False)
    assert client.get(event.get_absolute_url()).status_code == 404
    assert client.get(f"/veranstaltungen/{event.slug}/kalender.ics").status_code == 404
    assert client.get("/veranstaltungen/gibt-es-nicht/").status_code == 404


def test_detail_only_answers_get(client, seed):
    assert client.post(seed.get_absolute_url()).status_code == 405


# Detail: status banners ---------------------------------------------------------------------


def test_scheduled_event_has_no_banner(client, seed):
    assert _banner(_html(client.get(seed.get_absolute_url()))) is None


def test_postponed_event_shows_a_warning_banner_and_struck_dates(client, seed):
    event_postpone(event=seed, notice="Neuer Termin folgt.")

    html = _html(client.get(seed.get_absolute_url()))

    banner = _banner(html)
    assert banner.startswith("alert-warning|")
    assert "Neuer Termin folgt." in banner
    assert '<del><time datetime="2020-06-04">Do 04 Jun 20</time></del>' in html
    assert '<del><time datetime="2020-06-05">Fr 05 Jun 20</time></del>' in html


def test_rescheduled_event_shows_new_dates_and_strikes_the_previous_ones(client, seed):
    _reschedule_seed(seed)

    html = _html(client.get(seed.get_absolute_url()))

    banner = _banner(html)
    assert banner.startswith("alert-warning|")
    assert "Verschoben auf September." in banner
    assert '<time datetime="2020-09-17T10:00">Do 17 Sep 20</time>' in html
    assert '<time datetime="2020-09-18T09:00">Fr 18 Sep 20</time>' in html
    assert (
        '<del><time datetime="2020-06-04">Do 04 Jun 20</time></del>, '
        '<del><time datetime="2020-06-05">Fr 05 Jun 20</time></del>'
    ) in html
    assert 'datetime="2020-06-04T' not in html


def test_cancelled_event_shows_a_danger_banner(client, seed):
    event_cancel(event=seed, notice="Leider abgesagt.")

    html = _html(client.get(seed.get_absolute_url()))

    banner = _banner(html)
    assert banner.startswith("alert-danger|")
    assert "Leider abgesagt." in banner
    assert 'class="badge badge-status-cancelled"' in html


def test_english_banner_texts(client, seed):
    _reschedule_seed(seed)
    html = _html(client.get(f"/en{seed.get_absolute_url()}"))
    assert "This event has been postponed to 17 and 18 September 2020." in html


def test_replacement_links_both_ways(client, seed):
    event_cancel(event=seed, notice="Abgesagt.")
    replacement = event_create_replacement(
        event=seed, days=[DaySpec(date(2020, 11, 26))], title="Ersatztreffen", publish=True
    )
    event_cancel(event=replacement, notice="Auch abgesagt.")
    seed_url, replacement_url = seed.get_absolute_url(), replacement.get_absolute_url()

    original = _html(client.get(f"/en{seed_url}"))
    assert f'<a href="/en{replacement_url}" lang="de">Ersatztreffen</a>' in original
    assert '<strong class="text-danger-emphasis">cancelled</strong>' in original

    german = _html(client.get(seed_url))
    assert f'<a href="{replacement_url}">Ersatztreffen</a>' in german
    assert re.search(r'<strong class="text-danger-emphasis">(cancelled|abgesagt)</strong>', german)

    other_way = _html(client.get(replacement_url))
    assert f'<a href="{seed_url}">Jahrestreffen 2020</a>' in other_way
    assert 'class="badge badge-status-cancelled"' in other_way


def test_unpublished_replacement_is_not_linked(client, seed):
    replacement = event_create_replacement(
        event=seed, days=[DaySpec(date(2020, 11, 26))], title="Ersatztreffen"
    )
    html = _html(client.get(seed.get_absolute_url()))
    assert replacement.get_absolute_url() not in html
    assert 'id="replacement-heading"' not in html


# Detail: side programme, organisation, topics -----------------------------------------------


def test_detail_shows_side_programme_organiser_and_contacts(client, seed):
    ProgrammeItemFactory(
        event=seed,
        title="Abendempfang",
        place="Rathaus",
        description="Empfang am Abend.",
        starts_at=timezone.make_aware(datetime(2020, 6, 4, 19)),
        capacity=25,
    )
    OrganiserContactFactory(
        event=seed,
        name="Dr. Maria Beispiel",
        role="Wissenschaftliche Leitung",
        email="beispiel@difu.example.org",
        phone="+49 30 39001-000",
    )

    html = _html(client.get(seed.get_absolute_url()))

    programme = html.split('id="programme-heading"')[1].split("</section>")[0]
    assert "Abendempfang" in programme
    assert "Empfang am Abend." in programme
    assert (
        '<time datetime="2020-06-04T19:00:00+02:00">4. Juni 2020, 19:00</time>'
        " · <span>Rathaus</span>" in programme
    )
    organisation = html.split('id="organisation-heading"')[1].split("</section>")[0]
    assert '<a href="https://difu.de">Deutsches Institut für Urbanistik gGmbH (Difu)</a>' in (
        organisation
    )
    assert "Dr. Maria Beispiel" in organisation
    assert "Wissenschaftliche Leitung" in organisation
    assert '<a href="mailto:beispiel@difu.example.org">' in organisation
    assert '<a href="tel:+493039001-000">+49 30 39001-000</a>' in organisation


def test_event_without_side_programme_has_no_programme_section(client, seed):
    assert 'id="programme-heading"' not in _html(client.get(seed.get_absolute_url()))


def test_detail_shows_topic_links_and_related_events(client, seed):
    topic = TopicFactory(name="Leipzig Charta")
    TopicLinkFactory(topic=topic, title="Zweiter Link", url="https://example.org/2", position=2)
    TopicLinkFactory(topic=topic, title="Erster Link", url="https://example.org/1", position=1)
    seed.topics.add(topic)
    related = EventFactory(title="Jahrestreffen 2019", days=[date(2019, 6, 6)])
    related.topics.add(topic)
    unrelated = EventFactory(title="Anderes Thema", days=[date(2019, 7, 6)])
    unrelated.topics.add(TopicFactory())
    hidden = EventFactory(title="Unveröffentlicht", published=False)
    hidden.topics.add(topic)

    html = _html(client.get(seed.get_absolute_url()))

    more = html.split('id="more-heading"')[1].split("</section>")[0]
    assert "Leipzig Charta" in more
    assert more.index("Erster Link") < more.index("Zweiter Link")
    assert '<a href="https://example.org/1">Erster Link</a>' in more
    assert f'<a href="{related.get_absolute_url()}">Jahrestreffen 2019</a>' in more
    assert "Anderes Thema" not in more
    assert "Unveröffentlicht" not in more
    assert f'<a href="{seed.get_absolute_url()}">' not in more


def test_event_without_topics_has_no_further_content_section(client, seed):
    assert 'id="more-heading"' not in _html(client.get(seed.get_absolute_url()))


# Detail: query budget -----------------------------------------------------------------------


def _rich_event(n: int) -> Event:
    today = timezone.localdate()
    event = EventFactory(days=[today + timedelta(days=30 + i) for i in range(n)])
    for i in range(n):
        ProgrammeItemFactory(event=event)
        OrganiserContactFactory(event=event)
        topic = TopicFactory()
        TopicLinkFactory.create_batch(2, topic=topic)
        event.topics.add(topic)
        EventFactory(days=[date(2019, 1, 1) + timedelta(days=i)]).topics.add(topic)
    event_reschedule(
        event=event,
        new_days=[DaySpec(today + timedelta(days=90 + i)) for i in range(n)],
        notice="Neu.",
    )
    replacement = event_create_replacement(
        event=event, days=[DaySpec(today + timedelta(days=200))], publish=True
    )
    assert replacement.published
    return event


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_detail_query_count_does_not_grow_with_content(client, django_assert_max_num_queries):
    small, large = _rich_event(1), _rich_event(10)
    assert large.days.count() == 10
    assert large.programme_items.count() == 10
    assert large.topics.count() == 10

    small_count = _count_queries(client, small.get_absolute_url())
    large_count = _count_queries(client, large.get_absolute_url())

    assert small_count == large_count
    # 11 for the event page itself (1 of them the programme's sessions, 1 its materials), 1 for
    # the registrations app's count in the registration box.
    with django_assert_max_num_queries(12):
        client.get(large.get_absolute_url())


def test_list_query_count_does_not_grow_with_events(client, django_assert_max_num_queries):
    today = timezone.localdate()
    EventFactory(days=[today + timedelta(days=5)])
    EventFactory(days=[date(2019, 1, 1)])
    few = _count_queries(client, "/")
    for i in range(10):
        EventFactory(days=[today + timedelta(days=10 + i), today + timedelta(days=40 + i)])
        EventFactory(days=[date(2018, 1, 1) + timedelta(days=i)])
    assert _count_queries(client, "/") == few
    with django_assert_max_num_queries(4):
        client.get("/")


# Calendar file ------------------------------------------------------------------------------


def test_ics_has_one_entry_per_day_in_berlin_time(client, seed):
    seed.lead_theme = "Leipzig Charta 2.0"
    seed.save()
    OrganiserContactFactory(event=seed, email="anmeldung@difu.example.org")

    response = client.get(f"/veranstaltungen/{seed.slug}/kalender.ics")

    assert response["Content-Disposition"] == 'attachment; filename="jahrestreffen-2020.ics"'
    calendar = _calendar(response)
    assert str(calendar["METHOD"]) == "PUBLISH"
    first, second = calendar.walk("VEVENT")
    assert first["DTSTART"].dt.isoformat() == "2020-06-04T10:00:00+02:00"
    assert str(first["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert first["DTEND"].dt.isoformat() == "2020-06-04T18:00:00+02:00"
    assert second["DTSTART"].dt.isoformat() == "2020-06-05T09:00:00+02:00"
    assert second["DTEND"].dt.isoformat() == "2020-06-05T15:00:00+02:00"
    assert str(first["SUMMARY"]) == "Jahrestreffen 2020 (1/2)"
    assert str(first["LOCATION"]) == "Difu, Zimmerstraße 13–15, 10969 Berlin"
    assert str(first["DESCRIPTION"]) == "Leipzig Charta 2.0"
    assert str(first["URL"]) == f"{settings.SITE_URL}{seed.get_absolute_url()}"
    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(first["ORGANIZER"]) == "mailto:anmeldung@difu.example.org"
    assert first["SEQUENCE"] == 0
    assert str(first["UID"]) != str(second["UID"])


def test_ics_uid_stays_and_sequence_rises_on_reschedule(client, seed):
    url = f"/veranstaltungen/{seed.slug}/kalender.ics"
    before = _vevents(client.get(url))

    _reschedule_seed(seed)
    after = _vevents(client.get(url))

    assert [str(v["UID"]) for v in after] == [str(v["UID"]) for v in before]
    assert all(str(v["UID"]).startswith(str(seed.uid)) for v in after)
    assert [v["SEQUENCE"] for v in after] == [1, 1]
    assert [v["DTSTART"].dt.isoformat() for v in after] == [
        "2020-09-17T10:00:00+02:00",
        "2020-09-18T09:00:00+02:00",
    ]


def test_ics_marks_postponed_tentative_and_cancelled_cancelled(client, seed):
    url = f"/veranstaltungen/{seed.slug}/kalender.ics"
    event_postpone(event=seed, notice="")
    assert [str(v["STATUS"]) for v in _vevents(client.get(url))] == ["TENTATIVE", "TENTATIVE"]
    assert [v["SEQUENCE"] for v in _vevents(client.get(url))] == [0, 0]

    event_cancel(event=seed, notice="")
    vevents = _vevents(client.get(url))
    assert [str(v["STATUS"]) for v in vevents] == ["CANCELLED", "CANCELLED"]
    assert [v["SEQUENCE"] for v in vevents] == [1, 1]


def test_ics_of_a_single_day_online_event(client):
    event = EventFactory(
        title="Online-Treffen", attendance_mode="online", days=[date(2020, 11, 26)]
    )
    (vevent,) = _vevents(client.get(f"/veranstaltungen/{event.slug}/kalender.ics"))
    assert str(vevent["SUMMARY"]) == "Online-Treffen"
    assert str(vevent["LOCATION"]) == "Online"
    assert vevent["DTSTART"].dt.isoformat() == "2020-11-26T09:00:00+01:00"


# JSON-LD ------------------------------------------------------------------------------------


def test_jsonld_describes_a_scheduled_event(client, seed):
    data = _jsonld(client.get(seed.get_absolute_url()))

    assert data["@type"] == "Event"
    assert data["name"] == "Jahrestreffen 2020"
    assert data["url"] == f"{settings.SITE_URL}{seed.get_absolute_url()}"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["startDate"] == "2020-06-04T10:00:00+02:00"
    assert data["endDate"] == "2020-06-05T15:00:00+02:00"
    assert "previousStartDate" not in data
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"] == {
        "@type": "Place",
        "name": "Difu",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Zimmerstraße 13–15",
            "postalCode": "10969",
            "addressLocality": "Berlin",
            "addressCountry": "DE",
        },
    }
    assert data["organizer"] == {
        "@type": "Organization",
        "name": "Deutsches Institut für Urbanistik gGmbH (Difu)",
        "url": "https://difu.de",
    }
    assert data["isAccessibleForFree"] is True
    assert data["audience"] == {"@type": "Audience", "audienceType": "Difu-Ansprechpartner"}


def test_jsonld_after_reschedule_gives_the_previous_start(client, seed):
    _reschedule_seed(seed)
    data = _jsonld(client.get(seed.get_absolute_url()))
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert data["previousStartDate"] == "2020-06-04"
    assert data["startDate"] == "2020-09-17T10:00:00+02:00"
    assert data["endDate"] == "2020-09-18T15:00:00+02:00"


@pytest.mark.parametrize(
    ("action", "status_url"),
    [
        (event_postpone, "https://schema.org/EventPostponed"),
        (event_cancel, "https://schema.org/EventCancelled"),
    ],
)
def test_jsonld_event_status(client, seed, action, status_url):
    action(event=seed, notice="")
    assert _jsonld(client.get(seed.get_absolute_url()))["eventStatus"] == status_url


def test_jsonld_of_an_online_event_with_a_fee(client):
    event = EventFactory(attendance_mode="online", is_free=False)
    data = _jsonld(client.get(event.get_absolute_url()))
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": data["url"]}
    assert data["isAccessibleForFree"] is False


def test_jsonld_cannot_break_out_of_the_script_block(client):
    event = EventFactory(title="</script><script>alert(1)</script>")
    html = _html(client.get(event.get_absolute_url()))
    assert "<script>alert(1)" not in html
    assert _jsonld(client.get(event.get_absolute_url()))["name"] == event.title


# Site pages and footer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/impressum/", "Impressum"),
        ("/datenschutz/", "Datenschutzhinweise"),
        ("/barrierefreiheit/", "Erklärung zur Barrierefreiheit"),
        ("/en/impressum/", "Imprint"),
        ("/en/datenschutz/", "Privacy notice"),
        ("/en/barrierefreiheit/", "Accessibility statement"),
    ],
)
def test_site_pages_in_both_languages(client, url, title):
    html = _html(client.get(url))
    assert f"<h1>{title}</h1>" in html


def test_english_site_page_falls_back_to_the_german_one(client):
    from django.contrib.flatpages.models import FlatPage

    FlatPage.objects.filter(url="/en/impressum/").delete()
    assert "<h1>Impressum</h1>" in _html(client.get("/en/impressum/"))


def test_missing_site_page_is_not_found(client):
    from django.contrib.flatpages.models import FlatPage

    FlatPage.objects.filter(url__in=["/impressum/", "/en/impressum/"]).delete()
    assert client.get("/impressum/").status_code == 404
    assert client.get("/en/impressum/").status_code == 404


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_footer_links_to_the_legal_pages(client, prefix):
    html = _html(client.get(f"{prefix}/"))
    footer = html.split('<footer class="site-footer')[1]
    for slug in ("impressum", "datenschutz", "barrierefreiheit"):
        assert f'<a href="{prefix}/{slug}/">' in footer
