"""Public pages are cached for visitors without a session and refreshed on every change."""

import re

import pytest
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import MessageEncoder
from django.core.cache import cache
from django.http import HttpResponse

from events import services
from events.cache import cached_page, personal_part
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory


@pytest.fixture(autouse=True)
def _cache_on(settings, db):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_second_anonymous_request_is_served_without_queries(client, django_assert_num_queries):
    event = EventFactory()
    client.get(event.get_absolute_url())

    with django_assert_num_queries(0):
        response = client.get(event.get_absolute_url())

    assert response.status_code == 200
    assert event.title in response.content.decode()


def test_event_list_is_cached_too(client, django_assert_num_queries):
    EventFactory(title="Zwischengespeichert")
    client.get("/")

    with django_assert_num_queries(0):
        assert "Zwischengespeichert" in client.get("/").content.decode()


def test_a_lifecycle_change_shows_at_once(client, django_capture_on_commit_callbacks):
    event = EventFactory()
    client.get(event.get_absolute_url())

    # The cached pages go stale when the change commits (events/cache.py).
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, notice="Leider abgesagt.")

    assert "Leider abgesagt." in client.get(event.get_absolute_url()).content.decode()


def test_a_new_registration_updates_the_free_places(client, django_capture_on_commit_callbacks):
    event = EventFactory(capacity=10)
    before = client.get(event.get_absolute_url()).content.decode()
    assert "10 Plätze frei" in before or "10 places left" in before

    with django_capture_on_commit_callbacks(execute=True):
        RegistrationFactory(event=event)

    after = client.get(event.get_absolute_url()).content.decode()
    assert "9 Plätze frei" in after or "9 places left" in after


def test_signed_in_visitors_always_get_a_fresh_page(client, django_assert_max_num_queries):
    event = EventFactory()
    person = ContactPersonFactory()
    client.get(event.get_absolute_url())  # cached for anonymous visitors
    session = client.session
    session["contact_person"] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()

    with django_assert_max_num_queries(20) as captured:
        client.get(event.get_absolute_url())

    assert len(captured) > 0


def _signed_in(client, person):
    session = client.session
    session["contact_person"] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()


def _without_csrf_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_signed_in_page_from_the_shared_skeleton_equals_a_full_render(
    client, settings, django_assert_max_num_queries
):
    event = EventFactory(capacity=10)
    person = ContactPersonFactory()
    RegistrationFactory(event=event, registered_by=person, organisation=person.organisation)
    _signed_in(client, person)
    client.get(event.get_absolute_url())  # renders in full, leaves the skeleton
    client.get(event.get_absolute_url())  # reads the event into the cache

    # Session, person, event and its days, places, the person's registrations and rights.
    with django_assert_max_num_queries(9):
        from_skeleton = client.get(event.get_absolute_url())
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    full = client.get(event.get_absolute_url())

    assert from_skeleton.status_code == 200
    assert "private" in from_skeleton["Cache-Control"]
    assert "no-store" in from_skeleton["Cache-Control"]
    assert "Cookie" in from_skeleton["Vary"]
    html = from_skeleton.content.decode()
    assert _without_csrf_tokens(html) == _without_csrf_tokens(full.content.decode())
    assert "Ausloggen" in html
    assert RegistrationFactory._meta.model.objects.get().full_name in html


def test_signed_in_visitors_do_not_see_each_others_parts(client):
    event = EventFactory()
    first, second = ContactPersonFactory(), ContactPersonFactory()
    mine = RegistrationFactory(
        event=event, registered_by=first, organisation=first.organisation, first_name="Erstperson"
    )
    _signed_in(client, first)
    assert mine.first_name in client.get(event.get_absolute_url()).content.decode()

    client.cookies.clear()
    _signed_in(client, second)
    page = client.get(event.get_absolute_url()).content.decode()

    assert mine.first_name not in page
    assert "Ausloggen" in page


def test_anonymous_page_is_never_served_to_a_signed_in_visitor(client):
    event = EventFactory()
    person = ContactPersonFactory()
    client.get(event.get_absolute_url())  # cached for anonymous visitors
    _signed_in(client, person)

    page = client.get(event.get_absolute_url()).content.decode()

    assert "Ausloggen" in page


def test_a_message_waiting_gets_the_whole_page(client, settings):
    # Messages kept in the session leave no cookie to tell of them.
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    event = EventFactory()
    person = ContactPersonFactory()
    _signed_in(client, person)
    client.get(event.get_absolute_url())  # the skeleton
    session = client.session
    session["_messages"] = MessageEncoder().encode([Message(25, "Nachricht für die Seite")])
    session.save()

    page = client.get(event.get_absolute_url()).content.decode()

    assert "Nachricht für die Seite" in page


def test_a_registration_refreshes_the_signed_in_page_too(
    client, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=10)
    person = ContactPersonFactory()
    _signed_in(client, person)
    before = client.get(event.get_absolute_url()).content.decode()
    assert "10 Plätze frei" in before or "10 places left" in before

    # The counts the page shows are kept under the public version, bumped on commit.
    with django_capture_on_commit_callbacks(execute=True):
        RegistrationFactory(event=event)

    after = client.get(event.get_absolute_url()).content.decode()
    assert "9 Plätze frei" in after or "9 places left" in after


def test_english_and_german_pages_are_cached_apart(client):
    event = EventFactory()
    german = client.get(event.get_absolute_url()).content.decode()
    english = client.get("/en" + event.get_absolute_url()).content.decode()

    assert 'lang="de"' in german
    assert 'lang="en"' in english


def test_a_page_with_a_csrf_token_outside_its_personal_parts_is_never_shared(rf, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    request = rf.get("/seite/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "signed-in"
    renders = []

    def render():
        renders.append(1)
        return HttpResponse(
            '<input name="csrfmiddlewaretoken" value="geheim">'
            + personal_part("nav", "<p>Ausloggen</p>")
        )

    for _ in range(2):
        cached_page(request, "seite", render, personal=lambda: {"nav": "<p>Andere</p>"})

    assert len(renders) == 2


def test_the_sign_in_answer_is_shared_per_language_without_a_cache_round_trip(
    client, django_assert_max_num_queries
):
    """ "Check your mailbox" says the same to everyone: rendered once per process and
    language, then served without asking the cache (events.cache.cached_static_answer)."""
    from unittest import mock

    from events import cache as page_cache

    page_cache._STATIC_ANSWERS.clear()
    german = client.post("/anmelden/", {"email": "a@example.org"}).content.decode()
    with mock.patch.object(page_cache, "cache") as shared_cache:
        again = client.post("/anmelden/", {"email": "b@example.org"}).content.decode()
    shared_cache.get.assert_not_called()
    english = client.post("/en/anmelden/", {"email": "c@example.org"}).content.decode()
    assert german == again
    assert "Postfach" in german and "Check your mailbox" in english
