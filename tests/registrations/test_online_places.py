"""Hybrid events: in person and online each have their own places and waiting list, through
every door (service, public form, admin form, admin registration form, carry-over)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.models import Event
from registrations.models import Registration
from registrations.selectors import capacity
from registrations.services import (
    Details,
    event_capacity_set,
    registration_cancel,
    registration_create,
    registration_participation_change,
    registration_update,
)
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)
from tests.registrations.test_one_door import _FormInputs, change_form, save

pytestmark = pytest.mark.django_db

P = Registration.Participation
S = Registration.Status


def hybrid(**kwargs) -> Event:
    return EventFactory(
        attendance_mode=Event.AttendanceMode.HYBRID,
        **{"capacity": 1, "online_capacity": 1, **kwargs},
    )


def register(event, participation="", person=None) -> Registration:
    return registration_create(
        event=event,
        registered_by=person or ContactPersonFactory(),
        attendee=None,
        details=Details(participation=participation),
        privacy_acknowledged=True,
        language="de",
    )


def test_each_mode_fills_its_own_places_and_waits_on_its_own_list():
    event = hybrid()
    on_site = register(event, P.IN_PERSON)
    waits_on_site = register(event, P.IN_PERSON)
    online = register(event, P.ONLINE)
    waits_online = register(event, P.ONLINE)

    assert (on_site.status, online.status) == (S.CONFIRMED, S.CONFIRMED)
    assert (waits_on_site.status, waits_online.status) == (S.WAITING, S.WAITING)
    assert list(capacity.waiting_list(event, P.IN_PERSON)) == [waits_on_site]
    assert list(capacity.waiting_list(event, P.ONLINE)) == [waits_online]
    assert waits_on_site.waiting_position() == 1 and waits_online.waiting_position() == 1
    assert capacity.free_places_by_mode(event) == {P.IN_PERSON: 0, P.ONLINE: 0}


def test_a_cancellation_frees_a_place_in_its_own_mode_only():
    event = hybrid()
    register(event, P.IN_PERSON)
    waits_on_site = register(event, P.IN_PERSON)
    online = register(event, P.ONLINE)
    waits_online = register(event, P.ONLINE)

    registration_cancel(registration=online, by_organiser=True)

    waits_online.refresh_from_db()
    waits_on_site.refresh_from_db()
    assert waits_online.status == S.CONFIRMED
    assert waits_on_site.status == S.WAITING


def test_a_full_in_person_side_does_not_close_registration_online():
    event = hybrid(online_capacity=None, waiting_list_enabled=False)
    register(event, P.IN_PERSON)
    with pytest.raises(ValidationError) as refused:
        register(event, P.IN_PERSON)
    assert refused.value.code == "full"
    # Blank online capacity: no limit.
    assert all(register(event, P.ONLINE).status == S.CONFIRMED for _ in range(3))
    assert capacity.event_is_full(event) is False


def test_a_hybrid_registration_must_say_how_the_person_takes_part():
    with pytest.raises(ValidationError) as refused:
        register(hybrid(), "")
    assert refused.value.code == "participation"
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("mode", "chosen", "stored"),
    [("online", "in_person", "online"), ("in_person", "online", "in_person")],
)
def test_a_single_mode_event_decides_for_everyone(mode, chosen, stored):
    registration = register(EventFactory(attendance_mode=mode), chosen)
    assert registration.participation == stored
    assert registration.takes_part_online is (mode == "online")


def test_raising_the_online_capacity_promotes_from_the_online_list_only():
    event = hybrid()
    register(event, P.IN_PERSON)
    waits_on_site = register(event, P.IN_PERSON)
    register(event, P.ONLINE)
    waits_online = register(event, P.ONLINE)

    event_capacity_set(event=event, capacity_value=2, participation=P.ONLINE)

    event.refresh_from_db()
    assert (event.capacity, event.online_capacity) == (1, 2)
    assert Registration.objects.get(pk=waits_online.pk).status == S.CONFIRMED
    assert Registration.objects.get(pk=waits_on_site.pk).status == S.WAITING


def test_the_online_capacity_cannot_go_below_the_confirmed_online_places():
    event = hybrid(online_capacity=2)
    register(event, P.ONLINE)
    register(event, P.ONLINE)
    register(event, P.IN_PERSON)
    with pytest.raises(ValidationError):
        event_capacity_set(event=event, capacity_value=1, participation=P.ONLINE)
    # The in-person capacity counts in-person places only.
    assert capacity.capacity_refusal(event=event, new_capacity=1) is None
    assert capacity.capacity_refusal(event=event, new_capacity=0)


def test_moving_a_registrant_to_a_full_mode_puts_them_on_its_list_and_frees_their_place():
    event = hybrid()
    leaves = register(event, P.IN_PERSON)
    waits_on_site = register(event, P.IN_PERSON)
    register(event, P.ONLINE)

    registration_participation_change(registration=leaves, participation=P.ONLINE)

    leaves.refresh_from_db()
    assert (leaves.participation, leaves.status) == (P.ONLINE, S.WAITING)
    assert Registration.objects.get(pk=waits_on_site.pk).status == S.CONFIRMED


def test_only_a_hybrid_registration_changes_participation():
    registration = register(EventFactory(), "")
    with pytest.raises(ValidationError):
        registration_participation_change(registration=registration, participation=P.ONLINE)


# --- doors --------------------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    return {"who": "self", "diet": "none", "visibility": "nobody", "privacy": "on", **overrides}


def test_public_form_asks_hybrid_registrants_how_they_take_part(client, sign_in):
    event = hybrid(capacity=2, online_capacity=None)
    RegistrationFactory(event=event, participation=P.IN_PERSON)
    person = ContactPersonFactory()
    sign_in(client, person)
    path = reverse("registrations:register", kwargs={"slug": event.slug})

    page = client.get(path).content.decode()
    assert "Wie nehmen Sie teil?" in page
    assert 'name="participation"' in page and 'type="radio"' in page
    assert "1 Platz frei" in page  # in person; online has no limit

    refused = client.post(path, form_data())
    assert refused.status_code == 400
    assert "participation" in refused.context["form"].errors

    assert client.post(path, form_data(participation="online")).status_code == 302
    assert Registration.objects.get(email=person.email).participation == P.ONLINE


def test_public_form_of_an_in_person_event_asks_nothing(client, sign_in):
    event = EventFactory()
    sign_in(client, ContactPersonFactory())
    page = client.get(reverse("registrations:register", kwargs={"slug": event.slug}))
    assert 'name="participation"' not in page.content.decode()


def test_event_page_shows_the_mode_and_free_places_per_mode(client):
    event = hybrid(capacity=3, online_capacity=None)
    RegistrationFactory(event=event, participation=P.IN_PERSON)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "vor Ort oder online (hybrid)" in page
    assert "vor Ort: noch 2 Plätze frei" in page
    assert "online: Plätze frei" in page


def test_admin_change_form_raising_the_online_capacity_promotes_online(
    staff_client, django_capture_on_commit_callbacks, mailoutbox
):
    event = hybrid()
    register(event, P.IN_PERSON)
    waits_on_site = register(event, P.IN_PERSON)
    register(event, P.ONLINE)
    waits_online = register(event, P.ONLINE)
    data = change_form(staff_client, event)
    assert data["online_capacity"] == "1"

    with django_capture_on_commit_callbacks(execute=True):
        response = save(staff_client, event, {**data, "online_capacity": "2"})

    assert response.redirect_chain[-1][1] == 302
    event.refresh_from_db()
    assert event.online_capacity == 2
    assert Registration.objects.get(pk=waits_online.pk).status == S.CONFIRMED
    assert Registration.objects.get(pk=waits_on_site.pk).status == S.WAITING
    assert [m.to for m in mailoutbox] == [[waits_online.email]]


def test_admin_change_form_refuses_an_online_capacity_below_the_confirmed(staff_client):
    event = hybrid(online_capacity=3)
    register(event, P.ONLINE)
    register(event, P.ONLINE)
    data = change_form(staff_client, event)

    response = save(staff_client, event, {**data, "online_capacity": "1"})

    assert "online_capacity" in response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.online_capacity == 3


def test_admin_change_form_refuses_switching_to_online_with_people_registered(staff_client):
    event = EventFactory()
    RegistrationFactory(event=event)
    data = change_form(staff_client, event)

    response = save(staff_client, event, {**data, "attendance_mode": "online"})

    assert "attendance_mode" in response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.attendance_mode == Event.AttendanceMode.IN_PERSON


def test_admin_form_refuses_switching_to_online_with_people_registered():
    event = EventFactory()
    RegistrationFactory(event=event)
    assert capacity.attendance_mode_refusal(event=event, new_mode="online")
    assert capacity.attendance_mode_refusal(event=event, new_mode="hybrid") is None
    online = hybrid()
    RegistrationFactory(event=online, participation=P.ONLINE)
    assert capacity.attendance_mode_refusal(event=online, new_mode="in_person")


def test_admin_registration_form_moves_a_registrant_through_the_service(staff_client):
    event = hybrid()
    moves = register(event, P.IN_PERSON)
    waits_on_site = register(event, P.IN_PERSON)
    change = reverse("admin:registrations_registration_change", args=[moves.pk])
    parser = _FormInputs("registration_form")
    parser.feed(staff_client.get(change).content.decode())
    data = dict(parser.pairs)
    assert data["participation"] == P.IN_PERSON
    data["participation"] = P.ONLINE

    response = staff_client.post(change, {**data, "_save": "Sichern"})
    assert response.status_code == 302, response.context["adminform"].form.errors

    moves.refresh_from_db()
    assert (moves.participation, moves.status) == (P.ONLINE, S.CONFIRMED)
    assert Registration.objects.get(pk=waits_on_site.pk).status == S.CONFIRMED


def test_admin_add_registration_takes_the_participation(staff_client):
    event = hybrid()
    person = ContactPersonFactory()
    add = reverse("admin:registrations_registration_add") + f"?event={event.pk}"
    data = {
        "event": event.pk,
        "registered_by": person.pk,
        "diet": "none",
        "language": "de",
        "privacy_informed": "on",
        "participation": "online",
    }
    assert staff_client.post(add, data).status_code == 302
    assert Registration.objects.get(event=event).participation == P.ONLINE


def test_making_an_in_person_event_hybrid_with_few_online_places_is_allowed():
    event = EventFactory(capacity=5)
    for _ in range(3):
        register(event)
    assert capacity.capacity_refusal(event=event, new_capacity=1, participation=P.ONLINE) is None
    assert capacity.capacity_refusal(event=event, new_capacity=2)


def _with_item(event, participation, item, person=None):
    return registration_create(
        event=event,
        registered_by=person or ContactPersonFactory(),
        attendee=None,
        details=Details(participation=participation, programme_item_ids=[item.pk]),
        privacy_acknowledged=True,
        language="de",
    )


def test_the_side_programme_is_for_those_on_site_at_a_hybrid_event():
    """The reception and the site visit have places on site: an online participant cannot
    take one, at registration or later on the manage page."""
    event = hybrid(online_capacity=5)
    item = ProgrammeItemFactory(event=event, capacity=1)

    with pytest.raises(ValidationError) as refused:
        _with_item(event, P.ONLINE, item)
    assert refused.value.code == "online_programme"

    online = register(event, P.ONLINE)
    with pytest.raises(ValidationError):
        registration_update(registration=online, details=Details(programme_item_ids=[item.pk]))
    on_site = _with_item(event, P.IN_PERSON, item)
    assert on_site.programme_choices.get().status == "confirmed"


def test_moving_online_gives_up_the_side_programme_place_to_the_next_on_site():
    event = hybrid(capacity=5, online_capacity=5)
    item = ProgrammeItemFactory(event=event, capacity=1)
    moves = _with_item(event, P.IN_PERSON, item)
    waits = _with_item(event, P.IN_PERSON, item)
    assert waits.programme_choices.get().status == "waiting"

    registration_participation_change(registration=moves, participation=P.ONLINE)

    assert moves.programme_choices.get().status == "cancelled"
    assert waits.programme_choices.get().status == "confirmed"
