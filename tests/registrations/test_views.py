import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from events.models import Event
from registrations.middleware import SESSION_KEY
from registrations.models import AccessRequest, ContactPerson, ProgrammeChoice, Registration
from registrations.services import Details, access_request_approve, registration_create
from registrations.tokens import manage_tokens
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

SIGN_IN = "/anmelden/"
MY_REGISTRATIONS = "/meine-anmeldungen/"
ACCESS_REQUEST = "/zugang-beantragen/"


def register_url(event) -> str:
    return f"/veranstaltungen/{event.slug}/anmeldung/"


def manage_url(registration) -> str:
    return f"/anmeldung/{manage_tokens.make_token(registration)}/"


def html(response) -> str:
    return response.content.decode()


def without_csrf_tokens(response) -> str:
    """The page with its per-response CSRF token masked (it differs on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html(response))


def link_path(mail) -> str:
    """The path of the sign-in link in a mail."""
    match = re.search(r"https?://[^/\s]+(/(?:en/)?anmelden/link/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def request_link(client, email, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(SIGN_IN, {"email": email}, **extra)


def form_data(**overrides) -> dict:
    return {
        "who": "self",
        "diet": "none",
        "diet_notes": "",
        "accessibility_needs": "",
        "visibility": "nobody",
        "message": "",
        "privacy": "on",
        **overrides,
    }


def signed_in_person(client) -> int | None:
    return client.session.get(SESSION_KEY, {}).get("id")


# --- sign-in ----------------------------------------------------------------------------------


def test_sign_in_page_asks_for_the_address(client):
    response = client.get(SIGN_IN)

    assert response.status_code == 200
    assert 'name="email"' in html(response)


def test_sign_in_answers_the_same_for_every_address_and_mails_only_the_eligible(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    ContactPersonFactory(email="listed@stadt.example.org")
    ContactPersonFactory(email="inactive@stadt.example.org", is_active=False)
    former = MemberOrganisationFactory(member_until=timezone.localdate() - timedelta(days=1))
    ContactPersonFactory(email="former@stadt.example.org", organisation=former)
    addresses = [
        "listed@stadt.example.org",
        "unlisted@stadt.example.org",
        "inactive@stadt.example.org",
        "former@stadt.example.org",
    ]

    responses = [
        request_link(Client(), email, django_capture_on_commit_callbacks) for email in addresses
    ]

    assert {r.status_code for r in responses} == {200}
    assert len({without_csrf_tokens(r) for r in responses}) == 1
    assert "Bitte prüfen Sie Ihr Postfach" in html(responses[0])
    assert [m.to for m in mailoutbox] == [["listed@stadt.example.org"]]


def test_sign_in_link_asks_for_a_click_and_signs_in_once(
    client, person, django_capture_on_commit_callbacks, mailoutbox
):
    request_link(client, person.email, django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])

    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Jetzt einloggen" in html(confirm)
    assert client.get(path).status_code == 200  # a prefetching mail scanner uses nothing up
    person.refresh_from_db()
    assert person.last_login is None
    assert signed_in_person(client) is None

    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == MY_REGISTRATIONS
    assert signed_in_person(client) == person.pk
    assert client.get(MY_REGISTRATIONS).status_code == 200

    again = Client().post(path)
    assert again.status_code == 400
    assert "bereits verwendet" in html(again)
    assert Client().get(path).status_code == 400


def test_sign_in_link_expires_after_the_configured_age(
    client, person, settings, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SIGN_IN_LINK_MAX_AGE = 15 * 60
    request_link(client, person.email, django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])
    assert "15 Minuten" in mailoutbox[0].body
    real = signing.time.time
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: real() + 15 * 60 + 1))

    response = client.post(path)

    assert response.status_code == 400
    assert "abgelaufen" in html(response)
    assert signed_in_person(client) is None


@pytest.mark.parametrize(
    "path",
    [
        lambda token: f"/anmelden/link/{token[:-2]}xx/",
        lambda token: f"/anmelden/link/{token.replace(':', '.', 1)}/",
        lambda token: "/anmelden/link/erfunden/",
    ],
    ids=["changed-signature", "changed-payload", "made-up"],
)
def test_tampered_sign_in_link_is_refused(client, person, path):
    from registrations.tokens import sign_in_tokens

    response = client.post(path(sign_in_tokens.make_token(person)))

    assert response.status_code == 400
    assert "ungültig" in html(response)
    assert signed_in_person(client) is None


def test_sign_in_returns_to_the_page_that_asked_for_it(
    client, person, event, django_capture_on_commit_callbacks, mailoutbox
):
    response = client.get(register_url(event))
    assert response.status_code == 302
    client.get(response["Location"])
    request_link(client, person.email, django_capture_on_commit_callbacks)

    response = client.post(link_path(mailoutbox[0]))

    assert response["Location"] == register_url(event)


def test_sign_in_ignores_a_next_address_on_another_site(
    client, person, django_capture_on_commit_callbacks, mailoutbox
):
    client.get(SIGN_IN, {"next": "https://evil.example.org/"})
    request_link(client, person.email, django_capture_on_commit_callbacks)

    response = client.post(link_path(mailoutbox[0]))

    assert response["Location"] == MY_REGISTRATIONS


def test_sign_in_rate_limit_per_address_answers_neutrally_and_sends_nothing(
    client, person, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SIGN_IN_RATE_PER_ADDRESS = 2
    settings.SIGN_IN_RATE_PER_IP = 100
    for n in range(2):
        response = request_link(
            client, person.email, django_capture_on_commit_callbacks, REMOTE_ADDR=f"10.0.0.{n}"
        )
        assert response.status_code == 200

    response = request_link(
        client, person.email, django_capture_on_commit_callbacks, REMOTE_ADDR="10.0.0.9"
    )

    assert response.status_code == 200
    assert "Zu viele Anfragen" not in html(response)
    assert len(mailoutbox) == 2


def test_sign_in_rate_limit_per_client_address_answers_429(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SIGN_IN_RATE_PER_ADDRESS = 100
    settings.SIGN_IN_RATE_PER_IP = 3
    for n in range(3):
        assert client.post(SIGN_IN, {"email": f"p{n}@example.org"}).status_code == 200

    assert client.post(SIGN_IN, {"email": "p9@example.org"}).status_code == 429
    other = client.post(SIGN_IN, {"email": "p9@example.org"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_behind_a_proxy_the_rate_limit_counts_the_forwarded_client(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGN_IN_RATE_PER_ADDRESS = 100
    settings.SIGN_IN_RATE_PER_IP = 1
    assert (
        client.post(
            SIGN_IN, {"email": "a@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.1"
        ).status_code
        == 200
    )

    # The proxy's own address is the same for everybody; a second client is not limited.
    second = client.post(SIGN_IN, {"email": "b@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.2")
    same = client.post(SIGN_IN, {"email": "c@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert second.status_code == 200
    assert same.status_code == 429


# --- sign-out -----------------------------------------------------------------------------------


def test_sign_out_ends_the_session(person_client):
    response = person_client.post("/abmelden/")

    assert response.status_code == 302
    assert signed_in_person(person_client) is None
    assert person_client.get(MY_REGISTRATIONS).status_code == 302


def test_sign_out_needs_a_post(person_client):
    """GET shows a page with the sign-out button (tests/site/test_error_pages.py) and keeps
    the session."""
    assert person_client.get("/abmelden/").status_code == 200
    assert person_client.get(MY_REGISTRATIONS).status_code == 200


def test_sign_out_everywhere_ends_the_sessions_on_other_devices(person, sign_in):
    laptop = sign_in(Client(), person)
    phone = sign_in(Client(), person)
    assert phone.get(MY_REGISTRATIONS).status_code == 200

    laptop.post("/abmelden/", {"everywhere": "1"})

    response = phone.get(MY_REGISTRATIONS)
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


def test_plain_sign_out_leaves_other_devices_signed_in(person, sign_in):
    laptop = sign_in(Client(), person)
    phone = sign_in(Client(), person)

    laptop.post("/abmelden/")

    assert phone.get(MY_REGISTRATIONS).status_code == 200


def test_deactivating_a_contact_person_ends_their_session(person_client, person):
    ContactPerson.objects.filter(pk=person.pk).update(is_active=False)

    assert person_client.get(MY_REGISTRATIONS).status_code == 302


# --- access requests ------------------------------------------------------------------------------


def access_form(organisation, **overrides) -> dict:
    return {
        "salutation": "herr",
        "first_name": "Ben",
        "last_name": "Neu",
        "email": "ben.neu@stadt.example.org",
        "organisation": str(organisation.pk),
        "function": "Referent Stadtentwicklung",
        "message": "Ich vertrete Frau Beispiel.",
        **overrides,
    }


def test_access_request_form_offers_only_current_members(client):
    current = MemberOrganisationFactory(name="Stadt Leipzig")
    MemberOrganisationFactory(
        name="Stadt Ehemalig", member_until=timezone.localdate() - timedelta(days=1)
    )

    response = client.get(ACCESS_REQUEST)

    assert response.status_code == 200
    assert f'value="{current.pk}"' in html(response)
    assert "Stadt Ehemalig" not in html(response)


def test_access_request_approved_by_staff_leads_to_a_working_sign_in(
    client, admin_user, django_capture_on_commit_callbacks, mailoutbox
):
    organisation = MemberOrganisationFactory()

    response = client.post(ACCESS_REQUEST, access_form(organisation))

    assert response.status_code == 200
    assert "Anfrage eingegangen" in html(response)
    access_request = AccessRequest.objects.get()
    assert access_request.status == AccessRequest.Status.PENDING
    assert access_request.email == "ben.neu@stadt.example.org"
    assert not ContactPerson.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        person = access_request_approve(access_request=access_request, user=admin_user)

    [mail] = mailoutbox
    assert mail.to == ["ben.neu@stadt.example.org"]
    assert mail.subject == "Ihr Zugang zur Anmeldung für das Difu-Jahrestreffen"
    response = client.post(link_path(mail))
    assert response.status_code == 302
    assert signed_in_person(client) == person.pk
    assert person.organisation == organisation


def test_second_access_request_for_a_pending_address_creates_none(client):
    organisation = MemberOrganisationFactory()
    client.post(ACCESS_REQUEST, access_form(organisation))

    response = client.post(
        ACCESS_REQUEST, access_form(organisation, email="BEN.NEU@stadt.example.org")
    )

    assert response.status_code == 200
    assert "Anfrage eingegangen" in html(response)
    assert AccessRequest.objects.count() == 1


def test_access_request_needs_the_required_fields(client):
    organisation = MemberOrganisationFactory()

    response = client.post(ACCESS_REQUEST, access_form(organisation, function="", email="x"))

    assert response.status_code == 200
    assert not AccessRequest.objects.exists()
    assert set(response.context["form"].errors) == {"function", "email"}


def test_access_request_is_rate_limited(client, settings):
    settings.SIGN_IN_RATE_PER_ADDRESS = 1
    organisation = MemberOrganisationFactory()
    client.post(ACCESS_REQUEST, access_form(organisation))

    response = client.post(ACCESS_REQUEST, access_form(organisation))

    assert "Zu viele Anfragen" not in html(response)
    assert AccessRequest.objects.count() == 1


# --- my registrations -----------------------------------------------------------------------------


def test_my_registrations_needs_sign_in(client):
    response = client.get(MY_REGISTRATIONS)

    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?next={MY_REGISTRATIONS}"


def test_my_registrations_lists_own_and_representatives_but_not_others(person_client, person):
    event = EventFactory(title="Jahrestreffen Leipzig")
    RegistrationFactory(event=event, registered_by=person)
    RegistrationFactory(
        event=event,
        registered_by=person,
        first_name="Vera",
        last_name="Vertretung",
        email="vera@example.org",
        is_representative=True,
    )
    colleague = ContactPersonFactory(organisation=person.organisation, last_name="Kollegin")
    RegistrationFactory(event=event, registered_by=colleague)
    RegistrationFactory(event=event, first_name="Fremd", last_name="Person")

    response = person_client.get(MY_REGISTRATIONS)

    page = html(response)
    assert response.status_code == 200
    assert page.count("Jahrestreffen Leipzig</a>") == 2
    assert person.last_name in page
    assert "Vera Vertretung" in page
    assert "Vertretung</span>" in page  # the representative badge
    assert "Kollegin" not in page
    assert "Fremd Person" not in page
    tokens = set(re.findall(r"/anmeldung/([^/]+)/", page))
    assert tokens == {
        manage_tokens.make_token(r) for r in Registration.objects.filter(registered_by=person)
    }


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_registrations(person, n):
    for _ in range(n):
        event = EventFactory()
        items = ProgrammeItemFactory.create_batch(2, event=event)
        registration = RegistrationFactory(
            event=event,
            registered_by=person,
            email=f"rep-{event.pk}@example.org",
            is_representative=True,
        )
        for item in items:
            ProgrammeChoiceFactory(registration=registration, item=item)


def test_my_registrations_query_count_does_not_grow(
    person_client, person, django_assert_max_num_queries
):
    add_registrations(person, 1)
    few = count_queries(person_client, MY_REGISTRATIONS)
    add_registrations(person, 10)

    with django_assert_max_num_queries(5):
        many = count_queries(person_client, MY_REGISTRATIONS)

    assert many == few


# --- the registration form ------------------------------------------------------------------------


def test_registration_form_needs_sign_in(client, event):
    response = client.get(register_url(event))

    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?next={register_url(event)}"


def test_registration_form_shows_the_directory_data(person_client, person, event):
    response = person_client.get(register_url(event))

    page = html(response)
    assert response.status_code == 200
    assert "Ihre Angaben aus dem Zuwenderverzeichnis" in page
    assert person.full_name in page
    assert person.organisation.name in page
    assert person.email in page


def test_registration_form_of_an_unpublished_event_is_not_found(person_client):
    assert person_client.get(register_url(EventFactory(published=False))).status_code == 404


def test_registration_form_query_count_does_not_grow(
    person_client, person, django_assert_max_num_queries
):
    event = EventFactory(capacity=500)
    ProgrammeItemFactory(event=event, capacity=50)
    RegistrationFactory(event=event)
    url = register_url(event)
    few = count_queries(person_client, url)
    for item in ProgrammeItemFactory.create_batch(10, event=event, capacity=50):
        for registration in RegistrationFactory.create_batch(3, event=event):
            ProgrammeChoiceFactory(registration=registration, item=item)

    # 8: the organisation's places used are counted for the notice above the form.
    with django_assert_max_num_queries(8):
        many = count_queries(person_client, url)

    assert many == few


def test_registering_oneself(person_client, person, event, django_capture_on_commit_callbacks):
    item = ProgrammeItemFactory(event=event, title="Stadtrundgang")

    with django_capture_on_commit_callbacks(execute=True):
        response = person_client.post(
            register_url(event),
            form_data(programme_items=[str(item.pk)], diet="vegetarian", visibility="participants"),
        )

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert (
        response["Location"] == f"/anmeldung/{manage_tokens.make_token(registration)}/bestaetigung/"
    )
    assert registration.registered_by == person
    assert registration.email == person.email
    assert not registration.is_representative
    assert registration.language == "de"
    assert (registration.diet, registration.visibility) == ("vegetarian", "participants")
    assert registration.programme_choices.get().item == item
    done = person_client.get(response["Location"])
    assert "Vielen Dank für Ihre Anmeldung" in html(done)
    assert "Stadtrundgang" in html(done)


def test_registering_a_representative(person_client, person, event):
    response = person_client.post(
        register_url(event),
        form_data(
            who="representative",
            rep_first_name="Vera",
            rep_last_name="Vertretung",
            rep_email="Vera@Stadt.Example.org",
            rep_function="Amtsleitung",
        ),
    )

    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.is_representative
    assert registration.registered_by == person
    assert (registration.full_name, registration.email) == (
        "Vera Vertretung",
        "vera@stadt.example.org",
    )
    assert registration.organisation == person.organisation


def test_representative_needs_name_and_address(person_client, event):
    response = person_client.post(register_url(event), form_data(who="representative"))

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"rep_first_name", "rep_last_name", "rep_email"}
    assert "Bitte füllen Sie dieses Feld für Ihre Vertretung aus." in html(response)
    assert not Registration.objects.exists()


def test_registration_form_needs_the_privacy_acknowledgement(person_client, event):
    data = form_data()
    del data["privacy"]

    response = person_client.post(register_url(event), data)

    assert response.status_code == 400
    assert "Datenschutzhinweise gelesen" in html(response)
    assert not Registration.objects.exists()


def test_registration_form_shows_a_refusal_by_the_rules(person_client, person, event):
    RegistrationFactory(event=event, registered_by=person)

    response = person_client.post(register_url(event), form_data())

    assert response.status_code == 400
    assert "ist bereits zu dieser Veranstaltung angemeldet" in html(response)
    assert Registration.objects.count() == 1


def test_registration_form_says_when_the_waiting_list_applies(person_client, person):
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event)

    page = html(person_client.get(register_url(event)))
    response = person_client.post(register_url(event), form_data())

    assert "Warteliste" in page
    registration = Registration.objects.get(email=person.email)
    assert registration.status == "waiting"
    done = html(person_client.get(response["Location"]))
    assert "Sie stehen auf der Warteliste" in done


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Event.Status.CANCELLED},
        {"status": Event.Status.POSTPONED},
        {"registration_opens_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["cancelled", "postponed", "not-yet-open"],
)
def test_registration_form_is_not_offered_outside_the_rules(person_client, changes):
    event = EventFactory(**changes)

    response = person_client.get(register_url(event))

    assert response.status_code == 200
    assert 'name="privacy"' not in html(response)
    assert response.context["state"] != "open"


def test_registration_in_english_is_stored_with_its_language(person_client, event):
    response = person_client.post(f"/en{register_url(event)}", form_data())

    assert response.status_code == 302
    assert response["Location"].startswith("/en/anmeldung/")
    assert Registration.objects.get().language == "en"


# --- the manage page ------------------------------------------------------------------------------


def registered(event, person, items=()) -> Registration:
    return registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=Details(programme_item_ids=[item.pk for item in items]),
        privacy_acknowledged=True,
        language="de",
    )


def test_manage_page_shows_the_registration_without_sign_in(client, person, event):
    registration = registered(event, person)

    response = client.get(manage_url(registration))

    assert response.status_code == 200
    assert person.full_name in html(response)
    assert event.title in html(response)
    assert 'name="cancel"' in html(response)
    assert 'name="save"' in html(response)


def test_manage_page_saves_changes(client, person, event):
    first, second = ProgrammeItemFactory.create_batch(2, event=event)
    registration = registered(event, person, items=[first])

    response = client.post(
        manage_url(registration),
        {
            "save": "1",
            "programme_items": [str(second.pk)],
            "diet": "other",
            "diet_notes": "Laktosefrei",
            "accessibility_needs": "",
            "visibility": "public",
            "message": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Ihre Änderungen wurden gespeichert." in html(response)
    registration.refresh_from_db()
    assert (registration.diet, registration.diet_notes) == ("other", "Laktosefrei")
    assert registration.visibility == "public"
    assert set(
        registration.programme_choices.exclude(status="cancelled").values_list("item", flat=True)
    ) == {second.pk}


def test_manage_page_cancels_and_promotes_the_next(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(capacity=1)
    registration = registered(event, ContactPersonFactory())
    waiting = registered(event, ContactPersonFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage_url(registration), {"cancel": "1", "sure": "1"}, follow=True)

    assert "Ihre Anmeldung wurde storniert." in html(response)
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert registration.status == "cancelled"
    assert waiting.status == "confirmed"
    assert {m.to[0] for m in mailoutbox} == {registration.email, waiting.email}
    assert 'name="cancel"' not in html(response)


def test_manage_page_refuses_changes_after_the_deadline(client, person, event):
    registration = registered(event, person)
    Event.objects.filter(pk=event.pk).update(changes_close_at=timezone.now() - timedelta(minutes=1))

    page = client.get(manage_url(registration))
    response = client.post(
        manage_url(registration),
        {"save": "1", "diet": "vegan", "visibility": "nobody"},
    )
    cancel = client.post(manage_url(registration), {"cancel": "1"})

    assert 'name="save"' not in html(page)
    assert "Frist für Änderungen ist abgelaufen" in html(response)
    assert response.status_code == 400
    assert cancel.status_code == 400
    registration.refresh_from_db()
    assert registration.diet == "none"
    assert registration.status == "confirmed"


def test_manage_page_offers_a_calendar_file(client, person, event):
    registration = registered(event, person)

    response = client.get(f"{manage_url(registration)}kalender.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    assert f'filename="{event.slug}.ics"' in response["Content-Disposition"]
    vevents = Calendar.from_ical(response.content).walk("VEVENT")
    assert [v.decoded("dtstart").date() for v in vevents] == [d.date for d in event.sorted_days]


# --- resending the manage link --------------------------------------------------------------------


def test_resend_link_answers_the_same_and_mails_only_registered_addresses(
    client, person, event, django_capture_on_commit_callbacks, mailoutbox
):
    registration = registered(event, person)
    url = f"/veranstaltungen/{event.slug}/link-erneut/"
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": person.email})
        unknown = client.post(url, {"email": "unbekannt@example.org"})

    assert known.status_code == unknown.status_code == 200
    assert html(known) == html(unknown)
    [mail] = mailoutbox
    assert mail.to == [person.email]
    assert manage_tokens.make_token(registration) in mail.body


def test_resend_link_is_rate_limited(
    client, person, event, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SIGN_IN_RATE_PER_ADDRESS = 1
    registered(event, person)
    mailoutbox.clear()
    url = f"/veranstaltungen/{event.slug}/link-erneut/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": person.email})
        response = client.post(url, {"email": person.email})

    assert response.status_code == 200  # the same neutral answer, and no second mail
    assert "Zu viele Anfragen" not in html(response)
    assert len(mailoutbox) == 1


def test_manage_page_query_count_does_not_grow_with_programme_items(
    client, django_assert_max_num_queries
):
    counts = []
    for n in (1, 8):
        event = EventFactory()
        items = ProgrammeItemFactory.create_batch(n, event=event, capacity=10)
        registration = registered(event, ContactPersonFactory(), items=items)
        assert ProgrammeChoice.objects.filter(registration=registration).count() == n
        # The sixth: the event's materials, listed for a confirmed registration.
        with django_assert_max_num_queries(6):
            counts.append(count_queries(client, manage_url(registration)))

    assert counts[0] == counts[1]
