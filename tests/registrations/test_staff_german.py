"""The admin speaks German: history pages in words and local time, erasure counts with
labels, the directory's role not a second "Funktion"."""

import pytest
from django.urls import reverse

from registrations import services
from registrations.models import ContactPerson, ErasureLog, Registration
from tests.factories import ContactPersonFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_history_shows_labels_values_and_local_times(staff_client, settings):
    registration = RegistrationFactory(status=Registration.Status.WAITING)
    services.registration_confirm_from_waiting_list(registration=registration)

    page = staff_client.get(
        reverse("admin:registrations_registration_history", args=[registration.pk])
    ).content.decode()

    assert "<strong>Status:</strong>" in page
    assert "Warteliste" in page and "bestätigt" in page
    assert ">waiting<" not in page and "None" not in page
    assert "+00:00" not in page


def test_erasure_log_counts_are_labelled_in_german(staff_client):
    person = ContactPersonFactory()
    services.person_erase(person=person, user=None)

    page = staff_client.get(reverse("admin:registrations_erasurelog_changelist")).content.decode()

    assert "Verzeichniseintrag: gelöscht" in page
    assert "Mails: 0" in page
    assert ErasureLog.objects.get().counts["contact_person"] == "deleted"  # machine keys kept


def test_role_and_function_have_different_labels():
    role = ContactPerson._meta.get_field("role").verbose_name
    function = ContactPerson._meta.get_field("function").verbose_name
    assert (str(role), str(function)) == ("Rolle", "Funktion")
