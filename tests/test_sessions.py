"""jahrestreffen.sessions: the session is read in the same round trip to the cache as the
page versions, and everything Django's cached_db store does still holds."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from events import cache as page_cache
from jahrestreffen.sessions import SessionStore
from registrations.middleware import SESSION_KEY
from tests.factories import ContactPersonFactory, EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(settings):
    """The engine production uses with a shared cache (here the local-memory one)."""
    settings.SESSION_ENGINE = "jahrestreffen.sessions"
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def signed_in_client(person) -> Client:
    client = Client()
    store = SessionStore()
    store[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    store.save()
    client.cookies["sessionid"] = store.session_key
    return client, store


class Reads:
    """The cache's reads during one request: (method, keys)."""

    def __init__(self):
        self.calls = []
        self._depth = 0  # the local-memory cache's get_many calls get: one trip, logged once

    def __enter__(self):
        get, get_many = cache.get, cache.get_many
        self._patches = [
            mock.patch.object(
                cache, "get", side_effect=lambda k, *a, **kw: self._log("get", [k], get, k, *a)
            ),
            mock.patch.object(
                cache,
                "get_many",
                side_effect=lambda ks, *a, **kw: self._log("get_many", ks, get_many, ks, *a),
            ),
        ]
        for patch in self._patches:
            patch.start()
        return self

    def _log(self, method, keys, real, *args):
        if not self._depth:
            self.calls.append((method, list(keys)))
        self._depth += 1
        try:
            return real(*args)
        finally:
            self._depth -= 1

    def __exit__(self, *exc):
        for patch in self._patches:
            patch.stop()

    def trips_for(self, key) -> int:
        return sum(key in keys for _, keys in self.calls)


def test_the_session_comes_with_the_versions_in_one_round_trip(shared):
    event = EventFactory()
    person = ContactPersonFactory()
    client, store = signed_in_client(person)
    client.get(event.get_absolute_url())  # the shared parts are rendered once
    with Reads() as reads:
        page = client.get(event.get_absolute_url())
    assert page.status_code == 200
    assert 'href="/meine-anmeldungen/"' in page.content.decode()  # seen as signed in
    first = reads.calls[0]
    assert first[0] == "get_many"
    assert store.cache_key in first[1] and page_cache.VERSION_KEY in first[1]
    assert reads.trips_for(store.cache_key) == 1  # never read again alone


def test_a_session_the_cache_lacks_comes_from_the_database(shared):
    person = ContactPersonFactory()
    client, store = signed_in_client(person)
    cache.delete(store.cache_key)  # evicted, or a restarted Redis
    page = client.get("/meine-anmeldungen/")
    assert page.status_code == 200  # still signed in: not sent to the sign-in page
    assert cache.get(store.cache_key)[SESSION_KEY]["id"] == person.pk  # and cached again


def test_a_session_ended_elsewhere_is_not_revived_from_the_read_along(shared):
    person = ContactPersonFactory()
    client, store = signed_in_client(person)
    SessionStore(store.session_key).delete()  # sign-out in another worker
    page = client.get("/meine-anmeldungen/")
    assert page.status_code == 302  # to the sign-in page


@pytest.mark.parametrize("cookie", ["../../etc", "x" * 200, "abc def", "ABCDEFGH12345678"])
def test_a_forged_cookie_is_not_read_along_and_finds_no_session(shared, cookie):
    client = Client()
    client.cookies["sessionid"] = cookie
    with Reads() as reads:
        page = client.get("/meine-anmeldungen/")
    assert page.status_code == 302
    # Not asked for along with the versions (Django's own load may still look it up alone).
    assert not any(
        cookie in key for method, keys in reads.calls if method == "get_many" for key in keys
    )


def test_outside_a_request_the_store_reads_the_cache_itself(shared):
    person = ContactPersonFactory()
    _client, store = signed_in_client(person)
    again = SessionStore(store.session_key)
    assert again[SESSION_KEY]["id"] == person.pk
