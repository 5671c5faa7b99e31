"""Staff roles: what the groups "Veranstaltungsteam" and "Lesezugriff" can do in the admin, and
nothing more. Every registered model's list, add, change, delete and history page, every custom
admin page and every admin action, for a user in each group (none of them a superuser)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from registrations.mail.delivery import deliver_outbox
from registrations.models import (
    Attendance,
    Certificate,
    ErasureLog,
    OutboxMessage,
    Registration,
)
from tests.factories import (
    AccessRequestFactory,
    EventFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
    SessionFactory,
    SessionSpeakerFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

ROLES = import_module("registrations.migrations.0005_staff_roles")
ROLES_ADDED = import_module("registrations.migrations.0013_staff_roles_materials_certificates")
TEAM, READER = "team", "reader"

REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)

# What each group may see, add, change and delete, page by page.
PROGRAMME = {"events.session", "events.speaker"}
VIEW = {
    "events.event",
    "events.eventday",
    *PROGRAMME,
    "events.series",
    "events.topic",
    "flatpages.flatpage",
    "registrations.accessrequest",
    "registrations.certificate",
    "registrations.contactperson",
    "registrations.erasurelog",
    "registrations.memberorganisation",
    "registrations.outboxmessage",
    "registrations.registration",
}
TEAM_ADD = {
    "events.event",
    *PROGRAMME,
    "events.series",
    "events.topic",
    "registrations.accessrequest",
    "registrations.contactperson",
    "registrations.memberorganisation",
}
# A day's programme page: days themselves are added and removed on the event.
TEAM_CHANGE = TEAM_ADD | {
    "flatpages.flatpage",
    "registrations.registration",
    "registrations.certificate",
    "events.eventday",
}
TEAM_DELETE = {
    "events.event",
    "events.series",
    "events.topic",
    *PROGRAMME,
    "registrations.contactperson",
}
EXPECTED = {
    TEAM: {"view": VIEW, "add": TEAM_ADD, "change": TEAM_CHANGE, "delete": TEAM_DELETE},
    READER: {"view": VIEW, "add": set(), "change": set(), "delete": set()},
}

EXPORT_ACTIONS = {
    "export_xlsx",
    "export_csv",
    "export_csv_comma",
    "export_pdf",
    "export_pdf_sign_in",
    "export_pdf_badges",
}
ACTIONS = {
    TEAM: {
        "events.event": {"delete_selected", "send_certificates"},
        "events.series": {"delete_selected"},
        "events.topic": {"delete_selected"},
        "events.session": {"delete_selected"},
        "events.speaker": {"delete_selected"},
        "registrations.contactperson": {
            "delete_selected",
            "export_data_json",
            "export_data_xlsx",
            "erase_data",
            "make_speakers",
        },
        "registrations.accessrequest": {"approve", "reject"},
        "registrations.registration": {
            "confirm_from_waiting_list",
            "cancel_by_organiser",
            "resend_confirmation",
            *EXPORT_ACTIONS,
        },
        "registrations.outboxmessage": {"retry"},
        "registrations.certificate": {"reissue"},
    },
    READER: {"registrations.registration": EXPORT_ACTIONS},
}


@pytest.fixture
def groups():
    # Created by the migration; recreated here in case a flushing test ran before.
    ROLES.create_groups(apps, None)
    ROLES_ADDED.grant(apps, None)
    return {TEAM: ROLES.TEAM, READER: ROLES.READ_ONLY}


@pytest.fixture
def users(groups, django_user_model):
    result = {}
    for role, group in groups.items():
        user = django_user_model.objects.create_user(role, password=f"pw-{role}-123", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        result[role] = user
    return result


@pytest.fixture
def as_role(client, users):
    def log_in(role):
        client.force_login(users[role])
        return client

    return log_in


@pytest.fixture
def objects(users, settings):
    """One row of every model the admin shows."""
    # A background task result, as the database backend stores it.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    deliver_outbox.enqueue([])
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    event = EventFactory(title="Rollen-Treffen")
    ProgrammeItemFactory(event=event, title="Lokaltermin")
    SessionSpeakerFactory(session=SessionFactory(day=event.days.first()))
    TopicFactory()
    registration = RegistrationFactory(event=event, last_name="Rollentest")
    AccessRequestFactory()
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.CONFIRMATION,
        recipient=registration.email,
        event=event,
        registration=registration,
        status=OutboxMessage.Status.FAILED,
    )
    ErasureLog.objects.create(reason=ErasureLog.Reason.REQUEST)
    Certificate.objects.create(registration=registration, name="Rollentest", days=[])
    page = FlatPage.objects.create(url="/rollen/", title="Rollen", content="x")
    page.sites.add(Site.objects.get_current())
    return {"event": event, "registration": registration}


def first_object(label):
    model = apps.get_model(label)
    return model._default_manager.order_by("pk").first()


def admin_url(label, page, *args):
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{page}", args=args)


# --- Model pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [TEAM, READER])
@pytest.mark.parametrize("label", REGISTERED)
def test_changelist_and_add_page(as_role, objects, role, label):
    client = as_role(role)
    changelist = client.get(admin_url(label, "changelist"))
    assert changelist.status_code == (200 if label in EXPECTED[role]["view"] else 403)
    add = client.get(admin_url(label, "add"))
    # The team registers people by phone: their registration add page is the staff form,
    # which goes through the registration service (no add permission on the model needed).
    add_pages = EXPECTED[role]["add"] | ({"registrations.registration"} if role == TEAM else set())
    assert add.status_code == (200 if label in add_pages else 403)


@pytest.mark.parametrize("role", [TEAM, READER])
@pytest.mark.parametrize("label", REGISTERED)
def test_change_delete_and_history_page(as_role, objects, role, label):
    obj = first_object(label)
    assert obj is not None, f"the objects fixture makes no {label} row"
    client = as_role(role)
    expected = EXPECTED[role]

    change = client.get(admin_url(label, "change", obj.pk))
    if label in expected["view"]:
        assert change.status_code == 200
        # Read-only unless the group may change it: no save buttons, fields shown as text.
        assert change.context["has_change_permission"] is (label in expected["change"])
    else:
        assert change.status_code == 403

    delete = client.get(admin_url(label, "delete", obj.pk))
    assert delete.status_code == (200 if label in expected["delete"] else 403)

    history = client.get(admin_url(label, "history", obj.pk))
    assert history.status_code == (200 if label in expected["view"] else 403)


def test_reader_cannot_save_a_change(as_role, objects):
    event = objects["event"]
    response = as_role(READER).post(
        admin_url("events.event", "change", event.pk), {"title": "Umbenannt"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.title == "Rollen-Treffen"


def test_neither_group_manages_staff_accounts(as_role, objects):
    for role in (TEAM, READER):
        client = as_role(role)
        for label in ("auth.user", "auth.group", "sites.site"):
            assert client.get(admin_url(label, "changelist")).status_code == 403


def test_both_groups_see_the_admin_index_with_their_models_only(as_role, objects):
    for role in (TEAM, READER):
        page = as_role(role).get(reverse("admin:index")).content.decode()
        assert reverse("admin:registrations_registration_changelist") in page
        assert reverse("admin:auth_user_changelist") not in page


def test_no_superuser_in_either_group(users):
    assert not any(u.is_superuser for u in users.values())


# --- Custom admin pages ------------------------------------------------------------------------

# name → roles allowed to GET it.
EVENT_PAGES = {
    "postpone": {TEAM},
    "reschedule": {TEAM},
    "cancel": {TEAM},
    "replacement": {TEAM},
    "message": {TEAM},
    "answers": {TEAM, READER},
    "export": {TEAM, READER},
    "checkin": {TEAM},
    "overview": {TEAM, READER},
    "invitations": {TEAM},
    "invitation_overview": {TEAM, READER},
}


@pytest.mark.parametrize("role", [TEAM, READER])
@pytest.mark.parametrize("name", sorted(EVENT_PAGES))
def test_event_pages(as_role, objects, role, name):
    url = reverse(f"admin:events_event_{name}", args=[objects["event"].pk])
    response = as_role(role).get(url)
    assert response.status_code == (200 if role in EVENT_PAGES[name] else 403)


@pytest.mark.parametrize("role", [TEAM, READER])
def test_downloads_for_both_groups(as_role, objects, role):
    client = as_role(role)
    url = reverse("admin:events_event_export", args=[objects["event"].pk])
    response = client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    directory = client.post(
        admin_url("registrations.contactperson", "export"), {"format": "0", "resource": "0"}
    )
    assert directory.status_code == 200


def test_lifecycle_posts_are_refused_to_readers(as_role, objects, mailoutbox):
    event = objects["event"]
    client = as_role(READER)
    for name in ("postpone", "cancel", "message", "answers"):
        url = reverse(f"admin:events_event_{name}", args=[event.pk])
        response = client.post(url, {"n-notice": "x", "confirm": "yes"})
        assert response.status_code == 403
    event.refresh_from_db()
    assert event.status == event.Status.SCHEDULED
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EVENT_CANCELLED).count() == 0


def test_team_changes_an_event_and_tells_registrants(as_role, objects, mailoutbox):
    event = objects["event"]
    url = reverse("admin:events_event_postpone", args=[event.pk])
    response = as_role(TEAM).post(url, {"n-notice": "Verschoben.", "confirm": "yes"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == event.Status.POSTPONED
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EVENT_POSTPONED).count() == 1


def test_changing_events_without_the_mail_permission_is_refused(objects, client, django_user_model):
    """change_event alone does not let anyone send mails to every registrant."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("nur-aendern", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_event", "change_event"])
    )
    client.force_login(user)
    event = objects["event"]
    for name in ("postpone", "message"):
        url = reverse(f"admin:events_event_{name}", args=[event.pk])
        assert client.get(url).status_code == 403
    change = client.get(admin_url("events.event", "change", event.pk)).content.decode()
    assert reverse("admin:events_event_postpone", args=[event.pk]) not in change


def test_event_change_page_links_by_role(as_role, objects):
    event = objects["event"]
    links = {
        name: reverse(f"admin:events_event_{name}", args=[event.pk])
        for name in ("postpone", "message", "checkin", "overview", "export")
    }
    team = as_role(TEAM).get(admin_url("events.event", "change", event.pk)).content.decode()
    assert all(href in team for href in links.values())
    reader = as_role(READER).get(admin_url("events.event", "change", event.pk)).content.decode()
    assert links["overview"] in reader and links["export"] in reader
    for name in ("postpone", "message", "checkin"):
        assert links[name] not in reader


@pytest.mark.parametrize(
    "label", ["registrations.contactperson", "registrations.memberorganisation"]
)
def test_directory_import_for_the_team_only(as_role, objects, label):
    assert as_role(TEAM).get(admin_url(label, "import")).status_code == 200
    assert as_role(READER).get(admin_url(label, "import")).status_code == 403


def test_staff_without_a_group_get_nothing(objects, client, django_user_model):
    user = django_user_model.objects.create_user("ohne", password="pw", is_staff=True)
    client.force_login(user)
    for name in EVENT_PAGES:
        url = reverse(f"admin:events_event_{name}", args=[objects["event"].pk])
        assert client.get(url).status_code == 403
    for label in REGISTERED:
        assert client.get(admin_url(label, "changelist")).status_code == 403
    try:
        export = admin_url("registrations.contactperson", "export")
    except NoReverseMatch:  # pragma: no cover
        return
    assert client.post(export, {"format": "0", "resource": "0"}).status_code == 403


# --- Actions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [TEAM, READER])
@pytest.mark.parametrize("label", REGISTERED)
def test_actions_offered(users, role, label):
    request = RequestFactory().get("/admin/")
    request.user = users[role]
    model_admin = admin.site._registry[apps.get_model(label)]
    offered = set(model_admin.get_actions(request))
    assert offered == ACTIONS[role].get(label, set())


def post_action(client, label, action, pks, **extra):
    return client.post(
        admin_url(label, "changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in pks], **extra},
    )


def test_reader_cannot_run_registration_actions(as_role, objects, mailoutbox):
    registration = objects["registration"]
    client = as_role(READER)
    for action in ("cancel_by_organiser", "confirm_from_waiting_list", "resend_confirmation"):
        post_action(client, "registrations.registration", action, [registration.pk])
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert not OutboxMessage.objects.filter(registration=registration).exclude(
        status=OutboxMessage.Status.FAILED
    )


def test_reader_exports_the_selection(as_role, objects):
    registration = objects["registration"]
    response = post_action(
        as_role(READER), "registrations.registration", "export_csv", [registration.pk]
    )
    assert response.status_code == 200
    assert "Rollentest" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_team_cancels_a_registration(as_role, objects, mailoutbox):
    registration = objects["registration"]
    response = post_action(
        as_role(TEAM), "registrations.registration", "cancel_by_organiser", [registration.pk]
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED_BY_ORGANISER


def test_outbox_retry_needs_the_mail_permission(as_role, objects):
    failed = OutboxMessage.objects.get(status=OutboxMessage.Status.FAILED)
    post_action(as_role(READER), "registrations.outboxmessage", "retry", [failed.pk])
    failed.refresh_from_db()
    assert failed.status == OutboxMessage.Status.FAILED
    post_action(as_role(TEAM), "registrations.outboxmessage", "retry", [failed.pk])
    failed.refresh_from_db()
    assert failed.status != OutboxMessage.Status.FAILED


def test_reader_cannot_approve_access_requests(as_role, objects):
    request = AccessRequestFactory()
    post_action(as_role(READER), "registrations.accessrequest", "approve", [request.pk])
    request.refresh_from_db()
    assert request.status == request.Status.PENDING


def test_check_in_only_for_the_team(as_role, objects):
    registration = objects["registration"]
    day = registration.event.sorted_days[0].date
    url = reverse("admin:events_event_checkin", args=[registration.event.pk])
    data = {"registration": registration.pk, "day": day.isoformat(), "action": "present"}
    assert as_role(READER).post(url, data).status_code == 403
    assert not Attendance.objects.exists()
    assert as_role(TEAM).post(url, data).status_code == 302
    assert Attendance.objects.get().checked_in_by.username == TEAM


def test_demo_staff_users_have_one_role_each_and_no_superuser_rights(db):
    from registrations.demo import load_staff

    Group.objects.filter(name__in=[ROLES.TEAM, ROLES.READ_ONLY]).delete()  # as after a flush
    assert load_staff() == [("team", ROLES.TEAM), ("lesen", ROLES.READ_ONLY)]
    assert load_staff() == [("team", ROLES.TEAM), ("lesen", ROLES.READ_ONLY)]  # runs again
    team = Group.objects.get(name=ROLES.TEAM).user_set.get()
    reader = Group.objects.get(name=ROLES.READ_ONLY).user_set.get()
    assert (team.username, reader.username) == ("team", "lesen")
    assert team.is_staff and not team.is_superuser
    assert team.has_perm("registrations.check_in")
    assert reader.has_perm("registrations.export_registrations")
    assert not reader.has_perm("registrations.check_in")
    assert not reader.has_perm("events.change_event")
