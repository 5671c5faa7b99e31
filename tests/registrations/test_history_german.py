"""The history pages staff read, in German: after a change in the admin form (with its
inlines and a reason) and changes through services, the registration's and the event's
history and each past version speak in labels, words and Berlin time, as "team" and as
"lesen"; no "True"/"False"/"None", no codes, no UTC, no English."""

import html
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from registrations import services
from tests.factories import EventFactory, ProgrammeItemFactory, RegistrationFactory
from tests.registrations.test_one_door import _FormInputs

pytestmark = pytest.mark.django_db

ROLES = import_module("registrations.migrations.0005_staff_roles")

# What must never show: Python values, codes, UTC offsets, the library's English.
NEVER = [
    r"\bTrue\b",
    r"\bFalse\b",
    r"\bNone\b",
    r"Löschen",
    r"\+00:00",
    r"\bUTC\b",
    r"\b(confirmed|waiting|cancelled_by_organiser|published)\b",
    r"\b(first_name|capacity|registration_closes_at|change_reason|status)\b",
    r"\bView\b",
    r"\bChange history\b",
    r"\d{4}-\d\d-\d\d",
]


@pytest.fixture
def staff(client, django_user_model):
    ROLES.create_groups(apps, None)
    users = {}
    for name, group in (("team", ROLES.TEAM), ("lesen", ROLES.READ_ONLY)):
        users[name] = django_user_model.objects.create_user(name, is_staff=True)
        users[name].groups.add(Group.objects.get(name=group))

    def log_in(name):
        client.force_login(users[name])
        return client

    return log_in


def _form(client, url, form_id) -> dict:
    """The change form as a browser sends it back, inline management forms included."""
    parser = _FormInputs(form_id)
    parser.feed(client.get(url).content.decode())
    data: dict = {}
    for name, value in parser.pairs:
        if "__prefix__" not in name:
            data.setdefault(name, []).append(value)
    return {key: values if len(values) > 1 else values[0] for key, values in data.items()}


def _text(page: str) -> str:
    main = page[page.index('id="content"') :]
    main = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", main)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _history_pages(client, admin_name, obj) -> list[str]:
    urls = [reverse(f"admin:{admin_name}_history", args=[obj.pk])]
    urls += [
        reverse(f"admin:{admin_name}_simple_history", args=[obj.pk, record.history_id])
        for record in obj.history.all()
    ]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(_text(response.content.decode()))
    return pages


def _berlin(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@pytest.fixture
def changed(staff):
    """A registration and its event, changed in the admin forms as "team" and by services."""
    client = staff("team")
    event = EventFactory(capacity=100)
    item = ProgrammeItemFactory(event=event, title="Stadtrundgang")
    registration = RegistrationFactory(event=event)

    url = reverse("admin:registrations_registration_change", args=[registration.pk])
    data = _form(client, url, "registration_form")
    assert "programme_choices-TOTAL_FORMS" in data  # the inline's management form
    data.update(first_name="Zoë", programme_items=str(item.pk), change_reason="Anruf am Montag")
    assert client.post(url, {**data, "_save": "Sichern"}).status_code == 302

    url = reverse("admin:events_event_change", args=[event.pk])
    data = _form(client, url, "event_form")
    assert "days-TOTAL_FORMS" in data
    data.update(title_de="Jahrestreffen in Münster", capacity="77")
    assert client.post(url, {**data, "_save": "Sichern"}).status_code == 302

    registration.refresh_from_db()
    services.registration_cancel(registration=registration, by_organiser=True)
    registration.refresh_from_db()
    event.refresh_from_db()
    return registration, event


@pytest.mark.parametrize("role", ["team", "lesen"])
def test_registration_history_speaks_german(staff, changed, role):
    registration, _ = changed
    client = staff(role)

    with translation.override("de"):
        pages = _history_pages(client, "registrations_registration", registration)
        times = [_berlin(record.history_date) for record in registration.history.all()]

    history = pages[0]
    assert "Änderungshistorie:" in history
    assert "Vorname: Anna" in history and "→ Zoë" in history
    assert "Status: bestätigt → vom Veranstalter storniert" in history
    assert "Anruf am Montag" in history  # the reason, in its column
    assert all(time in history for time in times)  # Berlin time, as staff read it
    for page in pages:
        found = [pattern for pattern in NEVER if re.search(pattern, page)]
        assert not found, f"{found} in: {page}"


@pytest.mark.parametrize("role", ["team", "lesen"])
def test_event_history_speaks_german(staff, changed, role):
    _, event = changed
    client = staff(role)

    with translation.override("de"):
        pages = _history_pages(client, "events_event", event)
        times = [_berlin(record.history_date) for record in event.history.all()]

    history = pages[0]
    assert "Titel:" in history and "→ Jahrestreffen in Münster" in history
    assert "Anzahl der Plätze: 100 → 77" in history
    # Saving the form again drops the microseconds of the registration window: not a change.
    assert "Anmeldeschluss:" not in history
    assert all(time in history for time in times)
    for page in pages:
        found = [pattern for pattern in NEVER if re.search(pattern, page)]
        assert not found, f"{found} in: {page}"
