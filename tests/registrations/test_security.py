import re
import secrets
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from registrations.middleware import SESSION_KEY
from registrations.models import ContactPerson, ProgrammeChoice, Registration
from registrations.services import Attendee, Details, registration_create
from registrations.tokens import manage_tokens, sign_in_tokens
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    ProgrammeItemFactory,
)

pytestmark = pytest.mark.django_db


def register_url(event) -> str:
    return f"/veranstaltungen/{event.slug}/anmeldung/"


def manage_url(registration) -> str:
    return f"/anmeldung/{manage_tokens.make_token(registration)}/"


def form_data(**overrides) -> dict:
    return {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on", **overrides}


def registered(event, person, items=()) -> Registration:
    return registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=Details(programme_item_ids=[item.pk for item in items]),
        privacy_acknowledged=True,
        language="de",
    )


def csrf_token(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


# --- manage links ------------------------------------------------------------------------------


@pytest.fixture
def registration(event, person):
    return registered(event, person)


@pytest.mark.parametrize(
    "guess",
    [
        lambda token: secrets.token_urlsafe(32),
        lambda token: token[:-1],
        lambda token: token + "x",
        lambda token: token.swapcase(),
        lambda token: "1",
        lambda token: "%27%20OR%201%3D1--",
    ],
    ids=["random", "truncated", "extended", "other-case", "number", "sql"],
)
@pytest.mark.parametrize("suffix", ["", "bestaetigung/", "kalender.ics"])
def test_guessed_manage_tokens_find_nothing(client, registration, guess, suffix):
    token = guess(manage_tokens.make_token(registration))
    assert token != manage_tokens.make_token(registration)

    response = client.get(f"/anmeldung/{token}/{suffix}")

    assert response.status_code == 404


def test_guessed_manage_token_cannot_cancel_anything(client, registration):
    response = client.post(f"/anmeldung/{secrets.token_urlsafe(32)}/", {"cancel": "1"})

    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_manage_page_is_kept_out_of_search_engines_and_referrers(client, registration):
    response = client.get(manage_url(registration))

    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_manage_page_of_one_registration_shows_no_one_else(client, event, registration):
    other = registered(event, ContactPersonFactory(last_name="Andere", email="andere@example.org"))

    page = client.get(manage_url(registration)).content.decode()

    assert "Andere" not in page
    assert "andere@example.org" not in page
    assert manage_tokens.make_token(other) not in page


# --- programme items of another event -------------------------------------------------------------


def test_registration_post_with_another_events_item_stores_nothing(person_client, event):
    own = ProgrammeItemFactory(event=event)
    foreign = ProgrammeItemFactory(event=EventFactory())

    response = person_client.post(
        register_url(event), form_data(programme_items=[str(own.pk), str(foreign.pk)])
    )

    assert response.status_code == 400
    assert "programme_items" in response.context["form"].errors
    assert not Registration.objects.exists()
    assert not ProgrammeChoice.objects.exists()


def test_manage_post_with_another_events_item_changes_nothing(client, event, person):
    own = ProgrammeItemFactory(event=event)
    foreign = ProgrammeItemFactory(event=EventFactory(), capacity=1)
    registration = registered(event, person, items=[own])

    response = client.post(
        manage_url(registration),
        {
            "save": "1",
            "programme_items": [str(foreign.pk)],
            "diet": "vegan",
            "visibility": "public",
        },
    )

    assert response.status_code == 400
    registration.refresh_from_db()
    assert registration.diet == "none"
    assert list(registration.programme_choices.values_list("item", "status")) == [
        (own.pk, "confirmed")
    ]
    assert not ProgrammeChoice.objects.filter(item=foreign).exists()


# --- who may register ---------------------------------------------------------------------------


def test_crafted_post_without_sign_in_registers_nobody(client, event, person):
    response = client.post(
        register_url(event),
        form_data(
            who="representative",
            rep_first_name="Eve",
            rep_last_name="Eindringling",
            rep_email="eve@example.org",
            registered_by=str(person.pk),
            organisation=str(person.organisation.pk),
        ),
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/anmelden/")
    assert not Registration.objects.exists()


def test_posted_identity_fields_are_ignored(person_client, person, event):
    victim = ContactPersonFactory(email="opfer@example.org")

    person_client.post(
        register_url(event),
        form_data(
            email=victim.email,
            registered_by=str(victim.pk),
            organisation=str(victim.organisation.pk),
            status="confirmed",
            manage_token="chosen-by-the-attacker",
        ),
    )

    registration = Registration.objects.get()
    assert registration.registered_by == person
    assert registration.email == person.email
    assert registration.organisation == person.organisation
    assert manage_tokens.make_token(registration) != "chosen-by-the-attacker"


def test_signed_in_session_of_a_former_member_cannot_register(person_client, person, event):
    assert person_client.get(register_url(event)).status_code == 200
    organisation = person.organisation
    organisation.member_until = timezone.localdate() - timedelta(days=1)
    organisation.save()

    response = person_client.post(register_url(event), form_data())

    assert response.status_code == 302
    assert response["Location"].startswith("/anmelden/")
    assert not Registration.objects.exists()
    assert SESSION_KEY not in person_client.session


def test_signed_in_session_of_a_deactivated_person_cannot_register(person_client, person, event):
    ContactPerson.objects.filter(pk=person.pk).update(is_active=False)

    response = person_client.post(register_url(event), form_data())

    assert response.status_code == 302
    assert not Registration.objects.exists()


def test_forged_session_epoch_is_not_accepted(client, person, sign_in):
    sign_in(client, person)
    session = client.session
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch + 1}
    session.save()

    assert client.get("/meine-anmeldungen/").status_code == 302


def test_signing_in_gives_a_new_session_key(client, person):
    client.get("/anmelden/")
    client.session.save()
    before = client.cookies["sessionid"].value

    client.post(f"/anmelden/link/{sign_in_tokens.make_token(person)}/")

    assert client.cookies["sessionid"].value != before
    assert client.session[SESSION_KEY]["id"] == person.pk


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.org/", "//evil.example.org/", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_off_site(client, person, next_url):
    client.get("/anmelden/", {"next": next_url})

    response = client.post(f"/anmelden/link/{sign_in_tokens.make_token(person)}/")

    assert response["Location"] == "/meine-anmeldungen/"


# --- CSRF -----------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_registration_post_without_csrf_token_is_refused(csrf_client, person, event, sign_in):
    sign_in(csrf_client, person)

    response = csrf_client.post(register_url(event), form_data())

    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_registration_post_with_csrf_token_goes_through(csrf_client, person, event, sign_in):
    sign_in(csrf_client, person)
    token = csrf_token(csrf_client, register_url(event))

    response = csrf_client.post(register_url(event), form_data(csrfmiddlewaretoken=token))

    assert response.status_code == 302
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("action", [{"cancel": "1"}, {"save": "1", "diet": "vegan"}])
def test_manage_post_without_csrf_token_is_refused(csrf_client, registration, action):
    response = csrf_client.post(manage_url(registration), {"visibility": "nobody", **action})

    assert response.status_code == 403
    registration.refresh_from_db()
    assert (registration.status, registration.diet) == ("confirmed", "none")


def test_sign_in_request_without_csrf_token_is_refused(
    csrf_client, person, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_client.post("/anmelden/", {"email": person.email})

    assert response.status_code == 403
    assert not mailoutbox


def test_sign_in_link_post_without_csrf_token_is_refused(csrf_client, person):
    response = csrf_client.post(f"/anmelden/link/{sign_in_tokens.make_token(person)}/")

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.last_login is None


def test_sign_out_and_access_request_without_csrf_token_are_refused(csrf_client, person, sign_in):
    sign_in(csrf_client, person)

    assert csrf_client.post("/abmelden/", {"everywhere": "1"}).status_code == 403
    assert csrf_client.post("/zugang-beantragen/", {}).status_code == 403
    person.refresh_from_db()
    assert person.session_epoch == 0


# --- probing the directory ------------------------------------------------------------------------


def test_sign_in_page_answers_the_same_for_listed_and_unlisted_addresses(
    django_capture_on_commit_callbacks,
):
    ContactPersonFactory(email="listed@stadt.example.org")
    pages = []
    for email in ["listed@stadt.example.org", "unlisted@stadt.example.org"]:
        client = Client(enforce_csrf_checks=True)
        token = csrf_token(client, "/anmelden/")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/anmelden/", {"email": email, "csrfmiddlewaretoken": token})
        pages.append(
            (
                response.status_code,
                re.sub(r'value="[^"]*"', "", response.content.decode()),
                sorted(k for k in response.headers if k != "Set-Cookie"),
            )
        )

    assert pages[0] == pages[1]
    assert pages[0][0] == 200


def test_access_request_page_answers_the_same_for_new_and_pending_addresses(client):
    organisation = MemberOrganisationFactory()
    data = {
        "first_name": "Ben",
        "last_name": "Neu",
        "email": "ben@example.org",
        "organisation": str(organisation.pk),
        "function": "Referent",
    }

    first = client.post("/zugang-beantragen/", data)
    second = client.post("/zugang-beantragen/", data)

    assert first.status_code == second.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.content.decode())  # noqa: E731
    assert strip(first) == strip(second)


# --- mail content from registrants -------------------------------------------------------------


def test_markup_typed_by_a_registrant_is_escaped_in_the_html_mail(
    person, event, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(
            event=event,
            registered_by=person,
            attendee=Attendee(
                first_name='<img src="https://evil.example.org/x.png">',
                last_name="Vertretung",
                email="vera@stadt.example.org",
                function="<script>alert(1)</script>",
            ),
            details=Details(),
            privacy_acknowledged=True,
            language="de",
        )

    # The representative's confirmation (the contact person's notice names them too).
    [message] = [m for m in mailoutbox if m.to == ["vera@stadt.example.org"]]
    [(html, _)] = message.alternatives
    assert all("<img" not in m.alternatives[0][0] for m in mailoutbox)
    assert "<img" not in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
