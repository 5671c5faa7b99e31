"""Switching an in-person event to online: a lifecycle step with preview and mail, like
postpone; registrations stay and become online participations."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from events.models import Event, EventChange
from registrations.models import Invitation, OutboxMessage, Registration
from registrations.services import event_move_online_notify, mails_preview
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

K = OutboxMessage.Kind
P = Registration.Participation
S = Registration.Status
JOIN_URL = "https://konferenz.example.org/j/umstellung-2468"


def de(msgid, **values):
    with translation.override("de"):
        text = gettext(msgid)
    return text % values if values else text


@pytest.fixture
def event(db):
    event = EventFactory(title="Jahrestreffen Erfurt", capacity=2)
    for status in (S.CONFIRMED, S.CONFIRMED, S.WAITING, S.CANCELLED):
        RegistrationFactory(event=event, status=status, registered_by=ContactPersonFactory())
    return event


def url(event):
    return reverse("admin:events_event_online", args=[event.pk])


def test_switch_keeps_registrations_makes_them_online_and_tells_everyone(
    event, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        change = event_move_online_notify(
            event=event, notice="Wir treffen uns online.", join_url=JOIN_URL, dial_in="Tel 1"
        )

    event.refresh_from_db()
    assert event.attendance_mode == Event.AttendanceMode.ONLINE
    assert (event.join_url, event.dial_in) == (JOIN_URL, "Tel 1")
    assert event.status == Event.Status.SCHEDULED and event.sequence == 1
    assert change.kind == EventChange.Kind.MOVED_ONLINE
    registrations = Registration.objects.filter(event=event)
    assert sorted(registrations.values_list("status", flat=True)) == sorted(
        [S.CONFIRMED, S.CONFIRMED, S.WAITING, S.CANCELLED]
    )
    assert set(registrations.active().values_list("participation", flat=True)) == {P.ONLINE}
    assert registrations.active().online_participants().count() == 3
    assert len(mailoutbox) == 3
    subject = de("Now online: %(title)s", title=event.title)
    assert {m.subject for m in mailoutbox} == {subject}
    confirmed = {r.email for r in registrations.confirmed()}
    for message in mailoutbox:
        if message.to[0] in confirmed:
            assert JOIN_URL in message.body
            assert message.attachments  # the updated calendar entry, with the join link
        else:  # waiting: no link, no calendar
            assert JOIN_URL not in message.body
            assert message.attachments == []
            assert "Warteliste" in message.body


def test_switch_is_refused_for_a_cancelled_or_already_online_event(event):
    with pytest.raises(ValidationError):
        event_move_online_notify(event=EventFactory(attendance_mode="online"), notice="x")
    event.status = Event.Status.CANCELLED
    event.save()
    with pytest.raises(ValidationError):
        event_move_online_notify(event=event, notice="x")
    assert not OutboxMessage.objects.exists()


def test_preview_counts_and_shows_the_mail_without_changing_anything(event):
    preview = mails_preview(
        lambda: event_move_online_notify(event=Event.objects.get(pk=event.pk), notice="Online.")
    )
    assert preview.error == ""
    assert preview.recipient_count == 3
    assert preview.subject == de("Now online: %(title)s", title=event.title)
    assert "Online." in preview.text
    event.refresh_from_db()
    assert event.attendance_mode == Event.AttendanceMode.IN_PERSON
    assert not Registration.objects.filter(event=event, participation=P.ONLINE).exists()
    assert not OutboxMessage.objects.exists()


def test_invited_who_have_not_answered_hear_of_the_switch_too(
    event, django_capture_on_commit_callbacks, mailoutbox
):
    invitation = Invitation.objects.create(
        event=event, contact_person=ContactPersonFactory(), invited_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        event_move_online_notify(event=event, notice="Online.")
    [to_invited] = [m for m in mailoutbox if m.to == [invitation.contact_person.email]]
    assert to_invited.subject == de("Now online: %(title)s", title=event.title)


def test_admin_step_shows_preview_then_switches_with_mail(
    staff_client, event, django_capture_on_commit_callbacks, mailoutbox
):
    change_page = staff_client.get(reverse("admin:events_event_change", args=[event.pk]))
    assert url(event) in change_page.content.decode()
    assert staff_client.get(url(event)).status_code == 200
    data = {"n-notice": "Wir treffen uns online.", "o-join_url": JOIN_URL, "o-dial_in": ""}

    preview = staff_client.post(url(event), data)
    assert preview.status_code == 200
    assert preview.context["confirming"]
    assert preview.context["preview"].recipient_count == 3
    assert 'id="mail-preview"' in preview.content.decode()
    event.refresh_from_db()
    assert event.attendance_mode == Event.AttendanceMode.IN_PERSON
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        done = staff_client.post(url(event), {**data, "confirm": "yes"})
    assert done.status_code == 302
    event.refresh_from_db()
    assert event.attendance_mode == Event.AttendanceMode.ONLINE
    assert event.join_url == JOIN_URL
    assert OutboxMessage.objects.filter(kind=K.EVENT_MOVED_ONLINE).count() == 3
    assert len(mailoutbox) == 3


def test_event_page_after_the_switch_says_online_and_moved_online_in_jsonld(client, event):
    event_move_online_notify(event=event, notice="Online.", join_url=JOIN_URL)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "nur online" in page
    assert "https://schema.org/EventMovedOnline" in page
    assert "https://schema.org/OnlineEventAttendanceMode" in page
    assert "umstellung-2468" not in page
