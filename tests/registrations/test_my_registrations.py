"""My registrations from the shared copies (registrations/own_views.py): the same page as a
full render, a fixed number of queries, nothing of one person on another's page or in the
cache, and every change on the next request."""

import pickle
import re
from datetime import timedelta

import pytest
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import MessageEncoder
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event
from registrations.models import ProgrammeChoice, Registration
from registrations.tokens import manage_tokens
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

PAGE = "/meine-anmeldungen/"


@pytest.fixture
def cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60


def _without_csrf_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _register(person, event, **kwargs):
    return RegistrationFactory(
        event=event, registered_by=person, organisation=person.organisation, **kwargs
    )


@pytest.fixture
def varied(person):
    """Registrations of every kind a row can show."""
    rescheduled = EventFactory(
        title="Jahrestreffen Kiel",
        title_en="Annual meeting Kiel",
        reconfirmation_deadline=timezone.now() + timedelta(days=3),
    )
    item = ProgrammeItemFactory(event=rescheduled, title="Hafenrundfahrt")
    mine = _register(person, rescheduled, reconfirmation=Registration.Reconfirmation.PENDING)
    ProgrammeChoiceFactory(registration=mine, item=item)
    ProgrammeChoiceFactory(
        registration=mine,
        item=ProgrammeItemFactory(event=rescheduled),
        status=ProgrammeChoice.Status.CANCELLED,
    )
    other = EventFactory(title="Jahrestreffen <Leipzig> & Umland", published=False)
    _register(
        person,
        other,
        first_name="Vera <b>",
        last_name="Vertretung",
        email="vera@example.org",
        is_representative=True,
        status=Registration.Status.WAITING,
    )
    _register(person, other, email="alt@example.org", anonymised_at=timezone.now())
    return rescheduled, other


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_shared_page_equals_a_full_render(
    person_client, person, varied, cache_on, settings, prefix
):
    person_client.get(prefix + PAGE)  # renders the page and the rows with slots
    shared = person_client.get(prefix + PAGE)
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    full = person_client.get(prefix + PAGE)

    html = shared.content.decode()
    assert shared.status_code == 200
    assert "private" in shared["Cache-Control"]
    assert "no-store" in shared["Cache-Control"]
    assert "Cookie" in shared["Vary"]
    assert _without_csrf_tokens(html) == _without_csrf_tokens(full.content.decode())
    assert "\x00" not in html
    assert "Vera &lt;b&gt; Vertretung" in html
    assert "Jahrestreffen &lt;Leipzig&gt; &amp; Umland" in html
    assert html.count('name="csrfmiddlewaretoken"') == 2  # navigation and "sign out everywhere"
    for registration in Registration.objects.filter(registered_by=person):
        assert f"/anmeldung/{manage_tokens.make_token(registration)}/" in html


def test_the_rows_show_what_the_registrations_say(person_client, person, varied):
    rescheduled, _other = varied

    html = person_client.get("/en" + PAGE).content.decode()

    assert "Annual meeting Kiel</a>" in html
    assert '<span lang="de">Hafenrundfahrt</span> (confirmed)' in html
    assert html.count("(cancelled)") == 0  # a cancelled choice is history
    assert "Please confirm your attendance on the new dates by" in html
    assert "waiting list" in html
    assert "(anonymised)" in html
    assert html.count("<tr>") == 4  # the head and three registrations


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    return len(queries)


def _add_registrations(person, n):
    for _ in range(n):
        registration = _register(
            person, EventFactory(), email=f"rep-{n}-{_}@example.org", is_representative=True
        )
        for item in ProgrammeItemFactory.create_batch(2, event=registration.event):
            ProgrammeChoiceFactory(registration=registration, item=item)


def test_with_the_shared_cache_one_query_lists_them_however_many(
    person_client, person, cache_on, django_assert_max_num_queries
):
    _add_registrations(person, 1)
    person_client.get(PAGE)
    few = _queries(person_client)
    _add_registrations(person, 10)
    person_client.get(PAGE)  # the new events' rows

    # Session, person, the registrations with their choices.
    with django_assert_max_num_queries(3):
        many = _queries(person_client)

    assert many == few


def test_without_the_shared_cache_the_queries_do_not_grow_either(
    person_client, person, django_assert_max_num_queries
):
    _add_registrations(person, 1)
    few = _queries(person_client)
    _add_registrations(person, 10)

    # Session, person, registrations, events with their days, side programme.
    with django_assert_max_num_queries(5):
        many = _queries(person_client)

    assert many == few


@pytest.fixture
def readable_cache(settings):
    """A local-memory cache, whose entries the test can read all of (whatever CACHE_URL is),
    with the settings the project derives for it: sessions and the signed-in person (kept
    per person by design, selectors/viewer.py) stay in the database."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.CONTACT_PERSON_CACHE = settings.LOCAL_CACHE_COPIES = False
    cache.clear()


def _cached_values() -> str:
    return repr([pickle.loads(value) for value in cache._cache.values()])


def test_one_persons_entries_never_show_for_another(client, sign_in, cache_on, readable_cache):
    event = EventFactory()
    item = ProgrammeItemFactory(event=event)
    first, second = ContactPersonFactory(), ContactPersonFactory()
    first_own = _register(first, event)
    first_rep = _register(
        first, event, first_name="Rita", last_name="Vertreterin", email="rita@example.org"
    )
    second_own = _register(second, event)
    for registration in (first_own, first_rep, second_own):  # rows of the same shape
        ProgrammeChoiceFactory(registration=registration, item=item)
    sign_in(client, first)
    assert first.last_name in client.get(PAGE).content.decode()

    client.cookies.clear()
    sign_in(client, second)
    page = client.get(PAGE).content.decode()

    assert second.last_name in page
    assert second.organisation.name in page
    assert f"/anmeldung/{manage_tokens.make_token(second_own)}/" in page
    for personal in (
        first.last_name,
        first.organisation.name,
        "Vertreterin",
        manage_tokens.make_token(first_own),
        manage_tokens.make_token(first_rep),
    ):
        assert personal not in page
    shared = _cached_values()
    for personal in (first.last_name, second.last_name, "Vertreterin", first.organisation.name):
        assert personal not in shared
    for registration in (first_own, first_rep, second_own):
        assert manage_tokens.make_token(registration) not in shared
        assert registration.manage_nonce not in shared


def test_a_change_shows_on_the_next_request(
    person_client, person, event, cache_on, django_capture_on_commit_callbacks
):
    registration = _register(person, event)
    person_client.get(PAGE)
    assert "bestätigt" in person_client.get(PAGE).content.decode()

    # The list itself is read on every request: no invalidation needed for it.
    Registration.objects.filter(pk=registration.pk).update(
        status=Registration.Status.WAITING, first_name="Umbenannt"
    )
    page = person_client.get(PAGE).content.decode()
    assert "Warteliste" in page
    assert "Umbenannt" in page

    with django_capture_on_commit_callbacks(execute=True):
        event.title = "Neuer Titel"
        event.save()
    assert "Neuer Titel" in person_client.get(PAGE).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        ProgrammeChoiceFactory(
            registration=registration, item=ProgrammeItemFactory(event=event, title="Stadtführung")
        )
    assert "Stadtführung" in person_client.get(PAGE).content.decode()

    registration.delete()
    assert "noch keine Anmeldungen" in person_client.get(PAGE).content.decode()


def test_a_choice_newer_than_the_cached_event_shows_too(person_client, person, event, cache_on):
    registration = _register(person, event)
    person_client.get(PAGE)  # the event's heading cached without the new item

    # Committed, but the public version not yet bumped (that happens after the commit).
    ProgrammeChoiceFactory(
        registration=registration, item=ProgrammeItemFactory(event=event, title="Neu im Programm")
    )

    assert "Neu im Programm" in person_client.get(PAGE).content.decode()


def test_a_message_waiting_gets_the_whole_page(person_client, settings, cache_on):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    person_client.get(PAGE)  # the shared page
    session = person_client.session
    session["_messages"] = MessageEncoder().encode([Message(25, "Sie sind angemeldet.")])
    session.save()

    assert "Sie sind angemeldet." in person_client.get(PAGE).content.decode()
    assert "Sie sind angemeldet." not in person_client.get(PAGE).content.decode()


def test_unpublished_events_stay_listed(person_client, person):
    _register(person, EventFactory(title="Zurückgezogen", published=False))

    assert "Zurückgezogen" in person_client.get(PAGE).content.decode()
    assert not Event.objects.published().filter(title="Zurückgezogen").exists()


def test_german_and_english_pages_are_shared_apart(person_client, person, event, cache_on):
    _register(person, event)
    german = person_client.get(PAGE).content.decode()
    english = person_client.get("/en" + PAGE).content.decode()

    assert ">Veranstaltung<" in german
    assert "bestätigt" in german
    assert ">Event<" in english
    assert "confirmed" in english
    assert "bestätigt" not in english
