"""What the exploratory sessions of this round found, fixed: a refusal page with the counts
read before the decision, a second place of one's own after changing its address, and the
confirmation page of a representative on the waiting list speaking to the wrong person."""

from unittest import mock

import pytest

from registrations import services
from registrations.models import Registration
from registrations.services import Attendee
from tests.factories import ContactPersonFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

SELF = {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on"}


def test_a_refusal_shows_the_places_its_decision_was_based_on(person_client, person, event):
    event.participants_per_organisation = 1
    event.save()
    colleague = ContactPersonFactory(organisation=person.organisation)

    def a_colleague_was_faster(**_kwargs):
        RegistrationFactory(event=event, registered_by=colleague, email=colleague.email)
        raise services.RegistrationError("Limit erreicht", code="organisation_limit")

    with mock.patch.object(services, "registration_create", side_effect=a_colleague_was_faster):
        response = person_client.post(f"/veranstaltungen/{event.slug}/anmeldung/", SELF)

    assert response.status_code == 400
    assert "1 bereits angemeldet" in response.content.decode()


def test_no_second_place_of_ones_own_after_changing_its_address(person_client, person, event):
    first = RegistrationFactory(
        event=event, registered_by=person, email=person.email, is_representative=False
    )
    Registration.objects.filter(pk=first.pk).update(email="zweite.adresse@example.org")

    response = person_client.post(f"/veranstaltungen/{event.slug}/anmeldung/", SELF)

    assert response.status_code == 400
    assert "zweite.adresse@example.org" in response.content.decode()
    assert Registration.objects.filter(event=event, registered_by=person).count() == 1


def test_a_representative_may_still_be_registered_beside_oneself(person, event):
    RegistrationFactory(event=event, registered_by=person, email=person.email)
    domain = person.email.split("@")[1]
    services.registration_create(
        event=event,
        registered_by=person,
        attendee=Attendee(first_name="Vera", last_name="Treterin", email=f"vera@{domain}"),
        details=services.Details(),
        privacy_acknowledged=True,
        language="de",
    )
    assert Registration.objects.filter(event=event, registered_by=person).count() == 2


def test_the_confirmation_page_names_the_representative_on_the_waiting_list(client, event):
    registration = RegistrationFactory(
        event=event,
        first_name="Karl",
        last_name="Vertreter",
        is_representative=True,
        status=Registration.Status.WAITING,
    )
    from registrations.tokens import manage_tokens

    page = client.get(
        f"/anmeldung/{manage_tokens.make_token(registration)}/bestaetigung/"
    ).content.decode()
    assert "Karl Vertreter steht auf der Warteliste" in page
    assert "Sie stehen auf der Warteliste" not in page


def test_a_used_up_allowance_is_said_instead_of_offering_the_form(person_client, person, event):
    event.participants_per_organisation = 1
    event.save()
    colleague = ContactPersonFactory(organisation=person.organisation)
    RegistrationFactory(event=event, registered_by=colleague, email=colleague.email)

    box = person_client.get(event.get_absolute_url()).content.decode()
    form = person_client.get(f"/veranstaltungen/{event.slug}/anmeldung/").content.decode()

    for page in (box, form):
        assert "alle ihre Plätze" in page
    assert "Jetzt anmelden" not in box
    assert 'name="privacy"' not in form
    # Another organisation's contact person is still offered the form.
    other = ContactPersonFactory()
    from django.test import Client

    from registrations.middleware import SESSION_KEY

    client = Client()
    session = client.session
    session[SESSION_KEY] = {"id": other.pk, "epoch": other.session_epoch}
    session.save()
    assert (
        'name="privacy"' in client.get(f"/veranstaltungen/{event.slug}/anmeldung/").content.decode()
    )
