"""The audit trail: who changed events, member records and registrations, and when."""

import pytest
from django.urls import reverse
from django.utils import translation

from events.services import DaySpec
from registrations import services
from registrations.audit import ChangedBy
from registrations.models import ContactPerson, ProgrammeChoice, Registration
from registrations.tokens import manage_tokens, sign_in_tokens
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    ProgrammeItemFactory,
)

pytestmark = pytest.mark.django_db


def registered(event, person, items=()) -> Registration:
    return services.registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=services.Details(programme_item_ids=[item.pk for item in items]),
        privacy_acknowledged=True,
        language="de",
    )


def manage_url(registration) -> str:
    return f"/anmeldung/{manage_tokens.make_token(registration)}/"


def manage_post(client, registration, **changes):
    data = {
        "save": "1",
        "programme_items": [],
        "diet": "none",
        "diet_notes": "",
        "accessibility_needs": "",
        "visibility": "nobody",
        "message": "",
        **changes,
    }
    return client.post(manage_url(registration), data, follow=True)


def label(choice) -> str:
    with translation.override("de"):
        return str(choice.label)


def test_staff_edit_of_a_contact_person_is_recorded_with_the_user(staff_client, person):
    url = reverse("admin:registrations_contactperson_change", args=[person.pk])
    data = {
        "organisation": person.organisation_id,
        "salutation": person.salutation,
        "academic_title": "Dr.",
        "first_name": person.first_name,
        "last_name": person.last_name,
        "function": "Amtsleitung",
        "email": person.email,
        "phone": "",
        "role": person.role,
        "is_active": "on",
        "language": "de",
    }

    response = staff_client.post(url, data)

    assert response.status_code == 302
    latest = person.history.latest()
    assert latest.history_type == "~"
    assert latest.history_user.username == "staff"
    assert latest.history_changed_by == ChangedBy.STAFF
    assert (latest.academic_title, latest.function) == ("Dr.", "Amtsleitung")
    assert latest.prev_record.function == "Leitung Stadtplanungsamt"


def test_staff_action_on_registrations_is_recorded_with_the_user(staff_client, person, event):
    registration = registered(event, person)
    url = reverse("admin:registrations_registration_changelist")

    staff_client.post(url, {"action": "cancel_by_organiser", "_selected_action": [registration.pk]})

    latest = registration.history.latest()
    assert latest.status == Registration.Status.CANCELLED_BY_ORGANISER
    assert latest.history_user.username == "staff"
    assert latest.history_changed_by == ChangedBy.STAFF


def test_event_changes_are_recorded_and_shown_in_the_admin(staff_client):
    event = EventFactory(title="Jahrestreffen Alt")
    event.title = "Jahrestreffen Neu"
    event.save()

    response = staff_client.get(reverse("admin:events_event_history", args=[event.pk]))

    assert [h.title for h in event.history.order_by("history_date")] == [
        "Jahrestreffen Alt",
        "Jahrestreffen Neu",
    ]
    assert response.status_code == 200
    assert "Jahrestreffen Alt" in response.content.decode()


def test_registrant_change_through_the_manage_link_is_marked_as_theirs(client, person, event):
    first, second = ProgrammeItemFactory.create_batch(2, event=event)
    registration = registered(event, person, items=[first])

    manage_post(client, registration, diet="vegan", programme_items=[str(second.pk)])

    latest = registration.history.latest()
    assert latest.diet == "vegan"
    assert latest.history_user is None
    assert latest.history_changed_by == ChangedBy.LINK
    dropped = ProgrammeChoice.objects.get(registration=registration, item=first)
    chosen = ProgrammeChoice.objects.get(registration=registration, item=second)
    assert dropped.history.latest().status == ProgrammeChoice.Status.CANCELLED
    assert dropped.history.latest().history_changed_by == ChangedBy.LINK
    assert chosen.history.latest().history_changed_by == ChangedBy.LINK


def test_change_by_a_signed_in_contact_person_names_them(person_client, person, event):
    registration = registered(event, person)

    manage_post(person_client, registration, message="Ich komme mit dem Zug.")

    latest = registration.history.latest()
    assert latest.message == "Ich komme mit dem Zug."
    assert latest.history_changed_by == ChangedBy.CONTACT_PERSON
    assert latest.history_contact_person == person


def test_changes_outside_a_request_are_the_systems(person, event):
    registration = registered(event, person)

    first = registration.history.earliest()

    assert first.history_type == "+"
    assert first.history_changed_by == ChangedBy.SYSTEM
    assert first.history_user is None


def test_history_page_in_the_admin_shows_who_changed_what(admin_client, client, person, event):
    registration = registered(event, person)
    manage_post(client, registration, diet="vegetarian")
    admin_client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": "cancel_by_organiser", "_selected_action": [registration.pk]},
    )

    response = admin_client.get(
        reverse("admin:registrations_registration_history", args=[registration.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"<td>{label(ChangedBy.LINK)}</td>" in page
    assert f"<td>{label(ChangedBy.STAFF)}</td>" in page
    assert f"<td>{label(ChangedBy.SYSTEM)}</td>" in page
    assert ">admin</a>" in page  # the staff user who cancelled


def test_history_page_names_the_signed_in_contact_person(admin_client, person_client, person):
    event = EventFactory()
    registration = registered(event, person)
    manage_post(person_client, registration, diet="vegan")

    response = admin_client.get(
        reverse("admin:registrations_registration_history", args=[registration.pk])
    )

    assert f"{label(ChangedBy.CONTACT_PERSON)}: {person.full_name}" in response.content.decode()


def test_history_pages_of_directory_and_events_open(staff_client, person):
    event = EventFactory()
    for url in [
        reverse("admin:registrations_contactperson_history", args=[person.pk]),
        reverse("admin:registrations_memberorganisation_history", args=[person.organisation_id]),
        reverse("admin:events_event_history", args=[event.pk]),
    ]:
        assert staff_client.get(url).status_code == 200


def test_history_pages_need_no_inline_style(staff_client, person, event):
    from tests.test_security_headers import assert_csp_clean

    registration = registered(event, person)
    for url in [
        reverse("admin:registrations_registration_history", args=[registration.pk]),
        reverse("admin:registrations_contactperson_history", args=[person.pk]),
        reverse("admin:events_event_history", args=[event.pk]),
    ]:
        assert_csp_clean(staff_client.get(url).content.decode(), url)


def test_history_cannot_be_used_to_revert(staff_client, person, event):
    """A past version can be looked at; restoring it would bypass the services (a cancelled
    registration confirmed again past the capacity, without a mail), so the page offers no
    revert button and the view refuses a posted form."""
    registration = registered(event, person)
    confirmed = registration.history.latest()
    services.registration_cancel(registration=registration)
    url = reverse(
        "admin:registrations_registration_simple_history",
        args=[registration.pk, confirmed.history_id],
    )

    page = staff_client.get(url)

    assert page.status_code == 200
    content = page.content.decode()
    # The page is there and shows the old version, read-only.
    assert page.context["revert_disabled"]
    assert page.context["original"].status == Registration.Status.CONFIRMED
    assert registration.email in content
    assert 'class="closelink"' in content
    assert 'name="_save"' not in content
    with translation.override("de"):
        assert page.context["title"] == translation.gettext("View %s") % registration

    data = {
        "is_representative": "",
        "salutation": registration.salutation,
        "academic_title": "",
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "function": registration.function,
        "diet": "none",
        "diet_notes": "",
        "accessibility_needs": "",
        "visibility": "nobody",
        "message": "",
        "language": "de",
        "_save": "Revert",
    }
    assert staff_client.post(url, data).status_code == 403
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_event_cancellation_records_every_registration_in_bulk(person, event):
    registrations = [registered(event, person)] + [
        registered(event, ContactPersonFactory()) for _ in range(2)
    ]

    services.event_cancel_notify(event=event, notice="Abgesagt")

    for registration in registrations:
        latest = registration.history.latest()
        assert latest.status == Registration.Status.CANCELLED_BY_ORGANISER
        assert latest.history_type == "~"


def test_rescheduling_records_the_question_to_registrants(person, event):
    from datetime import timedelta

    from django.utils import timezone

    registration = registered(event, person)

    services.event_reschedule_notify(
        event=event,
        new_days=[DaySpec(timezone.localdate() + timedelta(days=90))],
        notice="",
        answer_deadline=timezone.now() + timedelta(days=7),
    )

    assert registration.history.latest().reconfirmation == Registration.Reconfirmation.PENDING


def test_promotion_from_the_waiting_list_is_recorded():
    event = EventFactory(capacity=1)
    first = registered(event, ContactPersonFactory())
    waiting = registered(event, ContactPersonFactory())

    services.registration_cancel(registration=first)

    assert [h.status for h in waiting.history.order_by("history_date")] == [
        Registration.Status.WAITING,
        Registration.Status.CONFIRMED,
    ]


def test_signing_in_adds_no_history_row(client, person):
    token = sign_in_tokens.make_token(person)
    before = person.history.count()

    services.sign_in_token_use(token=token)

    person.refresh_from_db()
    assert person.last_login is not None
    assert person.history.count() == before
    assert not hasattr(person.history.latest(), "last_login")


def test_manage_token_is_not_copied_into_the_history(person, event):
    registration = registered(event, person)

    historical = registration.history.latest()
    assert not hasattr(historical, "manage_nonce")
    assert not hasattr(historical, "manage_token_hash")
    assert ContactPerson.history.filter(id=person.pk).exists()


def test_an_event_cannot_be_reverted_through_its_history_either(staff_client, event):
    event.capacity = 50
    event.save()
    before = event.history.earliest()
    url = reverse("admin:events_event_simple_history", args=[event.pk, before.history_id])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert page.context["original"].capacity == 5
    assert 'name="_save"' not in page.content.decode()

    assert staff_client.post(url, {"title": event.title, "capacity": "5"}).status_code == 403
    event.refresh_from_db()
    assert event.capacity == 50
