import pytest
from django.core.cache import cache
from django.utils import translation

from registrations.middleware import SESSION_KEY
from tests.factories import ContactPersonFactory, EventFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Requests under /en/ leave English active in the test thread; reset it for reverse()."""
    with translation.override("de"):
        yield


@pytest.fixture
def event(db):
    return EventFactory(capacity=5)


@pytest.fixture
def person(db):
    return ContactPersonFactory()


def _sign_in(client, person):
    session = client.session
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    return client


@pytest.fixture
def sign_in():
    """Put a contact person in a client's session, as following the sign-in link would."""
    return _sign_in


@pytest.fixture
def person_client(client, person):
    return _sign_in(client, person)
