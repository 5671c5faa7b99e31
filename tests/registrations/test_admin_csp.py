"""The admin obeys the app's own Content-Security-Policy: no inline style attribute on the
staff pages this app adds or extends (the policy blocks them, so colours and widths would
silently vanish); their look comes from static/css/staff.css."""

import re

import pytest
from django.urls import reverse

from registrations.models import OutboxMessage
from registrations.services.invitations import invitations_send
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
    SessionFactory,
    SessionSpeakerFactory,
)

pytestmark = pytest.mark.django_db

INLINE_STYLE = re.compile(r"""\sstyle\s*=""", re.IGNORECASE)


@pytest.fixture
def busy_event():
    event = EventFactory(capacity=1)
    ProgrammeItemFactory(event=event, capacity=1)
    SessionSpeakerFactory(session=SessionFactory(day=event.days.first()))
    RegistrationFactory(event=event, status="confirmed")
    RegistrationFactory(event=event, status="waiting")
    ContactPersonFactory()
    invitations_send(event=event)
    # A failed mail: the outbox list and the admin index mark it.
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.SIGN_IN_LINK, recipient="x@example.org", status="failed"
    )
    return event


def staff_pages(event) -> list[str]:
    pk = event.pk
    names = [
        "change",
        "overview",
        "checkin",
        "message",
        "answers",
        "export",
        "reschedule",
        "invitations",
        "invitation_overview",
    ]
    pages = [reverse(f"admin:events_event_{name}", args=[pk]) for name in names]
    pages += [
        reverse("admin:index"),
        reverse("admin:events_event_changelist"),
        reverse("admin:registrations_registration_changelist"),
        reverse("admin:registrations_outboxmessage_changelist"),
        reverse("admin:registrations_contactperson_changelist"),
        reverse("admin:registrations_contactperson_import"),
        # The programme: a day's sessions, a session's speakers, the speakers.
        reverse("admin:events_eventday_change", args=[event.days.first().pk]),
        reverse("admin:events_session_change", args=[event.days.first().sessions.get().pk]),
        reverse("admin:events_session_changelist"),
        reverse("admin:events_speaker_changelist"),
    ]
    return pages


def test_staff_pages_carry_no_inline_styles(staff_client, busy_event):
    found = {}
    for url in staff_pages(busy_event):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        hits = INLINE_STYLE.findall(response.content.decode())
        if hits:
            found[url] = len(hits)
    assert found == {}
