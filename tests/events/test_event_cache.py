"""The events the signed-in pages and the submit read from the cache (`published_event`): kept
across registrations, which change places and not the event, and refreshed by every change of
the event, its days or its side programme."""

from datetime import date

import pytest
from django.core.cache import cache

from events.selectors import published_event
from tests.factories import EventDayFactory, EventFactory, ProgrammeItemFactory, RegistrationFactory


@pytest.fixture(autouse=True)
def _cache_on(settings, db):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_a_registration_keeps_the_cached_event(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    event = EventFactory()
    published_event(slug=event.slug)

    with django_capture_on_commit_callbacks(execute=True):
        RegistrationFactory(event=event)

    with django_assert_num_queries(0):
        assert published_event(slug=event.slug).pk == event.pk


def test_a_change_of_the_event_is_read_at_once(django_capture_on_commit_callbacks):
    event = EventFactory(capacity=10)
    published_event(slug=event.slug)

    with django_capture_on_commit_callbacks(execute=True):
        event.capacity = 3
        event.save()

    assert published_event(slug=event.slug).capacity == 3


def test_a_change_of_the_days_or_side_programme_is_read_at_once(
    django_capture_on_commit_callbacks,
):
    event = EventFactory()
    published_event(slug=event.slug)

    with django_capture_on_commit_callbacks(execute=True):
        EventDayFactory(event=event, date=date(2031, 5, 6))
        item = ProgrammeItemFactory(event=event, capacity=4)

    cached = published_event(slug=event.slug)
    assert date(2031, 5, 6) in [day.date for day in cached.days.all()]
    assert [i.pk for i in cached.programme_items.all()] == [item.pk]

    with django_capture_on_commit_callbacks(execute=True):
        item.capacity = 1
        item.save()

    assert published_event(slug=event.slug).programme_items.all()[0].capacity == 1
