"""The person behind a session comes from the cache (registrations/selectors/viewer.py), and
every change to the person or the organisation reaches the next request."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registrations.models import ContactPerson
from registrations.selectors.viewer import KEY, signed_in_person
from registrations.services.signin import sign_out_everywhere
from tests.factories import ContactPersonFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.CONTACT_PERSON_CACHE = True


def _person_queries(client, path="/meine-anmeldungen/") -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return sum('"registrations_contactperson"' in q["sql"].split("WHERE")[0] for q in ctx)


def test_the_second_request_reads_the_person_from_the_cache(person_client):
    assert _person_queries(person_client) == 1
    assert _person_queries(person_client) == 0


def test_signing_in_puts_the_person_into_the_cache(client, person):
    from registrations.middleware import sign_in

    request = type("R", (), {})()
    request.session = client.session
    request.META = {}
    request.COOKIES = {}
    sign_in(request, person)
    cached = signed_in_person(pk=person.pk, epoch=person.session_epoch)
    assert cached == person
    with CaptureQueriesContext(connection) as ctx:
        signed_in_person(pk=person.pk, epoch=person.session_epoch)
    assert len(ctx) == 0


def test_sign_out_everywhere_ends_a_session_whose_person_is_cached(person, sign_in):
    other_device = sign_in(Client(), person)
    assert _person_queries(other_device) == 1  # now cached

    sign_out_everywhere(person=person)

    response = other_device.get("/meine-anmeldungen/")
    assert response.status_code == 302  # to the sign-in page


def test_a_deactivated_person_is_signed_out_at_the_next_request(person, person_client):
    _person_queries(person_client)
    person.is_active = False
    person.save()

    assert person_client.get("/meine-anmeldungen/").status_code == 302


def test_an_organisation_whose_membership_ended_signs_its_people_out(person, person_client):
    _person_queries(person_client)
    organisation = person.organisation
    organisation.member_until = timezone.localdate() - datetime.timedelta(days=1)
    organisation.save()

    assert person_client.get("/meine-anmeldungen/").status_code == 302


def test_a_deleted_person_is_signed_out(person, person_client):
    _person_queries(person_client)
    ContactPerson.objects.filter(pk=person.pk).delete()

    assert person_client.get("/meine-anmeldungen/").status_code == 302


def test_a_corrected_name_shows_at_the_next_request(person, person_client):
    _person_queries(person_client)
    person.last_name = "Neuname"
    person.save()

    assert "Neuname" in person_client.get("/meine-anmeldungen/").content.decode()


def test_the_copy_is_dropped_again_when_the_change_commits(
    person, django_capture_on_commit_callbacks
):
    """A request that read the old row between the save and the commit may have cached it;
    the commit makes a new version again, so the next request reads the committed row."""
    from django.core.cache import cache

    from events.cache import people_version

    with django_capture_on_commit_callbacks(execute=True):
        person.first_name = "Neu"
        person.save()
        stale = ContactPerson.objects.select_related("organisation").get(pk=person.pk)
        stale.first_name = "Alt"
        cache.set(KEY.format(version=people_version(), pk=person.pk), stale)
    assert cache.get(KEY.format(version=people_version(), pk=person.pk)) is None
    assert signed_in_person(pk=person.pk, epoch=person.session_epoch).first_name == "Neu"


def test_every_change_to_people_makes_a_new_version_now_and_at_the_commit(
    person, django_capture_on_commit_callbacks
):
    from events.cache import people_version

    before = people_version()
    with django_capture_on_commit_callbacks(execute=True):
        person.organisation.save()
        during = people_version()
    assert before < during < people_version()


def test_a_copy_kept_in_the_process_follows_a_change(settings, person, person_client):
    """With local copies (production with Redis), the person is answered from the process;
    a change still shows at the next request."""
    from events import cache as page_cache

    settings.LOCAL_CACHE_COPIES = True
    page_cache.versioned.clear()
    try:
        _person_queries(person_client)
        assert _person_queries(person_client) == 0
        person.last_name = "Neuname"
        person.save()
        assert "Neuname" in person_client.get("/meine-anmeldungen/").content.decode()
    finally:
        page_cache.versioned.clear()


def test_people_are_kept_apart(sign_in):
    anna = ContactPersonFactory(first_name="Anna", last_name="Erste")
    bernd = ContactPersonFactory(first_name="Bernd", last_name="Zweiter")
    anna_client, bernd_client = sign_in(Client(), anna), sign_in(Client(), bernd)
    for _ in range(2):
        assert "Erste" in anna_client.get("/meine-anmeldungen/").content.decode()
        page = bernd_client.get("/meine-anmeldungen/").content.decode()
        assert "Zweiter" in page and "Erste" not in page


def test_a_session_with_a_forged_person_id_is_nobody(client):
    assert signed_in_person(pk="1 OR 1=1", epoch=0) is None
