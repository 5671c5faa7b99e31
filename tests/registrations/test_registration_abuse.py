"""The registration form is no mail relay and no directory oracle: representatives only at
the organisation's domains, a rate limit per contact person and manage link, one person
per event whatever their address looks like, and refusals that tell a contact person
nothing about someone else's registration."""

import re

import pytest
from django.utils import translation

from events.models import OrganiserContact
from registrations.mail import render
from registrations.models import OutboxMessage, Registration
from registrations.services import (
    Attendee,
    Details,
    RateLimited,
    RegistrationError,
    registration_cancel,
    registration_create,
)
from registrations.tokens import manage_tokens
from tests.factories import ContactPersonFactory, MemberOrganisationFactory

pytestmark = pytest.mark.django_db


def register(event, person, email=None, **attendee):
    return registration_create(
        event=event,
        registered_by=person,
        attendee=Attendee(first_name="Vera", last_name="Vertretung", email=email, **attendee)
        if email
        else None,
        details=Details(),
        privacy_acknowledged=True,
        language="de",
    )


def form_data(**overrides) -> dict:
    return {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on", **overrides}


def as_representative(email) -> dict:
    return form_data(
        who="representative", rep_first_name="Vera", rep_last_name="Vertretung", rep_email=email
    )


def register_url(event) -> str:
    return f"/veranstaltungen/{event.slug}/anmeldung/"


@pytest.fixture
def leipzig():
    return MemberOrganisationFactory(email_domains="leipzig.de, Stadt-Leipzig.DE")


# --- 4: representatives at the organisation's domains -----------------------------------------


@pytest.mark.parametrize(
    "email",
    ["vera@leipzig.de", "VERA@stadt-leipzig.de", "vera@amt.leipzig.de", "vera@ＬＥＩＰＺＩＧ.de"],
)
def test_a_representative_at_one_of_the_organisations_domains_is_registered(event, leipzig, email):
    person = ContactPersonFactory(organisation=leipzig, email="anna@leipzig.de")

    assert register(event, person, email).is_representative


@pytest.mark.parametrize(
    "email",
    [
        "vera@gmail.example",
        "vera@evil-leipzig.de",
        "vera@leipzig.de.evil.example",
        "vera@leipzig.dee",
        "leipzig.de@evil.example",
    ],
)
def test_a_representative_elsewhere_is_refused_naming_the_allowed_domains(event, leipzig, email):
    person = ContactPersonFactory(organisation=leipzig, email="anna@leipzig.de")

    with pytest.raises(RegistrationError) as exc:
        register(event, person, email)

    assert exc.value.code == "representative_domain"
    assert "(leipzig.de, stadt-leipzig.de)" in exc.value.messages[0]
    assert not Registration.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_without_configured_domains_the_contact_persons_own_domain_counts(event, person):
    assert person.organisation.email_domains == ""

    assert register(event, person, "vera@stadt.example.org").is_representative
    with pytest.raises(RegistrationError) as exc:
        register(event, person, "vera@elsewhere.example.org")
    assert "(stadt.example.org)" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("", "Die E-Mail-Adresse einer Vertretung muss zu Ihrer Organisation gehören"),
        ("/en", "A representative's e-mail address must belong to your organisation"),
    ],
)
def test_the_form_shows_the_domain_refusal_at_the_address(
    client, sign_in, event, leipzig, prefix, message
):
    person = ContactPersonFactory(organisation=leipzig, email="anna@leipzig.de")
    sign_in(client, person)

    response = client.post(prefix + register_url(event), as_representative("vera@evil.example"))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["rep_email"]
    assert errors["rep_email"][0].startswith(message.replace("'", "'"))
    assert "leipzig.de, stadt-leipzig.de" in errors["rep_email"][0]
    assert not Registration.objects.exists()


# --- 4: rate limit per contact person and manage link ------------------------------------------


def test_registrations_over_the_limit_per_person_are_refused_and_send_nothing(
    event, person, settings
):
    settings.REGISTRATION_RATE_PER_PERSON = 2
    register(event, person, "eins@stadt.example.org")
    registration_cancel(registration=Registration.objects.get())  # counts too
    sent = OutboxMessage.objects.count()

    with pytest.raises(RateLimited) as exc:
        register(event, person, "zwei@stadt.example.org")

    assert exc.value.code == "rate_limited"
    assert "zu oft angemeldet oder abgesagt" in exc.value.messages[0]
    assert OutboxMessage.objects.count() == sent
    assert Registration.objects.count() == 1
    other = ContactPersonFactory(organisation=person.organisation)
    assert register(event, other, "zwei@stadt.example.org")  # the limit is per person


def test_cancelling_through_manage_links_over_the_limit_is_refused(client, event, person, settings):
    settings.REGISTRATION_RATE_PER_PERSON = 2
    first = register(event, person, "eins@stadt.example.org")
    second = register(event, person, "zwei@stadt.example.org")
    settings.REGISTRATION_RATE_PER_PERSON = 3
    client.post(f"/anmeldung/{manage_tokens.make_token(first)}/", {"cancel": "1", "sure": "1"})
    sent = OutboxMessage.objects.count()

    response = client.post(
        f"/en/anmeldung/{manage_tokens.make_token(second)}/",
        {"cancel": "1", "sure": "1"},
        follow=True,
    )

    assert "too often in a short time" in response.content.decode()
    second.refresh_from_db()
    assert second.is_active
    assert OutboxMessage.objects.count() == sent


def test_staff_cancellations_are_not_rate_limited(event, person, settings):
    settings.REGISTRATION_RATE_PER_PERSON = 1
    registration = register(event, person)

    registration_cancel(registration=registration, by_organiser=True)

    assert not Registration.objects.active().exists()


# --- 4: typed text never becomes a link in a mail ------------------------------------------------

TYPED = "http://evil.example/x www.evil.example mailto:a@evil.example vera@evil.example"


def test_typed_text_never_becomes_a_link_in_the_html_part_of_any_mail(event, person, settings):
    registration = register(
        event, person, "vera@stadt.example.org", function=TYPED, academic_title="http://evil.x"
    )
    Registration.objects.filter(pk=registration.pk).update(message=TYPED, diet_notes=TYPED)
    kinds = [
        kind
        for kind in OutboxMessage.Kind.values
        if kind in render.TEMPLATES
        # not about a registration, or needing a payload of their own
        and kind
        not in {"sign_in_link", "access_approved", "access_rejected", "event_cancelled_access"}
        and kind not in {"replacement_invitation", "item_promotion"}
    ]
    manage = manage_tokens.make_token(registration)

    for kind in kinds:
        message = OutboxMessage(
            kind=kind,
            recipient=registration.email,
            language="de",
            event=event,
            registration=registration,
            payload={
                "subject": TYPED,
                "body": f"{TYPED}\n{{manage_url}}",
                "email": "neu@stadt.example.org",  # a new address to confirm
            },
        )
        subject, text, html, _ = render.render(message)
        hrefs = re.findall(r"""<a\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""", html, re.I)
        assert all(h.startswith(settings.SITE_URL + "/") for h in hrefs), (kind, hrefs)
        assert "evil" not in "".join(hrefs), kind
        if kind in {"confirmation", "staff_message"}:
            assert any(f"/anmeldung/{manage}/" in h for h in hrefs), kind
            assert "evil.example/x" in html  # shown, as text


# --- 10: one person, however the address is written ---------------------------------------------

LOOKALIKES = [
    "ＶＥＲＡ@ｓｔａｄｔ.example.org",  # fullwidth letters
    "vera@stadt.exam\u200bple.org",  # zero-width space in the domain
    "Vera@Stadt.Example.ORG",  # upper case
    " vera@stadt.example.org\u00ad",  # soft hyphen, surrounding space
]


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_a_lookalike_address_is_the_same_person_in_the_service(event, person, lookalike):
    register(event, person, "vera@stadt.example.org")

    with pytest.raises(RegistrationError) as exc:
        register(event, person, lookalike)

    assert exc.value.code == "duplicate"
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_a_lookalike_address_is_the_same_person_in_the_public_form(person_client, event, lookalike):
    assert person_client.post(register_url(event), as_representative("vera@stadt.example.org"))

    response = person_client.post(register_url(event), as_representative(lookalike))

    assert response.status_code == 400
    assert "ist bereits zu dieser Veranstaltung angemeldet" in response.content.decode()
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("vera@münchen.example", "vera@xn--mnchen-3ya.example"),
        ("vera@xn--mnchen-3ya.example", "VERA@MÜNCHEN.example"),
    ],
)
def test_an_internationalised_domain_in_unicode_and_punycode_is_one_address(
    client, sign_in, event, first, second
):
    munich = MemberOrganisationFactory(email_domains="münchen.example")
    person = ContactPersonFactory(organisation=munich, email="anna@xn--mnchen-3ya.example")
    register(event, person, first)
    with pytest.raises(RegistrationError):
        register(event, person, second)

    sign_in(client, person)
    response = client.post(register_url(event), as_representative(second))

    assert response.status_code == 400
    assert "ist bereits zu dieser Veranstaltung angemeldet" in response.content.decode()
    assert Registration.objects.get().email == "vera@xn--mnchen-3ya.example"


# --- 11: no oracle for someone else's registration -----------------------------------------------


def test_a_colleague_learns_nothing_about_an_address_someone_else_registered(
    client, sign_in, event, person
):
    OrganiserContact.objects.create(event=event, name="Team", email="team@difu.example.org")
    register(event, person, "vera@stadt.example.org")
    colleague = ContactPersonFactory(organisation=person.organisation)
    sign_in(client, colleague)

    response = client.post(f"/en{register_url(event)}", as_representative("Vera@stadt.example.org"))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This person cannot be registered for this event. If you think this is wrong, "
        "please contact the organisers: team@difu.example.org"
    ]
    assert "already registered" not in response.content.decode()
    assert Registration.objects.count() == 1


def test_the_service_refuses_a_colleague_neutrally_in_german(event, person):
    register(event, person, "vera@stadt.example.org")
    colleague = ContactPersonFactory(organisation=person.organisation)

    with pytest.raises(RegistrationError) as exc, translation.override("de"):
        register(event, colleague, "VERA@stadt.example.org")

    assert exc.value.code == "refused"
    [message] = exc.value.messages
    assert message.startswith("Diese Person kann nicht zu dieser Veranstaltung angemeldet werden.")
    assert "vera@" not in message.lower()
    assert "angemeldet." not in message.split("werden.")[1]


def test_the_contact_person_is_told_plainly_about_their_own_registration(
    client, sign_in, event, person
):
    register(event, person, "vera@stadt.example.org")
    sign_in(client, person)

    page = client.post(
        f"/en{register_url(event)}", as_representative("vera@stadt.example.org")
    ).content.decode()

    assert "vera@stadt.example.org is already registered for this event." in page
    assert "“My registrations”" in page
    assert "cannot be registered" not in page
