"""Participants-only materials reach confirmed registrants only: through their manage link or
signed in, at an address with the material's random key, never cached by others."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Material
from registrations.models import Registration
from registrations.tokens import manage_tokens
from tests.factories import (
    PDF_BYTES,
    EventFactory,
    MaterialFactory,
    RegistrationFactory,
    manage_url,
)

pytestmark = pytest.mark.django_db


def _via_link(registration, material) -> str:
    return reverse(
        "registrations:manage_material",
        kwargs={"token": manage_tokens.make_token(registration), "key": material.key},
    )


def _signed_in_url(material) -> str:
    return reverse(
        "registrations:participant_material",
        kwargs={"slug": material.event.slug, "key": material.key},
    )


@pytest.fixture
def material(event):
    return MaterialFactory(event=event, title="Interne Folien")


def test_a_confirmed_registrant_downloads_through_the_manage_link(client, event, material):
    registration = RegistrationFactory(event=event)
    response = client.get(_via_link(registration, material))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="vortrag.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_manage_page_lists_the_materials_with_their_links(client, event, material):
    registration = RegistrationFactory(event=event)
    page = client.get(manage_url(registration)).content.decode()
    assert "Interne Folien" in page
    assert _via_link(registration, material) in page


@pytest.mark.parametrize("status", [Registration.Status.WAITING, Registration.Status.CANCELLED])
def test_waiting_list_and_cancelled_registrations_get_nothing(client, event, material, status):
    registration = RegistrationFactory(event=event, status=status)
    assert client.get(_via_link(registration, material)).status_code == 404
    assert "Interne Folien" not in client.get(manage_url(registration)).content.decode()


def test_another_events_registrant_gets_nothing(client, material):
    other = RegistrationFactory(event=EventFactory())
    assert client.get(_via_link(other, material)).status_code == 404


def test_a_tampered_link_or_key_gets_nothing(client, event, material):
    registration = RegistrationFactory(event=event)
    url = _via_link(registration, material)
    token = manage_tokens.make_token(registration)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(url.replace(token, tampered)).status_code == 404
    assert client.get(url.replace(material.key, material.key[:-1] + "_")).status_code == 404
    # Counting through ids finds nothing: the key is part of the address.
    assert client.get(url.replace(material.key, str(material.pk))).status_code == 404


def test_anonymous_visitors_get_nothing(client, material):
    assert client.get(_signed_in_url(material)).status_code == 404
    assert client.get(material.get_public_url()).status_code == 404


def test_a_signed_in_contact_person_confirmed_for_the_event_downloads(
    person_client, person, event, material
):
    RegistrationFactory(event=event, registered_by=person)
    response = person_client.get(_signed_in_url(material))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_signed_in_person_on_the_waiting_list_gets_nothing(
    person_client, person, event, material
):
    RegistrationFactory(event=event, registered_by=person, status=Registration.Status.WAITING)
    assert person_client.get(_signed_in_url(material)).status_code == 404


def test_a_signed_in_person_of_another_event_gets_nothing(person_client, person, material):
    RegistrationFactory(event=EventFactory(), registered_by=person)
    assert person_client.get(_signed_in_url(material)).status_code == 404


def test_public_materials_also_come_through_the_manage_link(client, event):
    public = MaterialFactory(event=event, visibility=Material.Visibility.PUBLIC)
    registration = RegistrationFactory(event=event)
    assert client.get(_via_link(registration, public)).status_code == 200
    assert client.get(public.get_public_url()).status_code == 200


def test_the_manage_page_query_count_does_not_grow_with_materials(
    client, event, django_assert_max_num_queries
):
    registration = RegistrationFactory(event=event)
    MaterialFactory(event=event)
    url = manage_url(registration)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        MaterialFactory(event=event)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.content.decode().count("/unterlagen/") == 6


def test_the_event_page_offers_participants_only_files_to_confirmed_people_signed_in(
    client, person_client, person, event, material
):
    RegistrationFactory(event=event, registered_by=person)
    signed_in = person_client.get(event.get_absolute_url()).content.decode()
    assert _signed_in_url(material) in signed_in
    client.logout()
    assert "Interne Folien" not in client.get(event.get_absolute_url()).content.decode()
