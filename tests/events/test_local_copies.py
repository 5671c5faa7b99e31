"""events.cache.LocalCopies: entries under versioned keys are copied into the process, and a
change (a new version) is still seen at the next request."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from events import cache as page_cache
from events.cache import LocalCopies, public_version
from registrations.middleware import SESSION_KEY
from tests.factories import ContactPersonFactory, EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def copies(settings):
    settings.LOCAL_CACHE_COPIES = True
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    page_cache.versioned.clear()
    yield LocalCopies(size=3)
    page_cache.versioned.clear()
    cache.clear()


def test_a_second_read_does_not_ask_the_shared_cache(copies):
    copies.set("k:1", "<p>shared</p>", timeout=60)
    with mock.patch.object(page_cache, "cache") as shared:
        assert copies.get("k:1") == "<p>shared</p>"
    shared.get_many.assert_not_called()


def test_an_entry_read_from_the_shared_cache_is_kept(copies):
    cache.set("k:2", {"confirmed": 3}, timeout=60)
    assert copies.get("k:2") == {"confirmed": 3}
    with mock.patch.object(page_cache, "cache") as shared:
        assert copies.get("k:2") == {"confirmed": 3}
    shared.get_many.assert_not_called()


def test_no_request_can_change_another_ones_copy(copies):
    copies.set("k:3", {"items": [1, 2]}, timeout=60)
    first = copies.get("k:3")
    first["items"].append("changed by one request")
    assert copies.get("k:3") == {"items": [1, 2]}


def test_copies_expire_with_the_shared_entry(copies, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    copies.set("k:4", "old", timeout=60)
    cache.delete("k:4")
    later = page_cache.time.monotonic() + 61
    with mock.patch.object(page_cache.time, "monotonic", return_value=later):
        assert copies.get("k:4") is None


def test_at_most_size_entries_least_recently_used_first(copies):
    for i in range(3):
        copies.set(f"n:{i}", str(i), timeout=60)
    copies.get("n:0")
    copies.set("n:3", "3", timeout=60)
    assert list(copies._entries) == ["n:2", "n:0", "n:3"]


def test_without_a_shared_cache_nothing_is_kept(settings):
    settings.LOCAL_CACHE_COPIES = False
    copies = LocalCopies()
    copies.set("k:5", "x", timeout=60)
    assert copies._entries == {}


def test_a_version_never_comes_back_after_the_cache_is_emptied(copies):
    public_version()
    page_cache.bump_public_version()
    bumped = public_version()
    cache.clear()
    assert public_version() > bumped


def test_a_change_shows_on_the_next_signed_in_page_with_local_copies(copies):
    event = EventFactory(capacity=10)
    person = ContactPersonFactory()
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    url = event.get_absolute_url()
    for _ in range(2):  # the second answer comes from the local copies
        assert "10" in client.get(url).content.decode()
    event.title = "Ein neuer Titel"
    event.capacity = 7
    event.save()
    page_cache.bump_event_version()  # what the commit does (tests run in one transaction)
    page = client.get(url).content.decode()
    assert "Ein neuer Titel" in page
