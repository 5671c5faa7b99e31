"""The invitation pages in the admin: invite and remind with a preview from the sending
itself, the overview and its XLSX export, each in a number of queries that does not grow
with the number of people; and 2,000 invitations queued in a bounded number of queries."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from events.models import Event
from registrations import services
from registrations.models import ContactPerson, Invitation, MemberOrganisation, OutboxMessage
from registrations.selectors.invitations import invitation_overview
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    MemberOrganisationFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def event():
    return EventFactory(title="Jahrestreffen 2031")


def _people(n, **org):
    for _ in range(n):
        ContactPersonFactory(organisation=MemberOrganisationFactory(**org))


def test_preview_shows_count_and_first_mail_then_sending_queues_them(staff_client, event):
    _people(3)
    ContactPersonFactory(organisation=MemberOrganisationFactory(kind="district"))
    url = reverse("admin:events_event_invitations", args=[event.pk])
    assert staff_client.get(url).status_code == 200
    preview = staff_client.post(url, {"action": "invite", "f-kinds": ["city"]})
    page = preview.content.decode()
    assert "<strong>3 Personen</strong>" in page
    assert "Einladung: Jahrestreffen 2031" in page
    assert not Invitation.objects.exists()  # the preview was rolled back
    sent = staff_client.post(url, {"action": "invite", "f-kinds": ["city"], "confirm": "yes"})
    assert sent.status_code == 302
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.INVITATION).count() == 3
    staff_client.post(url, {"action": "invite", "confirm": "yes"})
    assert Invitation.objects.count() == 4  # "all" added only the one not yet invited


def test_reminder_button_previews_and_sends_once(staff_client, event):
    _people(2)
    services.invitations_send(event=event)
    url = reverse("admin:events_event_invitations", args=[event.pk])
    preview = staff_client.post(url, {"action": "remind"}).content.decode()
    assert "Erinnerung: Einladung zu Jahrestreffen 2031" in preview
    staff_client.post(url, {"action": "remind", "confirm": "yes"})
    staff_client.post(url, {"action": "remind", "confirm": "yes"})
    kind = OutboxMessage.Kind.INVITATION_REMINDER
    assert OutboxMessage.objects.filter(kind=kind).count() == 2


def test_schedule_is_saved_from_the_page(staff_client, event):
    url = reverse("admin:events_event_invitations", args=[event.pk])
    staff_client.post(url, {"action": "schedule", "s-reminder_days_before_close": "5"})
    assert event.invitation_schedule.reminder_days_before_close == 5


def _answers(event, n):
    """n organisations with one person each: registered, declined with a colleague, silent."""
    _people(n)
    services.invitations_send(event=event)
    invitations = list(Invitation.objects.filter(event=event).select_related("contact_person"))
    for i, invitation in enumerate(invitations):
        if i % 3 == 0:
            RegistrationFactory(event=event, registered_by=invitation.contact_person)
            services.invitation_mark_registered(event=event, person=invitation.contact_person)
        elif i % 3 == 1:
            Invitation.objects.filter(pk=invitation.pk).update(
                status=Invitation.Status.DECLINED,
                declined_at=timezone.now(),
                colleague_name=f"=Kollege {i}",
                colleague_email=f"kollege{i}@stadt.example.org",
            )


@pytest.mark.parametrize("n", [3, 30])
def test_overview_queries_stay_flat(staff_client, event, n, django_assert_max_num_queries):
    _answers(event, n)
    url = reverse("admin:events_event_invitation_overview", args=[event.pk])
    with django_assert_max_num_queries(12):
        page = staff_client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "=Kollege 1" in html
    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse("admin:events_event_invitations", args=[event.pk]))


def test_overview_figures_per_organisation_kind_and_state(event):
    _answers(event, 6)
    MemberOrganisationFactory(name="Stadt Ohne Ansprechpartner", kind="district")
    figures = invitation_overview(event=event)
    assert figures["totals"] == {
        "invited": 6,
        "registered": 2,
        "declined": 2,
        "no_answer": 2,
        "attending": 2,
    }
    absent = {row["organisation"] for row in figures["absent"]}
    assert "Stadt Ohne Ansprechpartner" in absent and len(absent) == 5
    (district,) = [k for k in figures["kinds"] if k["organisations"] == 1]
    assert district["without_participant"] == 1


def test_export_is_xlsx_with_formulas_neutralised(staff_client, event):
    _answers(event, 3)
    url = reverse("admin:events_event_invitation_overview", args=[event.pk])
    response = staff_client.get(url, {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert "Nobody attends" in workbook.sheetnames or "Niemand nimmt teil" in workbook.sheetnames
    sheet = workbook.worksheets[-1]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'=Kollege 1" in values


def test_reader_sees_the_overview_but_cannot_invite(client, django_user_model, event):
    user = django_user_model.objects.create_user("leser", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_event", "view_registration", "export_registrations"]
        )
    )
    client.force_login(user)
    _people(1)
    overview = reverse("admin:events_event_invitation_overview", args=[event.pk])
    invite = reverse("admin:events_event_invitations", args=[event.pk])
    assert client.get(overview).status_code == 200
    assert client.get(overview, {"format": "xlsx"}).status_code == 200
    assert client.post(invite, {"action": "invite", "confirm": "yes"}).status_code == 403
    assert not Invitation.objects.exists()


# --- 2,000 invitations ----------------------------------------------------------------------


@pytest.fixture
def directory(db, settings):
    """2,000 contact persons of 1,000 organisations, written in a few statements."""
    settings.TASKS = DB_TASKS
    organisations = MemberOrganisation.objects.bulk_create(
        [MemberOrganisation(name=f"Stadt {i}", federal_state="SN") for i in range(1000)]
    )
    ContactPerson.objects.bulk_create(
        [
            ContactPerson(
                organisation=organisations[i // 2],
                first_name="Vorname",
                last_name=f"Nachname{i}",
                email=f"person{i}@stadt.example.org",
                language="en" if i % 2 else "de",
            )
            for i in range(2000)
        ],
        batch_size=500,
    )


def query_budget() -> int:
    """2,000 invitations: the lock and the candidates, the invitation rows and outbox rows in
    batches, one INSERT per task of 100 messages (20). None per person. SQLite splits bulk
    statements at its parameter limit (some 110 invitations and 60 outbox rows a statement)."""
    return 90 if connection.vendor == "sqlite" else 40


def test_2000_invitations_queue_in_a_fixed_number_of_queries(
    directory, event, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with (
        django_assert_max_num_queries(query_budget()),
        django_capture_on_commit_callbacks(execute=True),
    ):
        count = services.invitations_send(event=event)
    assert count == 2000
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.INVITATION).count() == 2000
    assert DBTaskResult.objects.count() == 20
    with django_assert_max_num_queries(query_budget()):
        assert services.invitation_reminders_send(event=event) == 2000


def test_the_demo_event_has_invitations_with_a_mix_of_answers(staff_client):
    call_command("load_demo", "--allow-demo-users", stdout=io.StringIO())
    event = Event.objects.filter(invitations__isnull=False).distinct().get()
    statuses = set(Invitation.objects.filter(event=event).values_list("status", flat=True))
    assert statuses == {"invited", "declined", "registered"}
    assert Invitation.objects.filter(event=event).exclude(colleague_name="").count() == 1
    url = reverse("admin:events_event_invitation_overview", args=[event.pk])
    assert "Dr. Clara Neumann" in staff_client.get(url).content.decode()
    call_command(
        "load_demo", "--allow-demo-users", stdout=io.StringIO()
    )  # runs again without inviting twice
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.INVITATION).count() == (
        Invitation.objects.filter(event=event).exclude(status="registered").count()
    )
