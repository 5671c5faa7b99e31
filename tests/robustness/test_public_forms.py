"""Registration, sign-in request, access request and the manage page, fed anything."""

from urllib.parse import quote

import pytest
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from registrations.middleware import SESSION_KEY
from registrations.models import AccessRequest, ProgrammeChoice, Registration
from registrations.tokens import manage_tokens
from tests.factories import ContactPersonFactory, EventFactory, ProgrammeItemFactory

from .strategies import (
    PROPERTY,
    assert_clear_answer,
    has_no_control_characters,
    maybe,
    nasty_text,
    rolled_back,
)

pytestmark = pytest.mark.django_db

LONGEST_ADDRESS = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".de"


@pytest.fixture
def event():
    event = EventFactory(capacity=3)
    ProgrammeItemFactory(event=event, capacity=1)
    ProgrammeItemFactory(event=event, capacity=None)
    return event


@pytest.fixture
def person_client(client):
    person = ContactPersonFactory()
    session = client.session
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    return client


def assert_valid_stored_text(instance, names):
    instance.full_clean()  # lengths, choices, e-mail syntax, constraints
    for name in names:
        assert has_no_control_characters(getattr(instance, name)), (name, getattr(instance, name))


registration_fields = st.fixed_dictionaries(
    {
        "who": maybe("self", "representative"),
        "rep_salutation": maybe("", "frau", "herr"),
        "rep_first_name": maybe("Ben"),
        "rep_last_name": maybe("Vertreter"),
        "rep_email": st.one_of(st.emails(), nasty_text),
        "rep_function": maybe("Referent"),
        "diet": maybe("none", "vegetarian", "vegan", "other"),
        "diet_notes": nasty_text,
        "accessibility_needs": nasty_text,
        "visibility": maybe("nobody", "participants", "public"),
        "message": nasty_text,
        "privacy": maybe("on"),
    },
    optional={"programme_items": st.lists(nasty_text, max_size=3)},
)


@PROPERTY
@given(data=registration_fields, use_items=st.booleans())
def test_registration_form_answers_clearly_and_stores_only_valid_data(
    person_client, event, data, use_items
):
    if use_items:
        data["programme_items"] = [
            str(pk) for pk in event.programme_items.values_list("pk", flat=True)
        ]
    with rolled_back():
        response = person_client.post(f"/veranstaltungen/{event.slug}/anmeldung/", data)

        assert_clear_answer(response, 302, 400)
        for registration in Registration.objects.filter(event=event):
            assert_valid_stored_text(
                registration,
                ["first_name", "last_name", "email", "function", "diet_notes", "message"],
            )
            assert "\x00" not in registration.accessibility_needs
        if response.status_code == 302:
            assert Registration.objects.filter(event=event).count() == 1
            choices = ProgrammeChoice.objects.filter(registration__event=event)
            assert {c.item.event_id for c in choices} <= {event.pk}


@pytest.fixture
def person(db):
    return ContactPersonFactory(email="anna@stadt.example.org")


@PROPERTY
@given(
    email=st.one_of(st.emails(), st.just("anna@stadt.example.org"), nasty_text), next_url=nasty_text
)
@example(email=LONGEST_ADDRESS, next_url="")
@example(email="anna@stadt.example.org\x00", next_url="\x00")
def test_sign_in_request_answers_clearly(client, person, email, next_url):
    with rolled_back():
        response = client.post(f"/anmelden/?next={quote(next_url)}", {"email": email})

        assert_clear_answer(response, 200, 429)
        assert response.templates[0].name in (
            "registrations/sign_in_request.html",
            "registrations/sign_in_sent.html",
        )


access_fields = st.fixed_dictionaries(
    {
        "salutation": maybe("", "frau", "herr"),
        "first_name": maybe("Clara"),
        "last_name": maybe("Neu"),
        "email": st.one_of(st.emails(), nasty_text),
        "organisation": nasty_text,
        "function": maybe("Amtsleitung"),
        "message": nasty_text,
    }
)


@PROPERTY
@given(data=access_fields, real_organisation=st.booleans())
def test_access_request_answers_clearly_and_stores_only_valid_data(
    client, person, data, real_organisation
):
    if real_organisation:
        data["organisation"] = str(person.organisation_id)
    with rolled_back():
        response = client.post("/zugang-beantragen/", data)

        assert_clear_answer(response, 200, 429)
        for request in AccessRequest.objects.all():
            assert_valid_stored_text(request, ["first_name", "last_name", "email", "function"])


@PROPERTY
@given(
    token=nasty_text,
    request=st.sampled_from(
        [
            ("get", ""),
            ("post", "", {"cancel": "1"}),
            ("post", "", {"save": "1", "diet": "none", "visibility": "nobody"}),
            ("get", "bestaetigung/"),
            ("get", "kalender.ics"),
            ("get", "uebertragen/"),
            ("post", "uebertragen/", {}),
        ]
    ),
)
def test_a_made_up_manage_link_is_not_found(client, token, request):
    method, suffix, *data = request
    with rolled_back():
        response = getattr(client, method)(f"/anmeldung/{quote(token, safe='')}/{suffix}", *data)

        assert response.status_code in (404, 301)


@PROPERTY
@given(token=nasty_text, method=st.sampled_from(["get", "post"]))
def test_a_made_up_sign_in_link_is_refused_with_a_message(client, token, method):
    path = f"/anmelden/link/{quote(token, safe='')}/"
    with rolled_back():
        response = getattr(client, method)(path)

        assert response.status_code in (400, 404, 301)
        if response.status_code == 400:
            assert response.context["error"]
        assert not client.session.get(SESSION_KEY)


@pytest.fixture
def registration(person):
    return Registration.objects.create(
        event=EventFactory(),
        registered_by=person,
        organisation=person.organisation,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        privacy_acknowledged_at=timezone.now(),
    )


manage_fields = st.fixed_dictionaries(
    {
        "diet": maybe("none", "other"),
        "diet_notes": nasty_text,
        "accessibility_needs": nasty_text,
        "visibility": maybe("public"),
        "message": nasty_text,
    },
    optional={"programme_items": st.lists(nasty_text, max_size=3)},
)


@PROPERTY
@given(data=manage_fields)
def test_manage_page_changes_answer_clearly_and_store_only_valid_data(client, registration, data):
    with rolled_back():
        response = client.post(
            f"/anmeldung/{manage_tokens.make_token(registration)}/", {"save": "1", **data}
        )

        assert_clear_answer(response, 302, 400)
        registration.refresh_from_db()
        assert_valid_stored_text(registration, ["diet_notes", "message"])
