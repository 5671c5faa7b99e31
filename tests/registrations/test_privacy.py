"""Data protection: retention and anonymisation, a person's data export and erasure, the
legal pages editable in the admin."""

import json
from collections import Counter
from datetime import date, datetime, timedelta
from io import BytesIO, StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.flatpages.models import FlatPage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from registrations import services
from registrations.exports import person as privacy
from registrations.models import (
    AccessRequest,
    Attendance,
    ContactPerson,
    ErasureLog,
    OutboxMessage,
    ProgrammeChoice,
    Registration,
)
from registrations.selectors import privacy as privacy_selectors
from tests.factories import (
    AccessRequestFactory,
    ContactPersonFactory,
    EventFactory,
    ProgrammeChoiceFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2031, 6, 15, 12, 0))


def days_ago(n: int) -> list[date]:
    return [timezone.localdate(NOW) - timedelta(days=n)]


def registration_for(event, person=None, **kwargs) -> Registration:
    person = person or ContactPersonFactory()
    registration = RegistrationFactory(event=event, registered_by=person, **kwargs)
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.CONFIRMATION,
        recipient=registration.email,
        registration=registration,
        event=event,
    )
    return registration


@pytest.fixture
def expired():
    """An event that ended two years ago, with what the statistics count."""
    event = EventFactory(days=days_ago(730), title="Jahrestreffen 2029")
    registrations = [
        registration_for(
            event,
            status=status,
            diet=diet,
            diet_notes="Nussallergie",
            accessibility_needs="Rollstuhl",
            message="Bis bald",
            academic_title="Dr.",
            visibility="public",
        )
        for status, diet in [
            ("confirmed", "vegan"),
            ("confirmed", "none"),
            ("waiting", "vegetarian"),
            ("cancelled", "none"),
        ]
    ]
    ProgrammeChoiceFactory(registration=registrations[0])
    ProgrammeChoiceFactory(registration=registrations[1], status="waiting")
    Attendance.objects.create(registration=registrations[0], day=event.sorted_days[0].date)
    return event


@pytest.fixture
def recent():
    """An event that ended a month ago: still within the retention period."""
    event = EventFactory(days=days_ago(30), title="Jahrestreffen 2031")
    registration_for(event)
    return event


def statistics(event) -> dict:
    registrations = Registration.objects.filter(event=event)
    return {
        "status": Counter(registrations.values_list("status", flat=True)),
        "diet": Counter(registrations.values_list("diet", flat=True)),
        "organisation": Counter(registrations.values_list("organisation", flat=True)),
        "choices": Counter(
            ProgrammeChoice.objects.filter(registration__event=event).values_list(
                "status", flat=True
            )
        ),
        "attendance": Attendance.objects.filter(registration__event=event).count(),
    }


# --- retention ------------------------------------------------------------------------------


def test_anonymisation_touches_only_events_past_the_retention_period(expired, recent):
    recent_before = list(Registration.objects.filter(event=recent).values())

    count = services.registrations_anonymise_expired(now=NOW)

    assert count == 4
    assert not Registration.objects.filter(event=expired, anonymised_at__isnull=True).exists()
    assert list(Registration.objects.filter(event=recent).values()) == recent_before


def test_anonymisation_is_idempotent(expired, recent):
    assert services.registrations_anonymise_expired(now=NOW) == 4
    assert services.registrations_anonymise_expired(now=NOW) == 0
    assert ErasureLog.objects.filter(reason="retention").count() == 1


def test_anonymisation_keeps_the_counts_statistics_need(expired):
    before = statistics(expired)

    services.registrations_anonymise_expired(now=NOW)

    assert statistics(expired) == before


def test_anonymisation_removes_personal_data_from_registrations_history_and_mails(expired):
    originals = list(Registration.objects.filter(event=expired))
    names = {r.last_name for r in originals} | {r.email for r in originals}

    services.registrations_anonymise_expired(now=NOW)

    for registration in Registration.objects.filter(event=expired):
        assert registration.email == f"anonymised-{registration.pk}@invalid"
        assert registration.first_name == registration.last_name == ""
        assert registration.academic_title == registration.function == ""
        assert registration.diet_notes == registration.accessibility_needs == ""
        assert registration.message == ""
        assert registration.visibility == "nobody"
        assert registration.full_name == "(anonymisiert)"
        assert registration.anonymised_at is not None
        history = list(registration.history.all())
        assert len(history) == 1  # the anonymisation itself
        assert history[0].history_change_reason == "anonymised: retention period expired"
        assert history[0].email == registration.email
    history_values = {
        value
        for row in Registration.history.filter(event=expired).values()
        for value in row.values()
    }
    assert not names & history_values
    assert not OutboxMessage.objects.filter(registration__event=expired).exists()
    assert not OutboxMessage.objects.filter(recipient__in=names).exists()


def test_retention_period_is_a_setting(settings, recent):
    assert services.registrations_anonymise_expired(now=NOW) == 0

    settings.RETENTION_MONTHS = 0
    assert services.registrations_anonymise_expired(now=NOW) == 1


def test_retention_counts_months_after_the_last_day(settings):
    settings.RETENTION_MONTHS = 12
    cutoff = services.retention_cutoff(now=NOW)
    ended_on_cutoff = EventFactory(days=[cutoff])
    ended_before = EventFactory(days=[cutoff - timedelta(days=1)])
    registration_for(ended_on_cutoff)
    registration_for(ended_before)

    assert cutoff == date(2030, 6, 15)
    assert services.registrations_anonymise_expired(now=NOW) == 1
    assert Registration.objects.get(event=ended_before).anonymised_at is not None
    assert Registration.objects.get(event=ended_on_cutoff).anonymised_at is None


def test_command_prints_the_count_and_is_idempotent(expired, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    first, second = StringIO(), StringIO()

    call_command("anonymise_registrations", stdout=first)
    call_command("anonymise_registrations", stdout=second)

    assert first.getvalue().splitlines()[0] == "4 registration(s) anonymised."
    assert second.getvalue().splitlines()[0] == "0 registration(s) anonymised."


def test_command_dry_run_counts_and_changes_nothing(expired, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    out = StringIO()

    call_command("anonymise_registrations", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "4 registration(s) would be anonymised."
    assert lines[-1] == "Dry run: nothing was changed."
    assert not Registration.objects.filter(anonymised_at__isnull=False).exists()
    assert not ErasureLog.objects.exists()


def test_erasure_removes_the_name_from_the_admins_recent_actions(staff_client, person):
    registration = RegistrationFactory(registered_by=person)
    user = get_user_model().objects.get(username="staff")
    for obj in (person, registration):
        LogEntry.objects.create(
            user=user,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action_flag=CHANGE,
            change_message='[{"changed": {"fields": ["Nachname"]}}]',
        )

    services.person_erase(person=person, user=user)

    assert set(LogEntry.objects.values_list("object_repr", "change_message")) == {
        ("(gelöscht)", "")
    }
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert person.last_name not in page


def test_old_access_requests_and_loose_mail_records_are_deleted_after_the_period(
    settings, monkeypatch
):
    settings.RETENTION_MONTHS = 12
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    long_ago = NOW - timedelta(days=400)
    old = AccessRequestFactory(email="alt@stadt.example.org")
    AccessRequest.objects.filter(pk=old.pk).update(created_at=long_ago)
    decided_old = AccessRequestFactory(email="entschieden@stadt.example.org")
    AccessRequest.objects.filter(pk=decided_old.pk).update(
        created_at=long_ago, decided_at=long_ago, status=AccessRequest.Status.REJECTED
    )
    fresh = AccessRequestFactory(email="neu@stadt.example.org")
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.SIGN_IN_LINK,
        recipient="alt@stadt.example.org",
        status=OutboxMessage.Status.SENT,
        sent_at=long_ago,
        created_at=long_ago,
    )
    recent_mail = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.SIGN_IN_LINK,
        recipient="neu@stadt.example.org",
        status=OutboxMessage.Status.SENT,
        sent_at=NOW,
        created_at=NOW,
    )

    counts = services.records_purge_expired()

    assert counts == {"access_requests": 2, "mails": 1}
    assert list(AccessRequest.objects.all()) == [fresh]
    assert list(OutboxMessage.objects.all()) == [recent_mail]
    log = ErasureLog.objects.get()
    assert log.counts == counts
    assert "alt@stadt.example.org" not in str(log.counts)
    assert services.records_purge_expired() == {}


# --- one person's data: export and erasure ---------------------------------------------------


@pytest.fixture
def person():
    return ContactPersonFactory(
        first_name="Hedwig", last_name="Datenschutz", email="hedwig@stadt.example.org"
    )


@pytest.fixture
def bystander(person):
    """A colleague the person registered, and someone else at the same event."""
    event = EventFactory(title="Jahrestreffen Zukunft")
    colleague = RegistrationFactory(
        event=event,
        registered_by=person,
        first_name="Konrad",
        last_name="Kollege",
        email="konrad@stadt.example.org",
        is_representative=True,
    )
    other = RegistrationFactory(
        event=event, first_name="Otto", last_name="Anders", email="otto@anders.example.org"
    )
    return colleague, other


@pytest.fixture
def held(person):
    """What is held about the person: registrations, a choice, an access request, mails."""
    past = EventFactory(
        days=[timezone.localdate() - timedelta(days=100)], title="Jahrestreffen Vergangen"
    )
    own = registration_for(past, person, diet_notes="Laktosefrei")
    ProgrammeChoiceFactory(registration=own)
    Attendance.objects.create(registration=own, day=past.sorted_days[0].date)
    AccessRequestFactory(
        email="hedwig@stadt.example.org", first_name="Hedwig", last_name="Datenschutz"
    )
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.SIGN_IN_LINK, recipient=person.email, contact_person=person
    )
    person.function = "Datenschutzbeauftragte"
    person.save()
    return own


FOREIGN = ["Konrad", "Kollege", "konrad@stadt.example.org", "Otto", "Anders", "otto@anders"]


def test_export_holds_the_persons_data_and_nobody_elses(person, held, bystander):
    data = privacy_selectors.person_data_export(person=person)

    text = json.dumps(data)
    assert data["contact_person"]["email"] == "hedwig@stadt.example.org"
    assert data["contact_person"]["function"] == "Datenschutzbeauftragte"
    assert [r["event"] for r in data["registrations"]] == ["Jahrestreffen Vergangen"]
    assert data["registrations"][0]["diet_notes"] == "Laktosefrei"
    assert len(data["registrations"][0]["programme_choices"]) == 1
    assert len(data["registrations"][0]["attendance"]) == 1
    assert data["registrations_for_others"] == [
        {
            "event": "Jahrestreffen Zukunft",
            "registered_at": data["registrations_for_others"][0]["registered_at"],
        }
    ]
    assert len(data["access_requests"]) == 1
    assert {m["kind"] for m in data["mails"]} == {"confirmation", "sign_in_link"}
    assert {h["values"].get("function") for h in data["history"]} >= {
        "Leitung Stadtplanungsamt",
        "Datenschutzbeauftragte",
    }
    for foreign in FOREIGN:
        assert foreign not in text


def test_export_files_json_and_xlsx(person, held, bystander):
    data = privacy_selectors.person_data_export(person=person)

    parsed = json.loads(privacy.person_data_json(data))
    workbook = load_workbook(BytesIO(privacy.person_data_xlsx(data)))
    cells = " ".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )

    assert parsed == data
    # The spreadsheet names sections in words; the JSON keeps the machine keys.
    assert {"Verzeichniseintrag", "Anmeldungen", "Mails", "Historieneinträge"} <= set(
        workbook.sheetnames
    )
    assert "contact_person" in parsed
    assert "hedwig@stadt.example.org" in cells
    assert "Laktosefrei" in cells
    for foreign in FOREIGN:
        assert foreign not in cells


def test_xlsx_export_never_writes_a_formula(person):
    person.function = '=HYPERLINK("http://evil.example")'
    person.save()

    workbook = load_workbook(
        BytesIO(privacy.person_data_xlsx(privacy_selectors.person_data_export(person=person)))
    )

    cell = next(
        row[1] for row in workbook["Verzeichniseintrag"].iter_rows() if row[0].value == "Funktion"
    )
    assert cell.data_type == "s"
    assert cell.value == "'" + person.function  # neutralised as in every export


def _action(client, action, people, **extra):
    url = reverse("admin:registrations_contactperson_changelist")
    data = {"action": action, "_selected_action": [p.pk for p in people], **extra}
    return client.post(url, data)


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_admin_exports_one_persons_data(staff_client, person, held, fmt):
    response = _action(staff_client, f"export_data_{fmt}", [person])

    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="personendaten-{person.pk}.{fmt}"'
    )
    assert "no-store" in response["Cache-Control"]
    if fmt == "json":
        assert json.loads(response.content)["contact_person"]["last_name"] == "Datenschutz"


def test_admin_refuses_to_export_or_erase_several_people_at_once(staff_client, person):
    other = ContactPersonFactory()

    for action in ["export_data_json", "erase_data"]:
        response = _action(staff_client, action, [person, other])
        assert response.status_code == 302

    assert ContactPerson.objects.filter(pk__in=[person.pk, other.pk]).count() == 2


def test_erasure_asks_for_confirmation_with_counts(staff_client, person, held):
    response = _action(staff_client, "erase_data", [person])

    page = response.content.decode()
    assert response.status_code == 200
    assert "Hedwig Datenschutz" in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert ContactPerson.objects.filter(pk=person.pk).exists()
    assert privacy_selectors.person_erasure_preview(person=person) == {
        "registrations": 1,
        "registrations_for_others": 0,
        "access_requests": 1,
        "mails": 2,
        "history": 3,  # directory entry created and changed, registration created
    }


def test_erasure_removes_the_persons_data_and_logs_without_it(staff_client, person, held):
    pk, email = person.pk, person.email

    response = _action(staff_client, "erase_data", [person], confirm="yes")

    assert response.status_code == 302
    person.refresh_from_db()  # kept, without data: their registration still points to it
    assert person.email == f"erased-{pk}@invalid"
    assert [h.email for h in ContactPerson.history.filter(id=pk)] == [person.email]
    assert not AccessRequest.objects.filter(email=email).exists()
    assert not OutboxMessage.objects.filter(recipient=email).exists()
    held.refresh_from_db()
    assert held.anonymised_at is not None
    assert held.email == f"anonymised-{held.pk}@invalid"
    assert held.diet_notes == ""
    assert [h.history_change_reason for h in held.history.all()] == [
        "anonymised: erasure on request"
    ]
    assert held.attendances.count() == 1  # statistics keep counting
    log = ErasureLog.objects.get()
    assert log.reason == "request"
    assert log.erased_by.username == "staff"
    assert log.counts == {
        "contact_person": "anonymised",
        "registrations": 1,
        "access_requests": 1,
        "mails": 2,
        "history": 3,
    }
    logged = json.dumps(list(ErasureLog.objects.values()), default=str)
    for trace in ["Hedwig", "Datenschutz", "hedwig", "stadt.example.org"]:
        assert trace not in logged


def test_erasing_someone_who_never_registered_deletes_the_entry_and_its_history(person):
    person.function = "Amtsleitung"
    person.save()
    AccessRequest.objects.create(
        first_name="Hedwig",
        last_name="Datenschutz",
        email=person.email,
        organisation=person.organisation,
        function="Amtsleitung",
        contact_person=person,
        status="approved",
    )
    pk = person.pk

    log = services.person_erase(person=person, user=None)

    assert not ContactPerson.objects.filter(pk=pk).exists()
    assert not ContactPerson.history.filter(id=pk).exists()
    assert not AccessRequest.objects.exists()
    assert log.counts["contact_person"] == "deleted"
    assert log.counts["history"] == 2


def test_erasing_someone_who_registered_colleagues_anonymises_the_directory_entry(
    person, bystander
):
    colleague, other = bystander
    own = RegistrationFactory(event=colleague.event, registered_by=person)

    log = services.person_erase(person=person, user=None)

    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("", "")
    assert person.email == f"erased-{person.pk}@invalid"
    assert person.is_active is False
    assert not person.can_sign_in()
    assert person.full_name == "(gelöscht)"
    assert log.counts["contact_person"] == "anonymised"
    assert [h.email for h in person.history.all()] == [person.email]
    colleague.refresh_from_db()
    assert (colleague.last_name, colleague.email) == ("Kollege", "konrad@stadt.example.org")
    assert colleague.registered_by == person
    own.refresh_from_db()
    assert own.anonymised_at is not None
    assert own.status == Registration.Status.CANCELLED  # the place is freed


def test_erasure_frees_a_place_for_the_waiting_list_without_mailing_the_erased(
    person, django_capture_on_commit_callbacks, mailoutbox
):
    event = EventFactory(capacity=1)
    own = RegistrationFactory(event=event, registered_by=person)
    waiting = RegistrationFactory(event=event, status="waiting")

    with django_capture_on_commit_callbacks(execute=True):
        services.person_erase(person=person, user=None)

    waiting.refresh_from_db()
    own.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert own.status == Registration.Status.CANCELLED
    assert [m.to for m in mailoutbox] == [[waiting.email]]


def test_erasure_log_is_read_only_in_the_admin(staff_client, person):
    log = services.person_erase(person=person, user=None)

    changelist = staff_client.get(reverse("admin:registrations_erasurelog_changelist"))
    change = staff_client.post(
        reverse("admin:registrations_erasurelog_change", args=[log.pk]), {"reason": "retention"}
    )

    assert changelist.status_code == 200
    assert log.reference in changelist.content.decode()
    assert change.status_code == 403
    assert staff_client.get(reverse("admin:registrations_erasurelog_add")).status_code == 403


# --- legal pages ------------------------------------------------------------------------------


def test_staff_editing_the_privacy_page_changes_the_public_page(staff_client, client):
    page = FlatPage.objects.get(url="/datenschutz/")
    url = reverse("admin:flatpages_flatpage_change", args=[page.pk])

    response = staff_client.post(
        url,
        {
            "url": page.url,
            "title": page.title,
            "content": "<p>Wir speichern Anmeldungen 12 Monate nach der Veranstaltung.</p>",
            "sites": [site.pk for site in page.sites.all()],
            "template_name": page.template_name,
        },
    )
    client.logout()
    public = client.get("/datenschutz/")

    assert response.status_code == 302
    assert "Wir speichern Anmeldungen 12 Monate nach der Veranstaltung." in public.content.decode()
