"""registrations.selectors.page_places: the counts a page shows come from the cache under
the public version, the organisation's as well as the event's, and follow every change."""

import pytest
from django.core.cache import cache

from events import cache as page_cache
from events.models import Event
from registrations.selectors.page_places import page_places
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    page_cache.versioned.clear()
    yield
    page_cache.versioned.clear()
    cache.clear()


def fresh(event) -> Event:
    """The event as the next request reads it (no counts kept on the instance)."""
    return Event.objects.get(pk=event.pk)


def test_the_organisations_count_is_read_from_the_cache_not_the_database(
    cached, django_assert_num_queries
):
    event = EventFactory(capacity=10)
    person = ContactPersonFactory()
    RegistrationFactory(event=event, registered_by=person)
    assert page_places(fresh(event), person.organisation).organisation == 1
    again = fresh(event)
    with django_assert_num_queries(0):
        places = page_places(again, person.organisation)
    assert (places.confirmed, places.organisation) == (1, 1)


def test_a_registration_shows_in_the_organisations_count_after_the_version_changes(cached):
    event = EventFactory(capacity=10)
    person = ContactPersonFactory()
    other = ContactPersonFactory()  # another organisation: its count is its own
    assert page_places(fresh(event), person.organisation).organisation == 0
    assert page_places(fresh(event), other.organisation).organisation == 0
    RegistrationFactory(event=event, registered_by=person)
    page_cache.bump_public_version()  # what the registration's commit does
    assert page_places(fresh(event), person.organisation).organisation == 1
    assert page_places(fresh(event), other.organisation).organisation == 0


def test_without_the_page_cache_every_count_comes_from_the_database(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    event = EventFactory(capacity=10)
    person = ContactPersonFactory()
    assert page_places(fresh(event), person.organisation).organisation == 0
    RegistrationFactory(event=event, registered_by=person)
    assert page_places(fresh(event), person.organisation).organisation == 1
