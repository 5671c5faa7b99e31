"""The registration and manage forms' HTML shared from the cache: only where it is the same for
everyone, completed per request with the CSRF token and the signed-in person's own line."""

import pytest

from registrations.forms import RegistrationDetailsForm, RegistrationForm
from registrations.tokens import manage_tokens
from tests.factories import (
    ContactPersonFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60


def form_url(event) -> str:
    return f"/veranstaltungen/{event.slug}/anmeldung/"


def test_each_person_sees_their_own_details_in_the_shared_form(client, sign_in, event):
    first = ContactPersonFactory(first_name="Erika", last_name="Erste")
    second = ContactPersonFactory(first_name="Zora", last_name="Zweite")

    sign_in(client, first)
    page_first = client.get(form_url(event)).content.decode()
    client.cookies.clear()
    sign_in(client, second)
    page_second = client.get(form_url(event)).content.decode()

    assert "Erika Erste" in page_first and "Zora Zweite" not in page_first
    assert "Zora Zweite" in page_second and "Erika Erste" not in page_second
    assert client.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken" value="csrf-token' not in page_second


def test_free_places_on_the_side_programme_are_current(
    person_client, event, django_capture_on_commit_callbacks
):
    item = ProgrammeItemFactory(event=event, title="Hafenrundfahrt", capacity=2)
    assert "2 Plätze frei" in person_client.get(form_url(event)).content.decode()

    # The counts the page shows are kept under the public version, bumped on commit.
    with django_capture_on_commit_callbacks(execute=True):
        ProgrammeChoiceFactory(item=item, registration=RegistrationFactory(event=event))

    assert "1 Platz frei" in person_client.get(form_url(event)).content.decode()


def test_a_form_with_someones_own_words_or_input_is_never_shared(event, person):
    item = ProgrammeItemFactory(event=event)
    common = {"event": event, "free_places": {item.pk: None}}

    assert RegistrationForm(person=person, **common).html_cache_key()
    assert RegistrationForm({"who": "self"}, person=person, **common).html_cache_key() is None
    # Someone's own words are slots in the shared HTML: the key does not hold them.
    with_notes = RegistrationDetailsForm(initial={"diet_notes": "Erdnussallergie"}, **common)
    other_notes = RegistrationDetailsForm(initial={"diet_notes": "Laktose"}, **common)
    assert with_notes.html_cache_key() == other_notes.html_cache_key()
    assert "Erdnussallergie" not in with_notes.html_cache_key()
    # So are their answers (each option has a slot for ` selected`), and whether they gave
    # any: one shared HTML for all of them.
    vegan = RegistrationDetailsForm(
        initial={"diet": "vegan", "visibility": "public", "programme_items": [str(item.pk)]},
        **common,
    )
    plain = RegistrationDetailsForm(initial={"diet": "none", "message": "Bis bald"}, **common)
    assert vegan.html_cache_key() == plain.html_cache_key() == other_notes.html_cache_key()
    # What is the same for everyone still counts: the free places in the labels.
    fuller = RegistrationDetailsForm(event=event, free_places={item.pk: 0})
    assert fuller.html_cache_key() != plain.html_cache_key()


def test_manage_page_shows_the_registrations_own_choices(client, event):
    vegan = RegistrationFactory(event=event, diet="vegan")
    plain = RegistrationFactory(event=event, diet="none")

    for registration in (plain, vegan, plain):
        page = client.get(f"/anmeldung/{manage_tokens.make_token(registration)}/").content
        selected = f'value="{registration.diet}" selected'.encode()
        assert selected in page, registration.diet


def test_a_manage_page_never_shows_another_persons_link_from_the_shared_form(client, event):
    """The details form posts to the manage page's own address, which holds the personal
    link: that address is filled in per request, never kept in the shared HTML."""
    first, second = RegistrationFactory.create_batch(2, event=event)
    first_url = f"/anmeldung/{manage_tokens.make_token(first)}/"
    second_url = f"/anmeldung/{manage_tokens.make_token(second)}/"

    page_first = client.get(first_url).content.decode()
    page_second = client.get(second_url).content.decode()

    assert f'action="{first_url}"' in page_first
    assert f'action="{second_url}"' in page_second
    assert manage_tokens.make_token(first) not in page_second
    assert manage_tokens.make_token(second) not in page_first
    assert "form-action-slot" not in page_first + page_second
