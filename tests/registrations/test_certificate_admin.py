"""The admin doors to certificates: "Send certificates of attendance" on the event list (the
same service, so once per person), reissue on the certificate list, and the team's role."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from registrations.models import Certificate, OutboxMessage, Registration
from tests.factories import AttendanceFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

ROLES = import_module("registrations.migrations.0005_staff_roles")
ROLES_ADDED = import_module("registrations.migrations.0013_staff_roles_materials_certificates")


@pytest.fixture
def team_client(client, django_user_model):
    ROLES.create_groups(apps, None)
    ROLES_ADDED.grant(apps, None)
    user = django_user_model.objects.create_user("team-bescheinigung", is_staff=True)
    user.groups.add(Group.objects.get(name=ROLES.TEAM))
    client.force_login(user)
    return client


@pytest.fixture
def past_event():
    event = EventFactory(days=[date(2019, 6, 12)], title="Jahrestreffen 2019")
    for _ in range(2):
        AttendanceFactory(registration=RegistrationFactory(event=event))
    RegistrationFactory(event=event)  # not checked in
    return event


def _post_action(client, url, action, pks):
    return client.post(url, {"action": action, "_selected_action": pks}, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_team_sends_all_certificates_once(
    team_client, past_event, django_capture_on_commit_callbacks
):
    url = reverse("admin:events_event_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        first = _post_action(team_client, url, "send_certificates", [past_event.pk])
    with django_capture_on_commit_callbacks(execute=True):
        second = _post_action(team_client, url, "send_certificates", [past_event.pk])
    assert "2 jetzt versandt, 0 schon früher versandt" in " ".join(_messages(first))
    assert "0 jetzt versandt, 2 schon früher versandt" in " ".join(_messages(second))
    assert len(mail.outbox) == 2
    assert all(m.attachments[0][2] == "application/pdf" for m in mail.outbox)
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CERTIFICATE).count() == 2


def test_sending_for_an_event_not_yet_over_says_why(team_client):
    event = EventFactory()
    response = _post_action(
        team_client, reverse("admin:events_event_changelist"), "send_certificates", [event.pk]
    )
    assert "sobald der letzte Veranstaltungstag vorbei ist" in " ".join(_messages(response))
    assert not OutboxMessage.objects.exists()


def test_team_reissues_a_corrected_certificate(
    team_client, past_event, django_capture_on_commit_callbacks
):
    url = reverse("admin:events_event_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        _post_action(team_client, url, "send_certificates", [past_event.pk])
    certificate = Certificate.objects.order_by("pk").first()
    Registration.objects.filter(pk=certificate.registration_id).update(first_name="Korrigiert")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_action(
            team_client,
            reverse("admin:registrations_certificate_changelist"),
            "reissue",
            [certificate.pk],
        )
    assert "1 Bescheinigung neu ausgestellt." in _messages(response)
    certificate.refresh_from_db()
    assert certificate.version == 2 and certificate.name.startswith("Korrigiert")
    assert len(mail.outbox) == 3


def test_the_certificate_list_and_change_page(team_client, past_event):
    for registration in Registration.objects.filter(attendances__isnull=False):
        Certificate.objects.create(registration=registration, name=registration.full_name)
    changelist = team_client.get(reverse("admin:registrations_certificate_changelist"))
    assert changelist.status_code == 200
    certificate = Certificate.objects.first()
    assert certificate.display_code in changelist.content.decode()
    change = team_client.get(
        reverse("admin:registrations_certificate_change", args=[certificate.pk])
    )
    assert change.status_code == 200
    assert team_client.get(reverse("admin:registrations_certificate_add")).status_code == 403
