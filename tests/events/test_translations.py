"""Event texts in German and English: the English page shows English where staff wrote it and
German, marked lang="de", where they did not; the admin, the migration, the page cache and the
calendar keep both languages apart."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from icalendar import Calendar

from events.models import Event, ProgrammeItem
from events.services import DaySpec, event_cancel, event_create_replacement, event_postpone
from tests.factories import (
    EventDayFactory,
    EventFactory,
    ProgrammeItemFactory,
    SessionFactory,
    SessionSpeakerFactory,
)
from tests.registrations.test_one_door import change_form, change_url, save

pytestmark = pytest.mark.django_db

BEFORE = ("events", "0007_cancellation_deadline")


def english_event(**overrides) -> Event:
    return EventFactory(
        title="Jahrestreffen Münster",
        title_en="Annual Meeting Münster",
        description="Erster Absatz.\n\nZweiter Absatz.",
        description_en="First paragraph.\n\nSecond paragraph.",
        subtitle="Nur auf Deutsch",
        **overrides,
    )


def element_with(html: str, text: str) -> str:
    """The opening tag of the element whose content starts with `text`."""
    match = re.search(r"<(\w+)([^>]*)>\s*" + re.escape(text), html)
    assert match, text
    return match.group(0)


def test_english_page_shows_english_texts_unmarked_and_german_ones_marked(client):
    event = english_event()

    html = client.get(f"/en{event.get_absolute_url()}").content.decode()

    assert "<span>Annual Meeting Münster</span>" in html
    assert "<p>First paragraph.</p><p>Second paragraph.</p>" in html.replace("\n", "")
    assert "Erster Absatz" not in html
    assert 'lang="de"' in element_with(html, "Nur auf Deutsch")
    assert 'lang="de"' not in element_with(html, "Annual Meeting Münster")
    assert '<meta property="og:title" content="Annual Meeting Münster">' in html


def test_german_page_shows_the_german_texts_without_a_lang_mark(client):
    event = english_event()

    html = client.get(event.get_absolute_url()).content.decode()

    assert "<span>Jahrestreffen Münster</span>" in html
    assert "Annual Meeting" not in html
    article = html.split("<article", 1)[1].split("</article>", 1)[0]
    assert "lang=" not in article


def test_event_without_english_reads_as_before_on_the_english_page(client):
    event = EventFactory(title="Nur Deutsch")

    html = client.get(f"/en{event.get_absolute_url()}").content.decode()

    assert '<span lang="de">Nur Deutsch</span>' in html


def test_programme_item_in_english_where_given(client):
    event = EventFactory()
    ProgrammeItemFactory(
        event=event,
        title="Abendempfang",
        title_en="Evening reception",
        place="Rathaus",
        description="Nur deutsch beschrieben.",
    )

    html = client.get(f"/en{event.get_absolute_url()}").content.decode()

    assert "<span>Evening reception</span>" in html
    assert 'lang="de"' in element_with(html, "Nur deutsch beschrieben.")
    assert 'lang="de"' in element_with(html, "Rathaus")


def test_programme_sessions_in_english_where_given(client):
    event = EventFactory()
    session = SessionFactory(
        day=EventDayFactory(event=event),
        title="Stadtentwicklung im Wandel",
        title_en="Urban development in transition",
        description="Nur deutsch beschrieben.",
        room="Ratssaal",
        room_en="Council chamber",
    )
    SessionSpeakerFactory(session=session, speaker__role="Amtsleiterin", speaker__role_en="")

    german = client.get(event.get_absolute_url()).content.decode()
    html = client.get(f"/en{event.get_absolute_url()}").content.decode()

    assert ">Urban development in transition</h4>" in html
    assert "<span>Council chamber</span>" in html
    assert 'lang="de"' in element_with(html, "Nur deutsch beschrieben.")
    assert 'lang="de"' in element_with(html, "Amtsleiterin")
    assert ">Stadtentwicklung im Wandel</h4>" in german
    assert "Urban development" not in german


def test_the_title_reads_the_active_language_with_german_as_fallback():
    event = english_event()
    with translation.override("en"):
        assert event.title == "Annual Meeting Münster"
        assert event.subtitle == "Nur auf Deutsch"
    with translation.override("de"):
        assert event.title == "Jahrestreffen Münster"


def test_page_cache_keeps_the_languages_apart(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    event = english_event()
    assert "Jahrestreffen Münster" in client.get(event.get_absolute_url()).content.decode()
    assert "Jahrestreffen Münster" in client.get("/").content.decode()

    detail = client.get(f"/en{event.get_absolute_url()}").content.decode()
    listing = client.get("/en/").content.decode()

    assert "Annual Meeting Münster" in detail and "<span>Jahrestreffen" not in detail
    assert "Annual Meeting Münster" in listing and ">Jahrestreffen Münster<" not in listing
    cache.clear()


def test_calendar_download_in_the_page_language(client):
    event = english_event()

    german = Calendar.from_ical(client.get(f"{event.get_absolute_url()}kalender.ics").content)
    english = Calendar.from_ical(client.get(f"/en{event.get_absolute_url()}kalender.ics").content)

    assert all("Jahrestreffen Münster" in str(v["SUMMARY"]) for v in german.walk("VEVENT"))
    assert all("Annual Meeting Münster" in str(v["SUMMARY"]) for v in english.walk("VEVENT"))


def test_jsonld_names_the_event_in_the_page_language(client):
    event = english_event()

    html = client.get(f"/en{event.get_absolute_url()}").content.decode()

    assert '"name": "Annual Meeting Münster"' in html


def test_admin_saves_both_languages_and_requires_only_german(staff_client):
    event = english_event()
    form = staff_client.get(change_url(event)).context["adminform"].form
    assert form.fields["title_de"].required
    assert not form.fields["title_en"].required
    assert "title" not in form.fields
    data = change_form(staff_client, event)

    data.update(title_de="Jahrestreffen Neu", title_en="", description_en="English text.")
    response = save(staff_client, event, data)

    assert response.redirect_chain, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert (event.title_de, event.title_en) == ("Jahrestreffen Neu", None)
    assert event.description_en == "English text."
    with translation.override("en"):
        assert event.title == "Jahrestreffen Neu"

    data.update(title_de="")
    response = save(staff_client, event, data)
    assert not response.redirect_chain
    assert "title_de" in response.context["adminform"].form.errors


def test_admin_programme_inline_has_both_languages(staff_client):
    event = EventFactory()
    ProgrammeItemFactory(event=event, title="Abendempfang")

    html = staff_client.get(f"/admin/events/event/{event.pk}/change/").content.decode()

    assert 'name="programme_items-0-title_de"' in html
    assert 'name="programme_items-0-title_en"' in html
    assert "googleapis" not in html and "jquery-ui" not in html


def test_new_event_proposes_the_fee_note_in_both_languages(staff_client):
    form = staff_client.get("/admin/events/event/add/").context["adminform"].form

    assert form.initial["fee_note_de"] == "Die Teilnahme ist gebührenfrei."
    assert form.initial["fee_note_en"] == "Participation is free of charge."


def test_lifecycle_notice_goes_into_german_and_english_whatever_the_admin_language():
    event = EventFactory()
    with translation.override("en"):
        event_postpone(event=event, notice="Verschoben.", notice_en="Postponed.")
    event.refresh_from_db()
    change = event.changes.get()
    assert (event.status_notice_de, event.status_notice_en) == ("Verschoben.", "Postponed.")
    assert (change.notice_de, change.notice_en) == ("Verschoben.", "Postponed.")


def test_replacement_copies_both_languages_of_its_texts():
    event = english_event()
    event_cancel(event=event, notice="Abgesagt.")
    event.refresh_from_db()
    with translation.override("en"):
        replacement = event_create_replacement(
            event=event, days=[DaySpec(event.first_day.date)], title="Ersatztreffen"
        )
    replacement.refresh_from_db()
    assert (replacement.title_de, replacement.title_en) == ("Ersatztreffen", None)
    assert replacement.description_en == "First paragraph.\n\nSecond paragraph."
    assert replacement.subtitle_de == "Nur auf Deutsch"
    assert replacement.status_notice_de in ("", None)


def test_migration_copies_existing_texts_into_german():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old_apps = executor.loader.project_state([BEFORE]).apps
    old_event = old_apps.get_model("events", "Event").objects.create(
        title="Altes Treffen",
        slug="altes-treffen",
        description="Alter Text.",
        fee_note="Die Teilnahme ist gebührenfrei.",
        status_notice="Verschoben.",
    )
    other = old_apps.get_model("events", "Event").objects.create(
        title="Zweites", slug="zweites", fee_note="Gebühr: 50 Euro."
    )
    old_apps.get_model("events", "ProgrammeItem").objects.create(
        event_id=old_event.pk, title="Abendempfang", place="Rathaus"
    )

    if connection.vendor == "postgresql":
        # Check the new rows' foreign keys now: PostgreSQL alters no table with checks pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    event = Event.objects.get(pk=old_event.pk)
    assert (event.title_de, event.title_en) == ("Altes Treffen", None)
    assert event.description_de == "Alter Text."
    assert event.status_notice_de == "Verschoben."
    assert event.fee_note_en == "Participation is free of charge."
    assert Event.objects.get(pk=other.pk).fee_note_en is None
    item = ProgrammeItem.objects.get(event=event)
    assert (item.title_de, item.place_de) == ("Abendempfang", "Rathaus")
    with translation.override("en"):
        assert event.title == "Altes Treffen"
        assert Event.objects.get(pk=other.pk).fee_note == "Gebühr: 50 Euro."
