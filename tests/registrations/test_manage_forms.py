"""The manage page's forms for handing the place to a colleague and for correcting one's own
details and address: every door, before and after the deadline, and what each one mails."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from events.models import Event
from registrations.audit import ChangedBy
from registrations.exports.csv import csv_lines
from registrations.exports.rows import event_days
from registrations.mail.render import render
from registrations.models import OutboxMessage, ProgrammeChoice, Registration
from registrations.selectors import capacity
from registrations.services import Attendee, Details, registration_create
from registrations.tokens import manage_tokens
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    OrganiserContactFactory,
    ProgrammeItemFactory,
    manage_url,
)

pytestmark = pytest.mark.django_db


def registered(event, person, *, attendee=None, items=()) -> Registration:
    return registration_create(
        event=event,
        registered_by=person,
        attendee=attendee,
        details=Details(programme_item_ids=[i.pk for i in items]),
        privacy_acknowledged=True,
        language="de",
    )


def html(response) -> str:
    return response.content.decode()


def colleague(**overrides) -> dict:
    return {
        "sub-salutation": "herr",
        "sub-academic_title": "Dr.",
        "sub-first_name": "Kai",
        "sub-last_name": "Kollege",
        "sub-email": "Kai.Kollege@stadt.example.org",
        "sub-function": "Stadtplanung",
        **overrides,
    }


def person_data(**overrides) -> dict:
    return {
        "fix-salutation": "frau",
        "fix-academic_title": "Prof. Dr.",
        "fix-first_name": "Anna",
        "fix-last_name": "Neuname",
        "fix-function": "Amtsleitung",
        **overrides,
    }


def confirm_path(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/(?:en/)?e-mail-bestaetigen/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def past_deadline(event):
    Event.objects.filter(pk=event.pk).update(changes_close_at=timezone.now() - timedelta(1))


# --- the page --------------------------------------------------------------------------------


def test_before_the_deadline_the_page_offers_both_forms_each_posting_to_its_own_address(
    client, event, person
):
    registration = registered(event, person)
    url = manage_url(registration)

    page = html(client.get(url))

    assert f'action="{url}platz-uebergeben/"' in page
    assert f'action="{url}angaben/"' in page
    assert f'action="{url}e-mail/"' in page
    assert f'name="fix-last_name" value="{person.last_name}"' in page
    assert 'id="id_sub-email"' in page and 'id="id_mail-email"' in page
    assert "muss unter stadt.example.org liegen" in page
    assert " style=" not in page


def test_after_a_failed_form_the_other_forms_still_post_to_their_own_address(client, event, person):
    registration = registered(event, person)
    url = manage_url(registration)

    page = html(client.post(f"{url}platz-uebergeben/", colleague(**{"sub-email": "kai@"})))

    assert page.count(f'action="{url}"') == 2  # programme and needs, cancelling
    assert f'action="{url}angaben/"' in page and f'action="{url}e-mail/"' in page
    assert 'value="Kai"' in page  # what was typed stays


def test_the_manage_page_query_count_stays_pinned_with_the_new_forms(
    client, django_assert_max_num_queries
):
    event = EventFactory()
    items = ProgrammeItemFactory.create_batch(4, event=event, capacity=10)
    registration = registered(event, ContactPersonFactory(), items=items)
    url = manage_url(registration)

    with django_assert_max_num_queries(6):
        response = client.get(url)

    assert response.status_code == 200


def test_after_the_deadline_the_page_names_the_organiser_contact_and_shows_no_forms(
    client, event, person
):
    OrganiserContactFactory(event=event, name="Petra Planer", email="planer@difu.example.org")
    registration = registered(event, person)
    past_deadline(event)

    page = html(client.get(manage_url(registration)))

    assert "Petra Planer" in page
    assert "Kollege Ihren Platz übernehmen soll" in page
    assert 'name="sub-email"' not in page and 'name="fix-last_name"' not in page


@pytest.mark.parametrize("step", ["platz-uebergeben", "angaben", "e-mail"])
def test_after_the_deadline_a_direct_post_is_refused_and_changes_nothing(
    client, event, person, step, mailoutbox, django_capture_on_commit_callbacks
):
    registration = registered(event, person)
    past_deadline(event)
    mailoutbox.clear()
    data = {**colleague(), **person_data(), "mail-email": "neu@stadt.example.org"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{manage_url(registration)}{step}/", data)

    assert response.status_code == 400
    assert "Frist für Änderungen ist abgelaufen" in html(response)
    assert html(response).count('id="error-summary"') == 1
    assert "<title>Fehler:" in html(response)
    registration.refresh_from_db()
    assert registration.is_active and registration.last_name == person.last_name
    assert Registration.objects.count() == 1
    assert mailoutbox == []


@pytest.mark.parametrize("step", ["platz-uebergeben", "angaben", "e-mail"])
def test_a_wrong_token_finds_nothing_and_a_get_is_not_allowed(client, event, person, step):
    registration = registered(event, person)
    token = manage_tokens.make_token(registration)

    wrong = client.post(f"/anmeldung/{token[:-3]}abc/{step}/", colleague())
    get = client.get(f"/anmeldung/{token}/{step}/")

    assert wrong.status_code == 404
    assert get.status_code == 405


def test_the_forms_need_the_csrf_token(event, person):
    registration = registered(event, person)
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"{manage_url(registration)}platz-uebergeben/", colleague())

    assert response.status_code == 403
    assert Registration.objects.count() == 1


# --- substitution ----------------------------------------------------------------------------


def test_the_colleague_takes_over_the_place_through_the_manage_link(
    client, person, mailoutbox, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1)
    reception = ProgrammeItemFactory(event=event, title="Abendempfang")
    original = registered(event, person, items=[reception])
    waiting = registered(event, ContactPersonFactory())
    mailoutbox.clear()
    url = manage_url(original)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{url}platz-uebergeben/", colleague())

    assert response.status_code == 302 and response["Location"] == url
    page = html(client.get(url))
    assert "Ihr Platz wurde an Dr. Kai Kollege übergeben" in page
    new = Registration.objects.get(email="kai.kollege@stadt.example.org")
    original.refresh_from_db()
    waiting.refresh_from_db()
    assert (new.status, waiting.status, original.status) == ("confirmed", "waiting", "cancelled")
    assert (new.salutation, new.academic_title, new.function) == ("herr", "Dr.", "Stadtplanung")
    assert new.programme_choices.get().item == reception
    assert new.programme_choices.get().status == ProgrammeChoice.Status.CONFIRMED
    to_colleague = [m for m in mailoutbox if m.to == [new.email]]
    to_old = [m for m in mailoutbox if m.to == [person.email]]
    [confirmation] = to_colleague
    assert manage_tokens.make_token(new) in confirmation.body
    assert manage_tokens.make_token(original) not in confirmation.body
    assert "Sehr geehrter Herr Dr. Kollege" in confirmation.body
    notice = next(m for m in to_old if "Dr. Kai Kollege" in m.body and "übergeben" in m.body)
    assert manage_tokens.make_token(new) not in notice.body
    # The one who gave the place up registered themselves: the copy to the contact person is
    # the notice about the colleague, now their representative.
    assert len(to_old) == 2


def test_the_history_records_the_handover_and_through_whom(client, event, person):
    original = registered(event, person)

    client.post(f"{manage_url(original)}platz-uebergeben/", colleague())

    new = Registration.objects.get(email="kai.kollege@stadt.example.org")
    old_row = original.history.latest()
    new_row = new.history.earliest()
    assert old_row.status == "cancelled"
    assert "Dr. Kai Kollege" in old_row.history_change_reason
    assert str(original.pk) in new_row.history_change_reason
    assert old_row.history_changed_by == new_row.history_changed_by == ChangedBy.LINK


def test_a_representative_hands_over_and_the_contact_person_gets_a_copy(
    client, event, person, mailoutbox, django_capture_on_commit_callbacks
):
    rep = Attendee(first_name="Vera", last_name="Vertretung", email="vera@stadt.example.org")
    original = registered(event, person, attendee=rep)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{manage_url(original)}platz-uebergeben/", colleague())

    to_contact = [m.body for m in mailoutbox if m.to == [person.email]]
    assert any(
        "Die Vertretung hat den Platz an Dr. Kai Kollege übergeben." in b for b in to_contact
    )
    assert any("kai.kollege@stadt.example.org" in b for b in to_contact)
    assert {m.to[0] for m in mailoutbox} == {
        person.email,
        rep.email,
        "kai.kollege@stadt.example.org",
    }


def test_the_signed_in_contact_person_hands_over_from_my_registrations(
    person_client, event, person
):
    rep = Attendee(first_name="Vera", last_name="Vertretung", email="vera@stadt.example.org")
    original = registered(event, person, attendee=rep)
    listing = html(person_client.get("/meine-anmeldungen/"))
    assert manage_url(original) in listing

    response = person_client.post(f"{manage_url(original)}platz-uebergeben/", colleague())

    assert response.status_code == 302
    new = Registration.objects.get(email="kai.kollege@stadt.example.org")
    assert new.registered_by == person and new.is_representative
    row = new.history.earliest()
    assert (row.history_changed_by, row.history_contact_person_id) == (
        ChangedBy.CONTACT_PERSON,
        person.pk,
    )
    assert "Kai Kollege" in html(person_client.get("/meine-anmeldungen/"))


@pytest.mark.parametrize(
    "email",
    ["kai@andere-stadt.example.org", "kai@stadt.example.org.evil.example"],
    ids=["other-domain", "look-alike-domain"],
)
def test_a_person_outside_the_organisation_is_refused(client, event, person, email):
    original = registered(event, person)

    response = client.post(
        f"{manage_url(original)}platz-uebergeben/", colleague(**{"sub-email": email})
    )

    assert response.status_code == 400
    page = html(response)
    assert "nur an eine Kollegin oder einen Kollegen Ihrer Organisation" in page
    assert 'href="#id_sub-email"' in page
    assert Registration.objects.active().get() == original


def test_another_organisations_contact_person_is_refused_even_at_a_shared_domain(
    client, event, person
):
    stranger = ContactPersonFactory(organisation=MemberOrganisationFactory())
    assert stranger.email.endswith("@stadt.example.org")  # the factories share one domain
    original = registered(event, person)

    response = client.post(
        f"{manage_url(original)}platz-uebergeben/", colleague(**{"sub-email": stranger.email})
    )

    assert response.status_code == 400
    assert "Ihrer Organisation" in html(response)
    assert not Registration.objects.filter(email=stranger.email).exists()


def test_someone_already_registered_is_refused_with_a_clear_message(client, person):
    event = EventFactory(capacity=5, participants_per_organisation=3)
    rep = Attendee(first_name="Vera", last_name="Vertretung", email="vera@stadt.example.org")
    original = registered(event, person)
    registered(event, person, attendee=rep)
    colleague_of_other = registered(event, ContactPersonFactory(organisation=person.organisation))

    own = client.post(
        f"{manage_url(original)}platz-uebergeben/", colleague(**{"sub-email": rep.email})
    )
    foreign = client.post(
        f"{manage_url(original)}platz-uebergeben/",
        colleague(**{"sub-email": colleague_of_other.email}),
    )
    itself = client.post(
        f"{manage_url(original)}platz-uebergeben/", colleague(**{"sub-email": person.email})
    )

    assert own.status_code == foreign.status_code == itself.status_code == 400
    assert "vera@stadt.example.org ist bereits zu dieser Veranstaltung angemeldet" in html(own)
    assert "kann nicht zu dieser Veranstaltung angemeldet werden" in html(foreign)
    assert "bereits die Adresse dieser Anmeldung" in html(itself)
    original.refresh_from_db()
    assert original.is_active


def test_the_organisation_limit_is_unchanged_by_a_handover(client):
    organisation = MemberOrganisationFactory(default_participants=1)
    person = ContactPersonFactory(organisation=organisation)
    event = EventFactory(capacity=5)
    original = registered(event, person)
    assert capacity.organisation_places_used(event=event, organisation=organisation) == 1

    response = client.post(f"{manage_url(original)}platz-uebergeben/", colleague())

    assert response.status_code == 302
    assert capacity.organisation_places_used(event=event, organisation=organisation) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sub-email": "kai@"}, "sub-email", "gültige E-Mail-Adresse"),
        ({"sub-email": "jürgen@stadt.example.org"}, "sub-email", "vor dem @"),
        ({"sub-last_name": ""}, "sub-last_name", "Dieses Feld ist zwingend erforderlich"),
        ({"sub-first_name": "Kai\x1b[2J"}, "sub-first_name", "Steuerzeichen"),
        ({"sub-function": "Amt\x00"}, "sub-function", ""),
    ],
    ids=["invalid-address", "umlaut-mailbox", "no-last-name", "control-character", "nul"],
)
def test_the_colleague_is_checked_like_a_representative_in_the_registration_form(
    client, event, person, overrides, field, message
):
    original = registered(event, person)

    response = client.post(f"{manage_url(original)}platz-uebergeben/", colleague(**overrides))

    assert response.status_code == 400
    page = html(response)
    assert f'href="#id_{field}"' in page
    assert message in page
    assert Registration.objects.count() == 1


def test_a_name_that_looks_like_a_formula_stays_text_in_the_export(client, event, person):
    original = registered(event, person)

    client.post(
        f"{manage_url(original)}platz-uebergeben/",
        colleague(**{"sub-last_name": '=HYPERLINK("http://x","Kollege")'}),
    )

    new = Registration.objects.get(email="kai.kollege@stadt.example.org")
    export = "".join(csv_lines(Registration.objects.filter(pk=new.pk), event_days(event)))
    assert "'=HYPERLINK" in export
    assert ";=HYPERLINK" not in export and '"=HYPERLINK' not in export


def test_the_substitution_page_in_english(client, event, person):
    original = registered(event, person)
    token = manage_tokens.make_token(original)

    page = html(client.get(f"/en/anmeldung/{token}/"))
    failed = client.post(
        f"/en/anmeldung/{token}/platz-uebergeben/", colleague(**{"sub-email": "x@"})
    )

    assert "Hand your place to a colleague" in page
    assert "Correct your details" in page and "Change your e-mail address" in page
    assert "<title>Error:" in html(failed)


# --- correcting one's own details ------------------------------------------------------------


def test_the_registrant_corrects_name_title_and_function_at_once(
    client, event, person, mailoutbox, django_capture_on_commit_callbacks
):
    registration = registered(event, person)
    mailoutbox.clear()
    url = manage_url(registration)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{url}angaben/", person_data())

    assert response.status_code == 302 and response["Location"] == url
    assert "Ihre Angaben wurden gespeichert." in html(client.get(url))
    registration.refresh_from_db()
    assert registration.full_name == "Prof. Dr. Anna Neuname"
    assert (registration.function, registration.email) == ("Amtsleitung", person.email)
    [mail] = mailoutbox
    assert mail.to == [person.email]
    assert "Sehr geehrte Frau Prof. Dr. Neuname" in mail.body
    assert "Ihre Angaben sind korrigiert." in mail.body
    row = registration.history.latest()
    assert row.last_name == "Neuname" and row.history_changed_by == ChangedBy.LINK
    assert row.history_change_reason == "Angaben von der angemeldeten Person korrigiert"


def test_an_unchanged_correction_sends_no_mail(
    client, event, person, mailoutbox, django_capture_on_commit_callbacks
):
    registration = registered(event, person)
    mailoutbox.clear()
    same = person_data(
        **{
            "fix-academic_title": "",
            "fix-first_name": person.first_name,
            "fix-last_name": person.last_name,
            "fix-function": person.function,
        }
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{manage_url(registration)}angaben/", same)

    assert response.status_code == 302
    assert mailoutbox == []


def test_a_correction_with_errors_shows_them_at_the_fields(client, event, person):
    registration = registered(event, person)

    response = client.post(
        f"{manage_url(registration)}angaben/",
        person_data(**{"fix-first_name": "", "fix-salutation": "dr"}),
    )

    assert response.status_code == 400
    page = html(response)
    assert 'href="#id_fix-first_name"' in page and 'href="#id_fix-salutation"' in page
    registration.refresh_from_db()
    assert registration.first_name == person.first_name


# --- changing the e-mail address -------------------------------------------------------------


def request_change(client, registration, email, capture):
    with capture(execute=True):
        return client.post(f"{manage_url(registration)}e-mail/", {"mail-email": email})


def test_a_new_address_changes_only_after_its_owner_follows_the_link(
    client, event, person, mailoutbox, django_capture_on_commit_callbacks
):
    registration = registered(event, person)
    old_token = manage_tokens.make_token(registration)
    mailoutbox.clear()

    response = request_change(
        client, registration, "Neu@Stadt.example.org", django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    assert "Bestätigungslink an neu@stadt.example.org" in html(client.get(response["Location"]))
    registration.refresh_from_db()
    assert registration.email == person.email
    [link_mail] = mailoutbox
    assert link_mail.to == ["neu@stadt.example.org"]
    assert old_token not in link_mail.body  # the new address gets no manage link yet
    path = confirm_path(link_mail)

    question = client.get(path)  # a mail scanner fetching the link changes nothing
    registration.refresh_from_db()
    assert question.status_code == 200 and registration.email == person.email
    assert "neu@stadt.example.org" in html(question)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path)

    assert done.status_code == 302 and done["Location"] == f"/anmeldung/{old_token}/"
    registration.refresh_from_db()
    assert registration.email == "neu@stadt.example.org"
    to_new = next(m for m in mailoutbox if m.to == ["neu@stadt.example.org"])
    to_old = next(m for m in mailoutbox if m.to == [person.email])
    assert old_token in to_new.body
    assert old_token not in to_old.body
    assert "in neu@stadt.example.org geändert" in to_old.body
    assert len(mailoutbox) == 2
    row = registration.history.latest()
    assert row.email == "neu@stadt.example.org"
    assert (
        row.history_change_reason
        == "E-Mail-Adresse von ihrer Inhaberin oder ihrem Inhaber bestätigt"
    )


def test_a_confirmation_link_works_once_and_a_newer_request_voids_older_links(
    client, event, person, mailoutbox, django_capture_on_commit_callbacks
):
    """A mistyped address corrected by a second request: the stranger at the first address
    cannot take the registration over with the older link."""
    registration = registered(event, person)
    mailoutbox.clear()
    request_change(
        client, registration, "neu@stadt.example.org", django_capture_on_commit_callbacks
    )
    request_change(
        client, registration, "neu2@stadt.example.org", django_capture_on_commit_callbacks
    )
    first, second = (confirm_path(m) for m in mailoutbox)

    older = client.post(first)
    assert older.status_code == 400
    assert "neuerer Bestätigungslink" in html(older)
    assert client.post(second).status_code == 302
    again = client.post(second)

    assert again.status_code == 400
    assert "ungültig oder wurde bereits verwendet" in html(again)
    registration.refresh_from_db()
    assert registration.email == "neu2@stadt.example.org"


def test_a_new_address_outside_the_organisation_is_refused(
    client, event, person, mailoutbox, django_capture_on_commit_callbacks
):
    """Changing the address must not do what handing over the place may not: give it to
    another organisation's contact person."""
    stranger = ContactPersonFactory(email="julia.mueller@kiel.example.org")
    registration = registered(event, person)
    mailoutbox.clear()

    response = request_change(
        client, registration, stranger.email, django_capture_on_commit_callbacks
    )

    assert response.status_code == 400
    assert "muss eine Adresse Ihrer Organisation sein" in html(response)
    assert mailoutbox == []
    registration.refresh_from_db()
    assert registration.email == person.email


def test_a_colleague_takes_over_an_online_place_as_online(client, person):
    event = EventFactory(capacity=1, attendance_mode="hybrid", online_capacity=5)
    registration = registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=Details(participation="online"),
        privacy_acknowledged=True,
        language="de",
    )

    response = client.post(f"{manage_url(registration)}platz-uebergeben/", colleague())

    assert response.status_code == 302, html(response)
    new = Registration.objects.get(email="kai.kollege@stadt.example.org")
    assert (new.status, new.participation) == ("confirmed", "online")
    assert capacity.confirmed_count(event, "in_person") == 0


def test_an_old_link_after_the_hand_over_says_the_registration_is_cancelled(client, event, person):
    registration = registered(event, person)
    url = manage_url(registration)
    assert client.post(f"{url}platz-uebergeben/", colleague()).status_code == 302

    again = client.post(f"{url}angaben/", person_data())

    assert again.status_code == 400
    assert "storniert" in html(again) and "Frist" not in html(again)


def test_a_confirmation_link_expires(
    client, event, person, settings, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_CHANGE_LINK_MAX_AGE = 60 * 60
    registration = registered(event, person)
    mailoutbox.clear()
    request_change(
        client, registration, "neu@stadt.example.org", django_capture_on_commit_callbacks
    )
    assert "1 Stunde lang" in mailoutbox[0].body
    path = confirm_path(mailoutbox[0])
    real = signing.time.time
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: real() + 60 * 60 + 1))

    response = client.post(path)

    assert response.status_code == 400
    assert "abgelaufen" in html(response)
    registration.refresh_from_db()
    assert registration.email == person.email


@pytest.mark.parametrize(
    "tamper",
    [
        lambda path: path[:-3] + "xx/",
        lambda path: path.replace(":", ".", 1),
        lambda path: "/e-mail-bestaetigen/erfunden/",
    ],
    ids=["changed-signature", "changed-payload", "made-up"],
)
def test_a_tampered_confirmation_link_is_refused(
    client, event, person, tamper, mailoutbox, django_capture_on_commit_callbacks
):
    registration = registered(event, person)
    mailoutbox.clear()
    request_change(
        client, registration, "neu@stadt.example.org", django_capture_on_commit_callbacks
    )

    response = client.post(tamper(confirm_path(mailoutbox[0])))

    assert response.status_code == 400
    registration.refresh_from_db()
    assert registration.email == person.email


def test_the_link_no_longer_works_after_the_deadline(
    client, event, person, mailoutbox, django_capture_on_commit_callbacks
):
    registration = registered(event, person)
    mailoutbox.clear()
    request_change(
        client, registration, "neu@stadt.example.org", django_capture_on_commit_callbacks
    )
    past_deadline(event)

    response = client.post(confirm_path(mailoutbox[0]))

    assert response.status_code == 400
    assert "Frist für Änderungen ist abgelaufen" in html(response)


def test_an_address_registered_already_is_refused_before_any_mail(
    client, event, person, mailoutbox, django_capture_on_commit_callbacks
):
    registration = registered(event, person)
    other = registered(event, ContactPersonFactory())
    mailoutbox.clear()

    response = request_change(client, registration, other.email, django_capture_on_commit_callbacks)
    same = request_change(client, registration, person.email, django_capture_on_commit_callbacks)
    bad = request_change(client, registration, "neu@", django_capture_on_commit_callbacks)

    assert response.status_code == same.status_code == bad.status_code == 400
    assert 'href="#id_mail-email"' in html(response)
    assert mailoutbox == []


def test_staff_see_the_confirmation_mail_without_a_working_link(
    client, event, person, django_capture_on_commit_callbacks
):
    registration = registered(event, person)
    request_change(
        client, registration, "neu@stadt.example.org", django_capture_on_commit_callbacks
    )
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.EMAIL_CHANGE)

    _subject, text, _html, _files = render(message, for_staff=True)

    assert "[persönlicher Bestätigungslink]" in text
    assert "e-mail-bestaetigen" not in text
