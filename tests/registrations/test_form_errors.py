"""A failed submit: the title says so, the summary at the top lists each problem once."""

import pytest

from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    return {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on", **overrides}


def test_a_refusal_by_the_rules_is_shown_once_in_the_summary(person_client, person, event):
    RegistrationFactory(event=event, registered_by=person)

    page = person_client.post(f"/veranstaltungen/{event.slug}/anmeldung/", form_data())
    text = page.content.decode()

    assert text.count("ist bereits zu dieser Veranstaltung angemeldet") == 1
    assert "<title>Fehler: " in text
    assert 'id="error-summary" tabindex="-1"' in text
    assert "js/error-summary.js" in text


def test_field_errors_link_to_their_fields_in_english(person_client, event):
    page = person_client.post(f"/en/veranstaltungen/{event.slug}/anmeldung/", form_data(privacy=""))
    text = page.content.decode()

    assert "<title>Error: " in text
    assert 'href="#id_privacy"' in text


def test_a_page_without_errors_has_no_summary(person_client, event):
    text = person_client.get(f"/veranstaltungen/{event.slug}/anmeldung/").content.decode()

    assert "error-summary" not in text
    assert "<title>Fehler" not in text
