from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.cache import bump_public_version
from events.models import Event
from registrations import services
from registrations.models import AccessRequest, ContactPerson, ProgrammeChoice, Registration
from registrations.selectors.capacity import event_is_full as is_full
from registrations.selectors.capacity import item_free_places
from registrations.selectors.deadlines import can_change, change_deadline
from registrations.services import (
    Attendee,
    Details,
    RateLimited,
    RegistrationError,
    access_request_approve,
    access_request_create,
    access_request_reject,
    manage_link_resend,
    rate_limit_check,
    registration_cancel,
    registration_confirm_from_waiting_list,
    registration_create,
    registration_update,
    sign_in_token_use,
    sign_out_everywhere,
)
from registrations.tokens import SignInLinkError, manage_tokens, sign_in_tokens
from tests.factories import (
    AccessRequestFactory,
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


def register(event, person, *, attendee=None, items=(), privacy=True, language="de", **details):
    return registration_create(
        event=event,
        registered_by=person,
        attendee=attendee,
        details=Details(programme_item_ids=[item.pk for item in items], **details),
        privacy_acknowledged=privacy,
        language=language,
    )


def representative(n: int = 0) -> Attendee:
    return Attendee(
        first_name="Vera", last_name=f"Vertretung{n}", email=f"vertretung{n}@stadt.example.org"
    )


def mails_to(mailoutbox, email: str) -> list:
    return [m for m in mailoutbox if m.to == [email]]


def choice_status(registration, item) -> str:
    return ProgrammeChoice.objects.get(registration=registration, item=item).status


# --- registration window and event status --------------------------------------------------


def test_registration_before_the_window_opens_is_refused(person):
    now = timezone.now()
    event = EventFactory(
        registration_opens_at=now + timedelta(days=1),
        registration_closes_at=now + timedelta(days=9),
    )

    with pytest.raises(RegistrationError) as exc:
        register(event, person)

    assert exc.value.code == "not_yet_open"
    assert exc.value.messages == ["Die Anmeldung ist noch nicht geöffnet."]
    assert not Registration.objects.exists()


def test_registration_after_the_window_closed_is_refused(person):
    now = timezone.now()
    event = EventFactory(
        registration_opens_at=now - timedelta(days=9),
        registration_closes_at=now - timedelta(days=1),
    )

    with pytest.raises(RegistrationError) as exc:
        register(event, person)

    assert exc.value.code == "closed"
    assert not Registration.objects.exists()


def test_event_without_registration_window_takes_no_registration(person):
    event = EventFactory(registration_opens_at=None, registration_closes_at=None)

    with pytest.raises(RegistrationError) as exc:
        register(event, person)

    assert exc.value.code == "not_offered"


@pytest.mark.parametrize(
    ("status", "code"),
    [(Event.Status.CANCELLED, "cancelled"), (Event.Status.POSTPONED, "postponed")],
)
def test_cancelled_or_postponed_event_takes_no_registration(person, status, code):
    event = EventFactory(status=status)

    with pytest.raises(RegistrationError) as exc:
        register(event, person)

    assert exc.value.code == code
    assert not Registration.objects.exists()


def test_registration_inside_the_window_is_confirmed(event, person):
    registration = register(event, person, diet="vegan", message="Bis bald")

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.registered_by == person
    assert registration.organisation == person.organisation
    assert registration.email == person.email
    assert not registration.is_representative
    assert registration.diet == "vegan"
    assert registration.privacy_acknowledged_at is not None
    assert len(manage_tokens.make_token(registration)) >= 40


# --- capacity and waiting list --------------------------------------------------------------


def test_full_event_puts_registrants_on_the_waiting_list_in_order():
    event = EventFactory(capacity=2, waiting_list_enabled=True)
    first, second, third, fourth = (register(event, ContactPersonFactory()) for _ in range(4))

    assert [r.status for r in (first, second, third, fourth)] == [
        "confirmed",
        "confirmed",
        "waiting",
        "waiting",
    ]
    assert first.waiting_position() is None
    assert third.waiting_position() == 1
    assert fourth.waiting_position() == 2
    assert is_full(event)


def test_full_event_without_waiting_list_refuses():
    event = EventFactory(capacity=1, waiting_list_enabled=False)
    register(event, ContactPersonFactory())

    with pytest.raises(RegistrationError) as exc:
        register(event, ContactPersonFactory())

    assert exc.value.code == "full"
    assert exc.value.messages == ["Die Veranstaltung ist ausgebucht."]
    assert Registration.objects.count() == 1


def test_event_without_capacity_is_never_full():
    event = EventFactory(capacity=None)
    for _ in range(3):
        register(event, ContactPersonFactory())

    assert not is_full(event)
    assert Registration.objects.confirmed().count() == 3


# --- per-organisation limit -------------------------------------------------------------------


def test_event_limit_per_organisation_applies_over_the_organisation_default():
    organisation = MemberOrganisationFactory(default_participants=5)
    event = EventFactory(participants_per_organisation=1)
    register(event, ContactPersonFactory(organisation=organisation))

    with pytest.raises(RegistrationError) as exc:
        register(event, ContactPersonFactory(organisation=organisation))

    assert exc.value.code == "organisation_limit"
    assert "1" in exc.value.messages[0]
    # Other organisations are not affected.
    register(event, ContactPersonFactory())


def test_organisation_default_limit_counts_confirmed_and_waiting():
    organisation = MemberOrganisationFactory(default_participants=2)
    event = EventFactory(capacity=1, participants_per_organisation=None)
    contact = ContactPersonFactory(organisation=organisation)
    assert register(event, contact).status == "confirmed"
    assert register(event, contact, attendee=representative(1)).status == "waiting"

    with pytest.raises(RegistrationError) as exc:
        register(event, contact, attendee=representative(2))

    assert exc.value.code == "organisation_limit"


def test_cancelled_registrations_do_not_count_towards_the_organisation_limit():
    organisation = MemberOrganisationFactory(default_participants=1)
    event = EventFactory()
    contact = ContactPersonFactory(organisation=organisation)
    registration_cancel(registration=register(event, contact))

    assert register(event, contact, attendee=representative()).status == "confirmed"


# --- one active registration per person and event ---------------------------------------------


def test_second_registration_of_the_same_person_is_refused(event, person):
    register(event, person)

    with pytest.raises(RegistrationError) as exc:
        register(event, person)

    assert exc.value.code == "duplicate"
    assert Registration.objects.count() == 1


def test_representative_already_registered_under_other_case_is_refused(event, person):
    register(event, person, attendee=representative())
    colleague = ContactPersonFactory(organisation=person.organisation)
    shouting = Attendee(first_name="Vera", last_name="V", email="VERTRETUNG0@Stadt.Example.org")

    with pytest.raises(RegistrationError) as exc:
        register(event, colleague, attendee=shouting)

    assert exc.value.code == "refused"  # a colleague learns nothing about the address


def test_person_can_register_again_after_cancelling(event, person):
    registration_cancel(registration=register(event, person))

    assert register(event, person).status == "confirmed"
    assert Registration.objects.filter(email=person.email).count() == 2


def test_database_refuses_a_second_active_registration_for_the_same_person(event, person):
    RegistrationFactory(event=event, registered_by=person)

    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            event=event,
            registered_by=person,
            organisation=person.organisation,
            first_name="Doppelt",
            last_name="Geklickt",
            email=person.email.upper(),
            status=Registration.Status.WAITING,
            privacy_acknowledged_at=timezone.now(),
        )
    assert Registration.objects.count() == 1


def test_database_allows_a_new_registration_next_to_a_cancelled_one(event, person):
    RegistrationFactory(event=event, registered_by=person, status="cancelled")

    RegistrationFactory(event=event, registered_by=person)

    assert Registration.objects.count() == 2


# --- representatives ---------------------------------------------------------------------------


def test_contact_person_registers_a_representative(event, person):
    registration = register(event, person, attendee=representative())

    assert registration.is_representative
    assert registration.registered_by == person
    assert registration.organisation == person.organisation
    assert (registration.first_name, registration.email) == (
        "Vera",
        "vertretung0@stadt.example.org",
    )


def test_attendee_with_the_contact_persons_own_address_is_no_representative(event, person):
    attendee = Attendee(first_name="Anna", last_name="Anders", email=f" {person.email.upper()} ")

    assert not register(event, person, attendee=attendee).is_representative


# --- eligibility and privacy ----------------------------------------------------------------------


def test_contact_person_of_a_former_member_is_refused(event):
    former = MemberOrganisationFactory(member_until=timezone.localdate() - timedelta(days=1))
    person = ContactPersonFactory(organisation=former)

    with pytest.raises(RegistrationError) as exc:
        register(event, person)

    assert exc.value.code == "not_eligible"
    assert not Registration.objects.exists()


def test_contact_person_of_a_member_that_has_not_started_yet_is_refused(event):
    future = MemberOrganisationFactory(member_since=timezone.localdate() + timedelta(days=1))

    with pytest.raises(RegistrationError) as exc:
        register(event, ContactPersonFactory(organisation=future))

    assert exc.value.code == "not_eligible"


def test_inactive_contact_person_is_refused(event):
    with pytest.raises(RegistrationError) as exc:
        register(event, ContactPersonFactory(is_active=False))

    assert exc.value.code == "not_eligible"
    assert not Registration.objects.exists()


def test_registration_without_privacy_acknowledgement_is_refused(event, person):
    with pytest.raises(RegistrationError) as exc:
        register(event, person, privacy=False)

    assert exc.value.code == "privacy"
    assert not Registration.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("diet", "carnivore"), ("visibility", "all")])
def test_invalid_choice_values_are_refused(event, person, field, value):
    with pytest.raises(RegistrationError):
        register(event, person, **{field: value})

    assert not Registration.objects.exists()


# --- side programme -------------------------------------------------------------------------------


def test_programme_item_capacity_has_its_own_waiting_list(event):
    item = ProgrammeItemFactory(event=event, capacity=1)
    first = register(event, ContactPersonFactory(), items=[item])
    second = register(event, ContactPersonFactory(), items=[item])

    assert (first.status, second.status) == ("confirmed", "confirmed")
    assert choice_status(first, item) == "confirmed"
    assert choice_status(second, item) == "waiting"
    assert item_free_places([item]) == {item.pk: 0}


def test_programme_item_of_another_event_is_refused(event, person):
    foreign = ProgrammeItemFactory(event=EventFactory())
    own = ProgrammeItemFactory(event=event)

    with pytest.raises(RegistrationError) as exc:
        register(event, person, items=[own, foreign])

    assert exc.value.code == "bad_item"
    assert not Registration.objects.exists()
    assert not ProgrammeChoice.objects.exists()


def test_registrant_on_the_waiting_list_waits_for_programme_items_too():
    event = EventFactory(capacity=1)
    item = ProgrammeItemFactory(event=event, capacity=10)
    register(event, ContactPersonFactory())

    waiting = register(event, ContactPersonFactory(), items=[item])

    assert waiting.status == "waiting"
    assert choice_status(waiting, item) == "waiting"


def test_item_free_places_counts_confirmed_choices_in_one_query(event, django_assert_num_queries):
    limited = ProgrammeItemFactory(event=event, capacity=3)
    open_ended = ProgrammeItemFactory(event=event, capacity=None)
    register(event, ContactPersonFactory(), items=[limited, open_ended])
    register(event, ContactPersonFactory(), items=[limited])

    with django_assert_num_queries(1):
        free = item_free_places([limited, open_ended])

    assert free == {limited.pk: 1, open_ended.pk: None}


# --- cancellation and promotion -------------------------------------------------------------------


def test_cancellation_promotes_the_first_waiting_registrant_and_mails_them(
    django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(capacity=1)
    holder = register(event, ContactPersonFactory())
    first_waiting = register(event, ContactPersonFactory())
    second_waiting = register(event, ContactPersonFactory())

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=holder)

    holder.refresh_from_db()
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert holder.status == "cancelled"
    assert holder.cancelled_at is not None
    assert first_waiting.status == "confirmed"
    assert second_waiting.status == "waiting"
    assert second_waiting.waiting_position() == 1
    assert Registration.objects.confirmed().filter(event=event).count() == 1
    [promotion] = mails_to(mailoutbox, first_waiting.email)
    assert promotion.subject == f"Ein Platz ist frei geworden: {event.title}"
    assert len(mails_to(mailoutbox, holder.email)) == 1  # the cancellation
    assert not mails_to(mailoutbox, second_waiting.email)


def test_cancelling_a_waiting_registration_promotes_nobody(django_capture_on_commit_callbacks):
    event = EventFactory(capacity=1)
    holder = register(event, ContactPersonFactory())
    waiting = register(event, ContactPersonFactory())
    behind = register(event, ContactPersonFactory())

    registration_cancel(registration=waiting)

    behind.refresh_from_db()
    assert behind.status == "waiting"
    assert behind.waiting_position() == 1
    assert Registration.objects.confirmed().get() == holder


def test_cancelled_registration_cannot_be_cancelled_again(event, person):
    registration = register(event, person)
    registration_cancel(registration=registration)

    with pytest.raises(RegistrationError) as exc:
        registration_cancel(registration=registration)

    assert exc.value.code == "cancelled"


def test_cancellation_frees_programme_places_for_the_first_waiting(
    event, django_capture_on_commit_callbacks, mailoutbox
):
    item = ProgrammeItemFactory(event=event, capacity=1, title="Stadtrundgang")
    holder = register(event, ContactPersonFactory(), items=[item])
    first = register(event, ContactPersonFactory(), items=[item])
    second = register(event, ContactPersonFactory(), items=[item])

    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=holder)

    assert choice_status(holder, item) == "cancelled"
    assert choice_status(first, item) == "confirmed"
    assert choice_status(second, item) == "waiting"
    [mail] = mails_to(mailoutbox, first.email)
    assert mail.subject == "Ein Platz ist frei geworden: Stadtrundgang"
    assert not mails_to(mailoutbox, second.email)


def test_dropping_a_programme_item_promotes_the_first_waiting_for_it(
    event, django_capture_on_commit_callbacks, mailoutbox
):
    item = ProgrammeItemFactory(event=event, capacity=1, title="Abendempfang")
    other = ProgrammeItemFactory(event=event)
    holder = register(event, ContactPersonFactory(), items=[item, other])
    first = register(event, ContactPersonFactory(), items=[item])

    with django_capture_on_commit_callbacks(execute=True):
        registration_update(registration=holder, details=Details(programme_item_ids=[other.pk]))

    assert choice_status(holder, item) == "cancelled"
    assert choice_status(holder, other) == "confirmed"
    assert choice_status(first, item) == "confirmed"
    [mail] = mails_to(mailoutbox, first.email)
    assert "Abendempfang" in mail.subject
    [changed] = mails_to(mailoutbox, holder.email)  # only the short note of their change
    assert changed.subject.startswith("Anmeldung geändert")


def test_promoted_registrant_gets_their_programme_wishes_where_places_are_free():
    event = EventFactory(capacity=1)
    tight = ProgrammeItemFactory(event=event, capacity=1)
    holder = register(event, ContactPersonFactory(), items=[tight])
    waiting = register(event, ContactPersonFactory(), items=[tight])
    assert choice_status(waiting, tight) == "waiting"

    registration_cancel(registration=holder)

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert choice_status(waiting, tight) == "confirmed"


def test_promotion_does_not_bring_back_a_dropped_programme_item():
    event = EventFactory(capacity=1)
    item = ProgrammeItemFactory(event=event, capacity=5)
    kept = ProgrammeItemFactory(event=event, capacity=5)
    holder = register(event, ContactPersonFactory())
    waiting = register(event, ContactPersonFactory(), items=[item, kept])
    registration_update(registration=waiting, details=Details(programme_item_ids=[kept.pk]))

    registration_cancel(registration=holder)

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert choice_status(waiting, kept) == "confirmed"
    assert choice_status(waiting, item) == "cancelled"


def test_staff_confirm_a_waiting_registrant_beyond_capacity(django_capture_on_commit_callbacks):
    event = EventFactory(capacity=1)
    register(event, ContactPersonFactory())
    waiting = register(event, ContactPersonFactory())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        registration_confirm_from_waiting_list(registration=waiting)

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert Registration.objects.confirmed().count() == 2
    assert len([c for c in callbacks if c is not bump_public_version]) == 1
    with pytest.raises(RegistrationError):
        registration_confirm_from_waiting_list(registration=waiting)


# --- changes until the deadline -------------------------------------------------------------------


def close_registration(event):
    Event.objects.filter(pk=event.pk).update(changes_close_at=timezone.now() - timedelta(minutes=1))


def test_registration_update_changes_choices_and_needs_before_the_deadline(event, person):
    first = ProgrammeItemFactory(event=event)
    second = ProgrammeItemFactory(event=event)
    registration = register(event, person, items=[first])

    registration_update(
        registration=registration,
        details=Details(
            programme_item_ids=[second.pk],
            diet="other",
            diet_notes="Nussallergie",
            accessibility_needs="Stufenloser Zugang",
            visibility="participants",
            message="Danke",
        ),
    )

    registration.refresh_from_db()
    assert (registration.diet, registration.diet_notes) == ("other", "Nussallergie")
    assert registration.accessibility_needs == "Stufenloser Zugang"
    assert registration.visibility == "participants"
    assert choice_status(registration, first) == "cancelled"
    assert choice_status(registration, second) == "confirmed"


def test_registration_update_can_choose_a_dropped_item_again(event, person):
    item = ProgrammeItemFactory(event=event, capacity=2)
    registration = register(event, person, items=[item])
    registration_update(registration=registration, details=Details(programme_item_ids=[]))

    registration_update(registration=registration, details=Details(programme_item_ids=[item.pk]))

    assert choice_status(registration, item) == "confirmed"
    assert ProgrammeChoice.objects.filter(registration=registration).count() == 1


def test_registration_update_refuses_items_of_another_event(event, person):
    registration = register(event, person)
    foreign = ProgrammeItemFactory(event=EventFactory())

    with pytest.raises(RegistrationError) as exc:
        registration_update(
            registration=registration, details=Details(programme_item_ids=[foreign.pk])
        )

    assert exc.value.code == "bad_item"
    assert not ProgrammeChoice.objects.exists()


def test_registration_update_after_the_deadline_is_refused(event, person):
    registration = register(event, person, diet="none")
    close_registration(event)
    registration.event.refresh_from_db()

    with pytest.raises(RegistrationError) as exc:
        registration_update(registration=registration, details=Details(diet="vegan"))

    assert exc.value.code == "deadline"
    registration.refresh_from_db()
    assert registration.diet == "none"


def test_cancellation_after_the_deadline_is_refused_except_by_the_organiser(event, person):
    registration = register(event, person)
    close_registration(event)
    registration.event.refresh_from_db()

    with pytest.raises(RegistrationError):
        registration_cancel(registration=registration)
    registration_cancel(registration=registration, by_organiser=True)

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED_BY_ORGANISER


def test_can_change_until_the_deadline_and_only_while_active(event, person):
    registration = register(event, person)
    deadline = event.self_service_ends_at

    assert can_change(registration, now=deadline - timedelta(seconds=1))
    assert not can_change(registration, now=deadline)
    registration.status = Registration.Status.CANCELLED
    assert not can_change(registration, now=deadline - timedelta(days=1))


def test_by_default_changes_end_with_the_day_before_the_first_day(person):
    event = EventFactory(registration_closes_at=None)
    registration = register(event, person)
    midnight = timezone.make_aware(datetime.combine(event.first_day.date, time.min))

    assert timezone.localtime(change_deadline(event)).strftime("%H:%M") == "23:59"
    assert can_change(registration, now=midnight - timedelta(seconds=1))
    assert not can_change(registration, now=midnight)


def test_closing_registration_does_not_end_changes(person):
    event = EventFactory()
    registration = register(event, person)
    Event.objects.filter(pk=event.pk).update(registration_closes_at=timezone.now())

    registration.event.refresh_from_db()
    assert can_change(registration)
    registration_update(registration=registration, details=Details(diet="vegan"))


def test_an_event_can_set_its_own_deadline_for_changes(person):
    event = EventFactory()
    own = timezone.now() + timedelta(days=3)
    Event.objects.filter(pk=event.pk).update(changes_close_at=own)
    event.refresh_from_db()

    assert change_deadline(event) == own


def test_no_changes_once_the_event_is_cancelled(event, person):
    registration = register(event, person)
    registration.event.status = Event.Status.CANCELLED

    assert not can_change(registration)


# --- manage link resend ---------------------------------------------------------------------------


def test_manage_link_resend_mails_active_registrations_of_the_address(
    event, person, django_capture_on_commit_callbacks, mailoutbox
):
    registration = register(event, person)

    with django_capture_on_commit_callbacks(execute=True):
        manage_link_resend(email=person.email.upper(), event=event, client_ip="10.0.0.1")
        manage_link_resend(email="nobody@example.org", event=event, client_ip="10.0.0.1")

    [mail] = mailoutbox
    assert mail.to == [person.email]
    assert manage_tokens.make_token(registration) in mail.body


# --- sign-in tokens -------------------------------------------------------------------------------


def test_sign_in_token_works_once(person):
    token = sign_in_tokens.make_token(person)

    assert sign_in_tokens.check_token(token) == person
    assert sign_in_tokens.check_token(token) == person  # checking uses nothing up
    assert sign_in_token_use(token=token) == person

    with pytest.raises(SignInLinkError) as exc:
        sign_in_token_use(token=token)
    assert exc.value.code == "used"
    person.refresh_from_db()
    assert person.last_login is not None


def test_an_older_link_is_used_up_by_signing_in_with_a_newer_one(person):
    older = sign_in_tokens.make_token(person)
    newer = sign_in_tokens.make_token(person)

    sign_in_token_use(token=newer)

    with pytest.raises(SignInLinkError) as exc:
        sign_in_tokens.check_token(older)
    assert exc.value.code == "used"


def fake_signing_clock(monkeypatch, offset: int):
    """Move only django.core.signing's clock, so that nothing else in the process sees it."""
    import time

    real = time.time
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: real() + offset))


def test_sign_in_token_expires_after_the_configured_age(person, settings, monkeypatch):
    settings.SIGN_IN_LINK_MAX_AGE = 600
    token = sign_in_tokens.make_token(person)

    fake_signing_clock(monkeypatch, 590)
    assert sign_in_tokens.check_token(token) == person
    fake_signing_clock(monkeypatch, 610)
    with pytest.raises(SignInLinkError) as exc:
        sign_in_token_use(token=token)

    assert exc.value.code == "expired"
    person.refresh_from_db()
    assert person.last_login is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: signing.dumps({"p": 1, "l": ""}, salt="some-other-purpose"),
        lambda token: "not-a-token",
    ],
    ids=["changed", "other-salt", "garbage"],
)
def test_tampered_sign_in_token_is_refused(person, tamper):
    token = sign_in_tokens.make_token(person)

    with pytest.raises(SignInLinkError) as exc:
        sign_in_token_use(token=tamper(token))

    assert exc.value.code == "invalid"


def test_sign_in_token_stops_working_when_the_person_is_deactivated(person):
    token = sign_in_tokens.make_token(person)
    ContactPerson.objects.filter(pk=person.pk).update(is_active=False)

    with pytest.raises(SignInLinkError) as exc:
        sign_in_tokens.check_token(token)

    assert exc.value.code == "invalid"


def test_sign_in_token_stops_working_when_the_membership_ends(person):
    token = sign_in_tokens.make_token(person)
    person.organisation.member_until = timezone.localdate() - timedelta(days=1)
    person.organisation.save()

    with pytest.raises(SignInLinkError):
        sign_in_tokens.check_token(token)


def test_sign_out_everywhere_raises_the_session_epoch(person):
    sign_out_everywhere(person=person)
    sign_out_everywhere(person=person)

    person.refresh_from_db()
    assert person.session_epoch == 2


# --- sign-in requests and rate limits ------------------------------------------------------------


def test_sign_in_request_mails_only_eligible_contact_persons(
    django_capture_on_commit_callbacks, mailoutbox
):
    listed = ContactPersonFactory(email="listed@stadt.example.org")
    ContactPersonFactory(email="inactive@stadt.example.org", is_active=False)
    former = MemberOrganisationFactory(member_until=timezone.localdate() - timedelta(days=1))
    ContactPersonFactory(email="former@stadt.example.org", organisation=former)

    with django_capture_on_commit_callbacks(execute=True):
        for email in [
            " Listed@Stadt.example.org ",
            "unlisted@stadt.example.org",
            "inactive@stadt.example.org",
            "former@stadt.example.org",
        ]:
            assert (
                services.sign_in_request(email=email, client_ip="10.0.0.1", language="de") is None
            )

    [mail] = mailoutbox
    assert mail.to == [listed.email]


def test_sign_in_request_mails_in_the_language_of_the_request_but_stores_nothing(
    person, django_capture_on_commit_callbacks, mailoutbox
):
    """Anyone can ask for anyone's link: the stored mail language changes only when the person
    signs in themselves."""
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_in_request(email=person.email, client_ip="10.0.0.1", language="en")

    person.refresh_from_db()
    assert person.language == "de"
    assert mailoutbox[0].subject == "Your sign-in link for the Difu annual meeting"

    token = sign_in_tokens.make_token(person)
    services.sign_in_token_use(token=token, language="en")
    person.refresh_from_db()
    assert person.language == "en"


def test_rate_limit_per_address(settings):
    settings.SIGN_IN_RATE_PER_ADDRESS = 2
    settings.SIGN_IN_RATE_PER_IP = 100
    for n in range(2):
        rate_limit_check(scope="sign-in", email="a@example.org", client_ip=f"10.0.0.{n}")

    # Over the per-address limit: no refusal (nobody can lock a colleague out), nothing sent.
    assert rate_limit_check(scope="sign-in", email="A@example.org", client_ip="10.0.0.9") is False
    lookalike = "ａ@example.org\u200b"  # fullwidth a, zero-width space: the same mailbox
    assert rate_limit_check(scope="sign-in", email=lookalike, client_ip="10.0.0.9") is False
    assert rate_limit_check(scope="sign-in", email="b@example.org", client_ip="10.0.0.9")
    assert rate_limit_check(scope="access", email="a@example.org", client_ip="10.0.0.9")


def test_rate_limit_per_client_address(settings):
    settings.SIGN_IN_RATE_PER_ADDRESS = 100
    settings.SIGN_IN_RATE_PER_IP = 3
    for n in range(3):
        rate_limit_check(scope="sign-in", email=f"p{n}@example.org", client_ip="10.0.0.1")

    with pytest.raises(RateLimited):
        rate_limit_check(scope="sign-in", email="p9@example.org", client_ip="10.0.0.1")
    rate_limit_check(scope="sign-in", email="p9@example.org", client_ip="10.0.0.2")


# --- access requests ------------------------------------------------------------------------------


def request_access(organisation, email="neu@stadt.example.org", **overrides):
    data = {
        "salutation": "herr",
        "first_name": "Ben",
        "last_name": "Neu",
        "email": email,
        "organisation": organisation,
        "function": "Referent",
        "message": "",
        "language": "de",
        "client_ip": "10.0.0.1",
        **overrides,
    }
    return access_request_create(**data)


def test_duplicate_pending_access_request_creates_no_second_one():
    organisation = MemberOrganisationFactory()
    first = request_access(organisation)

    assert request_access(organisation, email=" NEU@stadt.example.org") is None
    assert AccessRequest.objects.get() == first


def test_new_access_request_is_possible_after_a_decision(django_user_model):
    organisation = MemberOrganisationFactory()
    access_request_reject(access_request=request_access(organisation), user=None)

    assert request_access(organisation) is not None
    assert AccessRequest.objects.count() == 2


def test_access_request_for_a_former_member_is_refused():
    former = MemberOrganisationFactory(member_until=timezone.localdate() - timedelta(days=1))

    with pytest.raises(ValidationError):
        request_access(former)

    assert not AccessRequest.objects.exists()


def test_approving_an_access_request_creates_a_deputy_and_mails_a_working_link(
    admin_user, django_capture_on_commit_callbacks, mailoutbox
):
    access_request = AccessRequestFactory(email="neu@stadt.example.org", function="Referent")

    with django_capture_on_commit_callbacks(execute=True):
        person = access_request_approve(access_request=access_request, user=admin_user)

    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.APPROVED
    assert access_request.decided_by == admin_user
    assert access_request.decided_at is not None
    assert access_request.contact_person == person
    assert person.role == ContactPerson.Role.DEPUTY
    assert person.organisation == access_request.organisation
    assert (person.email, person.function) == ("neu@stadt.example.org", "Referent")
    [mail] = mailoutbox
    assert mail.to == ["neu@stadt.example.org"]
    token = mail.body.split("/anmelden/link/")[1].split("/")[0]
    assert sign_in_token_use(token=token) == person


def test_approving_reactivates_a_known_inactive_contact_person(admin_user):
    person = ContactPersonFactory(is_active=False, email="alt@stadt.example.org")
    access_request = AccessRequestFactory(email="ALT@stadt.example.org")

    assert access_request_approve(access_request=access_request, user=admin_user) == person

    person.refresh_from_db()
    assert person.is_active
    assert ContactPerson.objects.count() == 1


def test_rejecting_an_access_request_mails_politely(
    admin_user, django_capture_on_commit_callbacks, mailoutbox
):
    access_request = AccessRequestFactory(salutation="herr", last_name="Neu")

    with django_capture_on_commit_callbacks(execute=True):
        access_request_reject(access_request=access_request, user=admin_user)

    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.REJECTED
    assert not ContactPerson.objects.exists()
    [mail] = mailoutbox
    assert mail.to == [access_request.email]
    assert mail.subject == "Ihre Anfrage nach Zugang zur Anmeldung für das Difu-Jahrestreffen"
    assert mail.body.startswith("Sehr geehrter Herr Neu,")
    assert "Mit freundlichen Grüßen" in mail.body


def test_a_decided_access_request_cannot_be_decided_again(admin_user):
    access_request = AccessRequestFactory()
    access_request_reject(access_request=access_request, user=admin_user)

    with pytest.raises(ValidationError):
        access_request_approve(access_request=access_request, user=admin_user)
    with pytest.raises(ValidationError):
        access_request_reject(access_request=access_request, user=admin_user)
    assert not ContactPerson.objects.exists()
