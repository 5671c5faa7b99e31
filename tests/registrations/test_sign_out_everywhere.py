"""Signing out everywhere also voids the sign-in links requested before it: a link lying in
a mailbox someone else can read signs nobody in after its owner pressed the button."""

import pytest
from django.test import Client

from registrations.middleware import SESSION_KEY
from registrations.models import ContactPerson
from registrations.tokens import SignInLinkError, sign_in_tokens

pytestmark = pytest.mark.django_db


def test_a_sign_in_link_requested_before_sign_out_everywhere_signs_nobody_in(
    client, person, sign_in
):
    token = sign_in_tokens.make_token(person)

    sign_in(Client(), person).post("/abmelden/", {"everywhere": "1"})

    response = client.post(f"/anmelden/link/{token}/")
    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    with pytest.raises(SignInLinkError):
        sign_in_tokens.check_token(token)


def test_signing_out_on_one_device_keeps_the_link(client, person, sign_in):
    token = sign_in_tokens.make_token(person)

    sign_in(Client(), person).post("/abmelden/")

    assert sign_in_tokens.check_token(token) == person


def test_a_link_requested_after_sign_out_everywhere_works(client, person, sign_in):
    sign_in(Client(), person).post("/abmelden/", {"everywhere": "1"})
    person = ContactPerson.objects.get(pk=person.pk)

    response = client.post(f"/anmelden/link/{sign_in_tokens.make_token(person)}/")

    assert response.status_code == 302
    assert client.session[SESSION_KEY]["id"] == person.pk
