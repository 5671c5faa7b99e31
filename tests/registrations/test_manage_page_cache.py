"""The manage page with the shared cache on (issue 13): its forms' HTML, the event and its
materials come from the cache, while the link is checked and the registration read on every
request. Nothing of one person's may reach another's page or any shared cache entry, and a
change shows on the next request."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from registrations.models import Registration
from registrations.services import Details, registration_create
from tests.factories import (
    ContactPersonFactory,
    MaterialFactory,
    MemberOrganisationFactory,
    ProgrammeItemFactory,
    manage_url,
)

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60


def register(event, *, items=(), **person) -> Registration:
    return registration_create(
        event=event,
        registered_by=ContactPersonFactory(**person),
        attendee=None,
        details=Details(programme_item_ids=[i.pk for i in items]),
        privacy_acknowledged=True,
        language="de",
    )


def with_words(registration, **words) -> Registration:
    """Free text and details as a registrant may have typed them (some with HTML in them)."""
    for name, value in words.items():
        setattr(registration, name, value)
    registration.save()
    return registration


def page(client, registration) -> str:
    response = client.get(manage_url(registration))
    assert response.status_code == 200
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-store"}
    return response.content.decode()


def cached_bytes() -> bytes:
    """Everything the (local-memory) shared cache holds, pickled as it is stored."""
    return b"".join(value for value in cache._cache.values() if isinstance(value, bytes))


WORDS_A = {
    "academic_title": "Dr. <Quirin>",
    "first_name": 'Annegret "Ä"',
    "last_name": "O'Brien & Söhne",
    "function": "Leiterin Stadtplanung",
    "diet_notes": "Erdnussallergie <b>stark</b>",
    "accessibility_needs": "Rampe\nund Hörschleife",
    "message": "personal-value-slot-last_name- bitte nicht ersetzen",
}
WORDS_B = {
    "academic_title": "Prof.",
    "first_name": "Bernd",
    "last_name": "Bauer",
    "function": "Kämmerer",
    "diet_notes": "Laktoseintoleranz",
    "accessibility_needs": "Platz am Gang",
    "message": "Bis bald",
}


def test_the_page_needs_three_queries_with_the_shared_cache(
    client, event, cache_on, django_assert_max_num_queries
):
    items = ProgrammeItemFactory.create_batch(3, event=event, capacity=20)
    MaterialFactory(event=event)
    registration = register(event, items=items[:2])
    page(client, registration)  # the forms' HTML, the event and its materials are cached
    other = register(event, items=items[:2])

    # The registration with its organisations, its side programme choices, and the free
    # places on the side programme (live, not cached).
    with django_assert_max_num_queries(3):
        content = page(client, other)

    assert other.last_name in content and items[0].title in content
    assert "Vortrag" in content


def test_one_persons_details_never_reach_another_persons_page(client, event, cache_on):
    item = ProgrammeItemFactory(event=event, capacity=20)
    first = with_words(register(event, items=[item]), **WORDS_A)
    second = with_words(register(event, items=[item]), **WORDS_B)

    page_first = page(client, first)
    page_second = page(Client(), second)  # from the HTML the first request left in the cache
    page_first_again = page(Client(), first)

    for value in ("Annegret", "O&#x27;Brien", "Erdnussallergie", "Hörschleife", "Quirin"):
        assert value in page_first and value not in page_second
    for value in ("Bernd", "Bauer", "Laktoseintoleranz", "Platz am Gang", "Kämmerer"):
        assert value in page_second and value not in page_first
    assert CSRF.sub("", page_first_again) == CSRF.sub("", page_first)
    assert "personal-value-slot" not in page_second


def test_no_shared_cache_entry_holds_a_persons_details_or_link(client, event, cache_on):
    item = ProgrammeItemFactory(event=event, capacity=20)
    MaterialFactory(event=event)
    registration = with_words(register(event, items=[item]), **WORDS_A)

    page(client, registration)

    stored = cached_bytes()
    assert stored, "the page should have left its forms' HTML in the cache"
    for value in ("Annegret", "Brien", "Erdnussallergie", "Hörschleife", "Quirin"):
        assert value.encode() not in stored
    assert registration.email.encode() not in stored
    assert manage_url(registration).encode() not in stored
    assert str(registration.manage_nonce).encode() not in stored


def test_the_filled_page_is_the_page_rendered_in_full(client, event, settings):
    """Byte for byte (CSRF tokens aside): the values are escaped as the widgets escape them,
    a value that looks like a slot stays as it was typed, empty fields have no value."""
    item = ProgrammeItemFactory(event=event, capacity=20)
    registration = with_words(register(event, items=[item]), **WORDS_A)
    blank = with_words(register(event), academic_title="", function="", diet_notes="")

    for someone in (registration, blank):
        settings.PUBLIC_PAGE_CACHE_SECONDS = 0
        full = CSRF.sub("", page(Client(), someone))
        settings.PUBLIC_PAGE_CACHE_SECONDS = 60
        page(Client(), someone)  # fills the cache
        shared = CSRF.sub("", page(Client(), someone))
        assert shared == full
        if someone == registration:
            assert "personal-value-slot-last_name- bitte nicht ersetzen" in shared
            assert 'value="O&#x27;Brien &amp; Söhne"' in shared
            assert "Erdnussallergie &lt;b&gt;stark&lt;/b&gt;" in shared


def test_a_corrected_name_shows_on_the_next_request(
    client, event, cache_on, django_capture_on_commit_callbacks
):
    registration = register(event, first_name="Erika", last_name="Muster")
    assert 'value="Muster"' in page(client, registration)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            manage_url(registration) + "angaben/",
            {
                "fix-salutation": "frau",
                "fix-academic_title": "",
                "fix-first_name": "Erika",
                "fix-last_name": "Neumann",
                "fix-function": "Amtsleiterin",
            },
        )
    assert response.status_code == 302

    content = page(client, registration)
    assert 'value="Neumann"' in content and 'value="Muster"' not in content
    assert 'value="Amtsleiterin"' in content
    assert '<option value="frau" selected>' in content


def test_a_change_to_the_event_and_its_materials_shows_on_the_next_request(
    client, event, cache_on, django_capture_on_commit_callbacks
):
    registration = register(event)
    assert event.title in page(client, registration)

    with django_capture_on_commit_callbacks(execute=True):
        event.title = "Jahrestreffen an neuem Ort"
        event.save()
        MaterialFactory(event=event, title="Neue Folien")

    content = page(client, registration)
    assert "Jahrestreffen an neuem Ort" in content
    assert "Neue Folien" in content


def test_changed_programme_choices_show_on_the_next_request(
    client, event, cache_on, django_capture_on_commit_callbacks
):
    boat, walk = ProgrammeItemFactory.create_batch(2, event=event, capacity=20)
    registration = register(event, items=[boat])
    assert f'value="{boat.pk}"  id="id_programme_items_0" checked' in page(client, registration)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            manage_url(registration),
            {
                "save": "1",
                "programme_items": [str(walk.pk)],
                "diet": "none",
                "visibility": "nobody",
            },
        )
    assert response.status_code == 302

    content = page(client, registration)
    assert f'value="{walk.pk}"  id="id_programme_items_1" checked' in content
    assert f'value="{boat.pk}"  id="id_programme_items_0" checked' not in content


def test_a_wrong_or_voided_link_finds_nothing_even_with_the_page_cached(client, event, cache_on):
    registration = register(event)
    old_url = manage_url(registration)
    page(client, registration)

    assert client.get(old_url[:-4] + "xyz/").status_code == 404
    registration.manage_nonce = "0123456789abcdef0123456789abcdef"  # a new link voids the old
    registration.save()
    assert client.get(old_url).status_code == 404
    assert client.get(manage_url(registration)).status_code == 200


def test_organisations_have_their_own_colleague_domains(client, event, cache_on):
    first = register(event, organisation=MemberOrganisationFactory(email_domains="leipzig.de"))
    second = register(event, organisation=MemberOrganisationFactory(email_domains="halle.de"))

    assert "leipzig.de" in page(client, first)
    content = page(Client(), second)
    assert "halle.de" in content and "leipzig.de" not in content
