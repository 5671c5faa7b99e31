"""Staff pick programme speakers from the member directory: the contact person's name,
organisation and function are copied into a speaker of the events app."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import Speaker
from registrations import services
from tests.factories import ContactPersonFactory, MemberOrganisationFactory

pytestmark = pytest.mark.django_db

ROLES = import_module("registrations.migrations.0005_staff_roles")


@pytest.fixture
def person():
    return ContactPersonFactory(
        academic_title="Dr.",
        first_name="Anna",
        last_name="Schmidt",
        function="Amt für Stadtgrün",
        organisation=MemberOrganisationFactory(name="Stadt Leipzig"),
    )


def test_a_contact_person_becomes_a_speaker_once(person):
    speaker, created = services.speaker_create_from_contact(person=person)
    again, created_again = services.speaker_create_from_contact(person=person)

    assert (speaker.name, speaker.organisation, speaker.role) == (
        "Dr. Anna Schmidt",
        "Stadt Leipzig",
        "Amt für Stadtgrün",
    )
    assert (created, created_again) == (True, False)
    assert again == speaker
    assert Speaker.objects.count() == 1


def test_an_erased_person_is_refused(person):
    person.anonymised_at = timezone.now()
    with pytest.raises(ValidationError):
        services.speaker_create_from_contact(person=person)
    assert not Speaker.objects.exists()


def _log_in(client, django_user_model, group):
    ROLES.create_groups(apps, None)
    user = django_user_model.objects.create_user(group, password="pw-1234", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


def test_the_team_adds_people_from_the_directory_list(client, django_user_model, person):
    other = ContactPersonFactory(first_name="Yusuf", last_name="Demir")
    client = _log_in(client, django_user_model, ROLES.TEAM)
    response = client.post(
        reverse("admin:registrations_contactperson_changelist"),
        {"action": "make_speakers", ACTION_CHECKBOX_NAME: [person.pk, other.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "2 Personen stehen jetzt als Referentinnen und Referenten im Programm zur Auswahl." in (
        response.content.decode()
    )
    assert sorted(Speaker.objects.values_list("name", flat=True)) == [
        "Dr. Anna Schmidt",
        "Yusuf Demir",
    ]


def test_readers_are_not_offered_the_action(client, django_user_model, person):
    client = _log_in(client, django_user_model, ROLES.READ_ONLY)
    changelist = client.get(reverse("admin:registrations_contactperson_changelist"))
    assert 'value="make_speakers"' not in changelist.content.decode()
    client.post(
        reverse("admin:registrations_contactperson_changelist"),
        {"action": "make_speakers", ACTION_CHECKBOX_NAME: [person.pk]},
    )
    assert not Speaker.objects.exists()
