"""Public pages are cached for visitors without a session and refreshed on every change."""

import pytest
from django.core.cache import cache

from events import services
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


def test_english_and_german_pages_are_cached_apart(client):
    event = EventFactory()
    german = client.get(event.get_absolute_url()).content.decode()
    english = client.get("/en" + event.get_absolute_url()).content.decode()

    assert 'lang="de"' in german
    assert 'lang="en"' in english
