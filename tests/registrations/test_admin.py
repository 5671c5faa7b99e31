"""The registrations admin: directory, registrations per event, access request queue."""

from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registrations.models import (
    AccessRequest,
    ContactPerson,
    MemberOrganisation,
    ProgrammeChoice,
    Registration,
)
from tests.factories import (
    AccessRequestFactory,
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

REGISTRATION_MODELS = [MemberOrganisation, ContactPerson, AccessRequest, Registration]


def _changelist(client, model, **params):
    url = reverse(f"admin:registrations_{model._meta.model_name}_changelist")
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def _shown(response) -> set[str]:
    return {str(obj) for obj in response.context["cl"].result_list}


def _action(client, model, action, objects):
    url = reverse(f"admin:registrations_{model._meta.model_name}_changelist")
    data = {"action": action, "_selected_action": [obj.pk for obj in objects]}
    return client.post(url, data, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def directory():
    leipzig = MemberOrganisationFactory(name="Stadt Leipzig", kind="city", federal_state="SN")
    harz = MemberOrganisationFactory(name="Landkreis Harz", kind="district", federal_state="ST")
    former = MemberOrganisationFactory(
        name="Stadt Ehemals", member_since=date(2000, 1, 1), member_until=date(2010, 12, 31)
    )
    ContactPersonFactory(organisation=leipzig, email="anna@leipzig.de", last_name="Apfel")
    ContactPersonFactory(organisation=harz, email="bert@kreis-harz.de", last_name="Birne")
    ContactPersonFactory(organisation=harz, email="carla@kreis-harz.de", role="deputy")
    return {"leipzig": leipzig, "harz": harz, "former": former}


# Pages ----------------------------------------------------------------------------------------


def test_every_registrations_admin_page_renders(staff_client, directory, event):
    registration = RegistrationFactory(event=event)
    ProgrammeChoiceFactory(registration=registration)
    AccessRequestFactory(organisation=directory["leipzig"])
    request = staff_client.get(reverse("admin:index")).wsgi_request
    for model in REGISTRATION_MODELS:
        model_admin = admin.site._registry[model]
        prefix = f"admin:registrations_{model._meta.model_name}"
        assert staff_client.get(reverse(f"{prefix}_changelist")).status_code == 200
        if model_admin.has_add_permission(request):
            assert staff_client.get(reverse(f"{prefix}_add")).status_code == 200
        obj = model.objects.first()
        assert staff_client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200


@pytest.mark.parametrize("model", [MemberOrganisation, ContactPerson])
def test_directory_import_and_export_pages_render(staff_client, model):
    prefix = f"admin:registrations_{model._meta.model_name}"
    response = staff_client.get(reverse(f"{prefix}_import"))
    assert response.status_code == 200
    form = response.context["form"]
    assert [title for _, title in form.fields["format"].choices] == ["---", "csv", "xlsx"]
    assert "skip_invalid_rows" in form.fields
    assert staff_client.get(reverse(f"{prefix}_export")).status_code == 200


def test_organisation_page_shows_its_contact_persons_inline(staff_client, directory):
    url = reverse("admin:registrations_memberorganisation_change", args=[directory["harz"].pk])
    response = staff_client.get(url)
    content = response.content.decode()
    assert "bert@kreis-harz.de" in content
    assert "carla@kreis-harz.de" in content
    assert "anna@leipzig.de" not in content


def test_changelists_need_a_fixed_number_of_queries(
    staff_client, directory, event, django_assert_max_num_queries
):
    for organisation in MemberOrganisation.objects.all():
        RegistrationFactory(event=event, registered_by__organisation=organisation)
    AccessRequestFactory.create_batch(3, organisation=directory["leipzig"])
    for model in REGISTRATION_MODELS:
        with django_assert_max_num_queries(15):
            _changelist(staff_client, model)


def _rows(n):
    """n events, each with a side programme item and a registrant holding it."""
    for _ in range(n):
        registration = RegistrationFactory(event=EventFactory())
        ProgrammeChoiceFactory(registration=registration)


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


def test_registration_and_event_changelists_need_as_many_queries_for_50_rows_as_for_5(
    staff_client,
):
    urls = [
        reverse("admin:registrations_registration_changelist"),
        reverse("admin:events_event_changelist"),
    ]
    _rows(5)
    few = [_queries(staff_client, url) for url in urls]
    _rows(45)
    many = [_queries(staff_client, url) for url in urls]

    assert [rows for _, rows in few] == [5, 5]
    assert [rows for _, rows in many] == [50, 50]
    assert [count for count, _ in many] == [count for count, _ in few]


# Search and filters ---------------------------------------------------------------------------


def test_organisations_search_by_name_and_contact_email(staff_client, directory):
    assert _shown(_changelist(staff_client, MemberOrganisation, q="Leipzig")) == {"Stadt Leipzig"}
    assert _shown(_changelist(staff_client, MemberOrganisation, q="kreis-harz.de")) == {
        "Landkreis Harz"
    }


def test_organisations_filter_by_kind_state_and_current_membership(staff_client, directory):
    assert _shown(_changelist(staff_client, MemberOrganisation, kind="district")) == {
        "Landkreis Harz"
    }
    assert _shown(_changelist(staff_client, MemberOrganisation, federal_state="SN")) == {
        "Stadt Leipzig",
        # The factory's default state.
        "Stadt Ehemals",
    }
    assert _shown(_changelist(staff_client, MemberOrganisation, current="yes")) == {
        "Stadt Leipzig",
        "Landkreis Harz",
    }
    assert _shown(_changelist(staff_client, MemberOrganisation, current="no")) == {"Stadt Ehemals"}


def test_organisation_list_counts_contact_persons(staff_client, directory):
    response = _changelist(staff_client, MemberOrganisation)
    counts = {obj.name: obj._contacts for obj in response.context["cl"].result_list}
    assert counts == {"Stadt Leipzig": 1, "Landkreis Harz": 2, "Stadt Ehemals": 0}


def test_contact_persons_search_and_filter(staff_client, directory):
    response = _changelist(staff_client, ContactPerson, q="Birne")
    assert [p.email for p in response.context["cl"].result_list] == ["bert@kreis-harz.de"]
    response = _changelist(staff_client, ContactPerson, role="deputy")
    assert [p.email for p in response.context["cl"].result_list] == ["carla@kreis-harz.de"]


@pytest.fixture
def registrations(directory, event):
    other_event = EventFactory(title="Jahrestreffen Anderswo")
    item = ProgrammeItemFactory(event=event, title="Stadtrundgang")
    leipzig = ContactPerson.objects.get(email="anna@leipzig.de")
    harz = ContactPerson.objects.get(email="bert@kreis-harz.de")
    walking = RegistrationFactory(event=event, registered_by=leipzig)
    ProgrammeChoiceFactory(registration=walking, item=item)
    waiting = RegistrationFactory(event=event, registered_by=harz, status="waiting")
    elsewhere = RegistrationFactory(event=other_event, registered_by=harz)
    return {"walking": walking, "waiting": waiting, "elsewhere": elsewhere, "item": item}


def test_registrations_filter_by_event_status_organisation_and_programme_item(
    staff_client, registrations, event
):
    walking, waiting = registrations["walking"], registrations["waiting"]
    by_event = _changelist(staff_client, Registration, event__id__exact=event.pk)
    assert _shown(by_event) == {str(walking), str(waiting)}
    assert _shown(_changelist(staff_client, Registration, status="waiting")) == {str(waiting)}
    by_kind = _changelist(staff_client, Registration, organisation__kind="district")
    assert _shown(by_kind) == {str(waiting), str(registrations["elsewhere"])}
    by_item = _changelist(staff_client, Registration, item=registrations["item"].pk)
    assert _shown(by_item) == {str(walking)}


def test_registrations_search_by_name_email_and_organisation(staff_client, registrations):
    assert _shown(_changelist(staff_client, Registration, q="anna@leipzig.de")) == {
        str(registrations["walking"])
    }
    assert _shown(_changelist(staff_client, Registration, q="Harz")) == {
        str(registrations["waiting"]),
        str(registrations["elsewhere"]),
    }


def test_the_registration_add_page_is_the_staff_form(staff_client):
    response = staff_client.get(reverse("admin:registrations_registration_add"))
    assert response.status_code == 200
    assert "override_limit" in response.context["form"].fields


# Registration actions -------------------------------------------------------------------------


def test_confirm_from_waiting_list(
    staff_client, registrations, mailoutbox, django_capture_on_commit_callbacks
):
    waiting = registrations["waiting"]

    # Mails are enqueued on commit, which the test transaction never reaches; run them here.
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(staff_client, Registration, "confirm_from_waiting_list", [waiting])

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert "1 Anmeldung bestätigt." in _messages(response)
    assert [m.to for m in mailoutbox] == [[waiting.email]]


def test_confirm_from_waiting_list_refuses_a_confirmed_registration(staff_client, registrations):
    walking = registrations["walking"]

    response = _action(staff_client, Registration, "confirm_from_waiting_list", [walking])

    walking.refresh_from_db()
    assert walking.status == Registration.Status.CONFIRMED
    assert any(str(walking) in m for m in _messages(response))


def test_cancel_by_organiser_promotes_the_waiting_list(
    staff_client, mailoutbox, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=1)
    first = RegistrationFactory(event=event)
    second = RegistrationFactory(event=event, status="waiting")

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(staff_client, Registration, "cancel_by_organiser", [first])

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Registration.Status.CANCELLED_BY_ORGANISER
    assert first.cancelled_at is not None
    assert second.status == Registration.Status.CONFIRMED
    assert "1 Anmeldung storniert." in _messages(response)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([first.email, second.email])


def test_cancel_by_organiser_cancels_programme_places(staff_client, registrations):
    walking = registrations["walking"]

    _action(staff_client, Registration, "cancel_by_organiser", [walking])

    assert set(walking.programme_choices.values_list("status", flat=True)) == {
        ProgrammeChoice.Status.CANCELLED
    }


def test_resend_confirmation_mails_active_registrations_only(
    staff_client, registrations, mailoutbox, django_capture_on_commit_callbacks
):
    walking = registrations["walking"]
    cancelled = RegistrationFactory(status="cancelled", cancelled_at=walking.created_at)

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(staff_client, Registration, "resend_confirmation", [walking, cancelled])

    assert [m.to for m in mailoutbox] == [[walking.email]]
    assert "1 Bestätigung zum Versand vorgemerkt." in _messages(response)


# Access request queue -------------------------------------------------------------------------


def test_access_request_queue_lists_pending_first(staff_client, directory):
    decided = AccessRequestFactory(organisation=directory["leipzig"], status="rejected")
    pending = AccessRequestFactory(organisation=directory["leipzig"])
    AccessRequest.objects.filter(pk=pending.pk).update(
        created_at=decided.created_at - timedelta(days=3)
    )

    response = _changelist(staff_client, AccessRequest)

    assert [r.pk for r in response.context["cl"].result_list] == [pending.pk, decided.pk]
    assert _shown(_changelist(staff_client, AccessRequest, status="rejected")) == {str(decided)}


def test_approve_creates_a_contact_person_and_mails_a_link(
    staff_client, directory, mailoutbox, django_capture_on_commit_callbacks
):
    request = AccessRequestFactory(organisation=directory["leipzig"], email="neu@leipzig.de")

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(staff_client, AccessRequest, "approve", [request])

    request.refresh_from_db()
    assert request.status == AccessRequest.Status.APPROVED
    assert request.decided_by.username == "staff"
    person = ContactPerson.objects.get(email="neu@leipzig.de")
    assert (person.organisation, person.role) == (directory["leipzig"], "deputy")
    assert request.contact_person == person
    assert [m.to for m in mailoutbox] == [["neu@leipzig.de"]]
    assert "1 Anfrage genehmigt." in _messages(response)


def test_reject_sends_a_polite_mail(
    staff_client, directory, mailoutbox, django_capture_on_commit_callbacks
):
    request = AccessRequestFactory(organisation=directory["leipzig"], email="neu@leipzig.de")

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(staff_client, AccessRequest, "reject", [request])

    request.refresh_from_db()
    assert request.status == AccessRequest.Status.REJECTED
    assert not ContactPerson.objects.filter(email="neu@leipzig.de").exists()
    assert [m.to for m in mailoutbox] == [["neu@leipzig.de"]]
    assert "1 Anfrage abgelehnt." in _messages(response)


def test_a_decided_request_is_not_decided_again(staff_client, directory, mailoutbox):
    request = AccessRequestFactory(organisation=directory["leipzig"], status="rejected")

    response = _action(staff_client, AccessRequest, "approve", [request])

    request.refresh_from_db()
    assert request.status == AccessRequest.Status.REJECTED
    assert any(str(request) in m for m in _messages(response))
    assert mailoutbox == []


# Registration counts in the event list --------------------------------------------------------


def test_event_list_counts_registrations_exactly(staff_client, django_assert_max_num_queries):
    three_days = EventFactory(
        title="Drei Tage", days=[date(2030, 6, 4), date(2030, 6, 5), date(2030, 6, 6)]
    )
    for status in ["confirmed", "confirmed", "confirmed", "waiting", "waiting", "cancelled"]:
        RegistrationFactory(event=three_days, status=status)
    EventFactory(title="Ohne Anmeldungen")

    with django_assert_max_num_queries(10):
        response = staff_client.get(reverse("admin:events_event_changelist"))

    counts = {
        event.title: (event._confirmed, event._waiting, event._first, event._last)
        for event in response.context["cl"].result_list
    }
    assert counts["Drei Tage"] == (3, 2, date(2030, 6, 4), date(2030, 6, 6))
    assert counts["Ohne Anmeldungen"][:2] == (0, 0)


def test_event_list_orders_by_confirmed_count(staff_client):
    busy = EventFactory(title="Voll")
    RegistrationFactory.create_batch(2, event=busy)
    EventFactory(title="Leer")
    url = reverse("admin:events_event_changelist")
    column = staff_client.get(url).context["cl"].list_display.index("confirmed_count")

    response = staff_client.get(url, {"o": f"-{column}"})

    assert [e.title for e in response.context["cl"].result_list][:2] == ["Voll", "Leer"]
