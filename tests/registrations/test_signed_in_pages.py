"""The event page and the registration form of a signed-in contact person from shared parts
(issue 13): counts, the registration box, the navigation and the form are kept once for
everyone with the same inputs, so no one sees another's names, links or token, and a change
shows on the next request."""

import re

import pytest
from django.middleware.csrf import _does_token_match
from django.test import Client

from registrations.models import Registration
from registrations.tokens import manage_tokens
from tests.factories import (
    ContactPersonFactory,
    MemberOrganisationFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

FORM = "/veranstaltungen/{}/anmeldung/"
SUBMIT = {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on"}


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _csrf_tokens(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', html)


def _without_csrf_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _own(person, event, first_name) -> Registration:
    return RegistrationFactory(
        event=event, registered_by=person, organisation=person.organisation, first_name=first_name
    )


# Query budgets -------------------------------------------------------------------------------


def test_signed_in_event_page_queries(person_client, person, event, django_assert_max_num_queries):
    _own(person, event, "Eigene")
    ProgrammeItemFactory.create_batch(2, event=event, capacity=10)
    _page(person_client, event.get_absolute_url())  # the whole page, leaves the skeleton
    _page(person_client, event.get_absolute_url())

    # The session and the person (from the cache in production), the person's own
    # registrations and the organisation's count (prepared queries, read afresh); the event,
    # its counts and the box's and the navigation's HTML come from the cache.
    with django_assert_max_num_queries(4):
        html = _page(person_client, event.get_absolute_url())

    assert "Eigene" in html


def test_registration_form_queries(person_client, event, django_assert_max_num_queries):
    ProgrammeItemFactory.create_batch(3, event=event, capacity=20, title="Exkursion")
    _page(person_client, FORM.format(event.slug))
    _page(person_client, FORM.format(event.slug))

    # The session and the person (from the cache in production) and the organisation's count
    # (a prepared query): the form with what stands above it is shared.
    with django_assert_max_num_queries(3):
        html = _page(person_client, FORM.format(event.slug))

    assert "Exkursion" in html


def test_the_form_from_shared_parts_equals_a_full_render(person_client, event, settings):
    ProgrammeItemFactory(event=event, capacity=3)
    _page(person_client, FORM.format(event.slug))  # leaves the skeleton
    from_parts = _page(person_client, FORM.format(event.slug))
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0

    full = _page(person_client, FORM.format(event.slug))

    assert _without_csrf_tokens(from_parts) == _without_csrf_tokens(full)


# Nobody sees another's parts -----------------------------------------------------------------


def test_the_shared_box_shows_each_person_their_own_names_and_links(event):
    # Two people in the same position (one confirmed registration each, organisations with the
    # same allowance used): the same shared box, filled in with different names and links.
    first = ContactPersonFactory(organisation=MemberOrganisationFactory())
    second = ContactPersonFactory(organisation=MemberOrganisationFactory())
    mine_first, mine_second = _own(first, event, "Erstperson"), _own(second, event, "Zweitperson")
    pages = {}
    for person in (first, second, first):
        client = Client()
        session = client.session
        session["contact_person"] = {"id": person.pk, "epoch": person.session_epoch}
        session.save()
        _page(client, event.get_absolute_url())  # the first one leaves the skeleton
        pages[person.pk] = _page(client, event.get_absolute_url())

    assert "Erstperson" in pages[first.pk] and "Zweitperson" not in pages[first.pk]
    assert "Zweitperson" in pages[second.pk] and "Erstperson" not in pages[second.pk]
    assert manage_tokens.make_token(mine_first) in pages[first.pk]
    assert manage_tokens.make_token(mine_first) not in pages[second.pk]
    assert manage_tokens.make_token(mine_second) in pages[second.pk]
    assert "own-registration-" not in pages[first.pk] + pages[second.pk]


def test_each_page_carries_its_own_working_csrf_token(event, sign_in):
    people = [ContactPersonFactory(), ContactPersonFactory()]
    for url in (event.get_absolute_url(), FORM.format(event.slug)):
        for person in people:
            client = sign_in(Client(enforce_csrf_checks=True), person)
            _page(client, url)
            html = _page(client, url)  # from the shared parts
            tokens = _csrf_tokens(html)

            assert tokens and "csrf-token-of-the-request" not in html
            assert all(_does_token_match(t, client.cookies["csrftoken"].value) for t in tokens)
            response = client.post("/abmelden/", {"csrfmiddlewaretoken": tokens[0]})
            assert response.status_code == 302


def test_the_form_shows_each_person_their_own_details(event, sign_in):
    first = ContactPersonFactory(first_name="Erika", last_name="Erste")
    second = ContactPersonFactory(first_name="Zora", last_name="Zweite")
    pages = {}
    for person in (first, second):
        client = sign_in(Client(), person)
        _page(client, FORM.format(event.slug))
        pages[person.pk] = _page(client, FORM.format(event.slug))

    assert "Erika Erste" in pages[first.pk] and "Zora Zweite" not in pages[first.pk]
    assert "Zora Zweite" in pages[second.pk] and "Erika Erste" not in pages[second.pk]


# A change shows on the next request ---------------------------------------------------------


def test_an_event_filling_up_shows_on_both_pages(
    person_client, event, django_capture_on_commit_callbacks
):
    event.capacity = 1
    event.waiting_list_enabled = False
    event.save()
    _page(person_client, event.get_absolute_url())
    assert "Noch 1 Platz frei" in _page(person_client, event.get_absolute_url())
    assert 'name="privacy"' in _page(person_client, FORM.format(event.slug))

    with django_capture_on_commit_callbacks(execute=True):
        RegistrationFactory(event=event)

    page = _page(person_client, event.get_absolute_url())
    assert "ausgebucht" in page and "Jetzt anmelden" not in page
    form = _page(person_client, FORM.format(event.slug))
    assert "ausgebucht" in form and 'name="privacy"' not in form


def test_ones_own_registration_shows_on_the_next_event_page(
    person_client, person, event, django_capture_on_commit_callbacks
):
    _page(person_client, event.get_absolute_url())
    before = _page(person_client, event.get_absolute_url())
    assert person.last_name not in before

    with django_capture_on_commit_callbacks(execute=True):
        response = person_client.post(FORM.format(event.slug), SUBMIT)
    assert response.status_code == 302

    after = _page(person_client, event.get_absolute_url())
    registration = Registration.objects.get(registered_by=person)
    assert registration.full_name in after
    assert manage_tokens.make_token(registration) in after
    # Confirmed: the participant list is open to them now.
    assert f"/veranstaltungen/{event.slug}/teilnehmende/" in after
    # And the organisation's allowance counts it.
    assert "1 bereits angemeldet" in after


def test_the_question_about_new_dates_links_to_ones_own_registration(person_client, person, event):
    registration = _own(person, event, "Eigene")
    registration.reconfirmation = Registration.Reconfirmation.PENDING
    registration.save()
    _page(person_client, event.get_absolute_url())

    html = _page(person_client, event.get_absolute_url())

    assert f"/anmeldung/{manage_tokens.make_token(registration)}/#new-dates" in html
