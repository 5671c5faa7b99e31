"""Staff change an event in the admin: form, confirmation with recipients and a mail preview,
then the change and the mails. Plus staff messages, the answers page and the outbox."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from events.models import Event
from registrations.models import AccessRequest, OutboxMessage, Registration
from tests.factories import (
    AccessRequestFactory,
    ContactPersonFactory,
    EventFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db

K = OutboxMessage.Kind


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def de(msgid, **values):
    with translation.override("de"):
        text = gettext(msgid)
    return text % values if values else text


def registrant(event, *, language="de", status=Registration.Status.CONFIRMED, **person):
    person = ContactPersonFactory(language=language, **person)
    return RegistrationFactory(event=event, registered_by=person, language=language, status=status)


@pytest.fixture
def event(db):
    event = EventFactory(title="Jahrestreffen Münster", capacity=10)
    registrant(event, last_name="Aachen")
    registrant(event, language="en", last_name="Bonn")
    registrant(event, status=Registration.Status.WAITING, last_name="Celle")
    registrant(event, status=Registration.Status.CANCELLED, last_name="Dessau")
    return event


def url(name, event):
    return reverse(f"admin:events_event_{name}", args=[event.pk])


def days(*dates) -> dict:
    data = {
        "days-TOTAL_FORMS": str(len(dates)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "1",
        "days-MAX_NUM_FORMS": "10",
    }
    for i, day in enumerate(dates):
        data |= {
            f"days-{i}-date": day.isoformat(),
            f"days-{i}-start_time": "09:00",
            f"days-{i}-end_time": "17:00",
        }
    return data


def future(n):
    return timezone.localdate() + timedelta(days=n)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def assert_nothing_queued(mailoutbox):
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


# --- the four lifecycle steps -----------------------------------------------------------------


def test_postpone_shows_recipients_and_preview_before_anything_happens(
    staff_client, event, committed, mailoutbox
):
    assert staff_client.get(url("postpone", event)).status_code == 200
    data = {"n-notice": "Neue Termine folgen."}

    preview = staff_client.post(url("postpone", event), data)
    assert preview.status_code == 200
    assert preview.context["confirming"]
    assert preview.context["preview"].recipient_count == 3
    assert preview.context["preview"].subject == de("Postponed: %(title)s", title=event.title)
    assert "Neue Termine folgen." in preview.context["preview"].text
    page = preview.content.decode()
    assert 'id="mail-preview"' in page
    assert 'name="confirm" value="yes"' in page
    # The preview ran the change in a transaction that was rolled back.
    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED
    assert_nothing_queued(mailoutbox)

    with committed():
        done = staff_client.post(url("postpone", event), {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert done.url == reverse("admin:events_event_change", args=[event.pk])
    event.refresh_from_db()
    assert event.status == Event.Status.POSTPONED
    assert OutboxMessage.objects.filter(kind=K.EVENT_POSTPONED).count() == 3
    assert len(mailoutbox) == 3


def test_reschedule_with_answer_deadline(staff_client, event, committed, mailoutbox):
    deadline = timezone.localtime() + timedelta(days=7)
    data = {
        "n-notice": "Verlegt.",
        **days(future(90), future(91)),
        "a-answer_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "a-release_unanswered": "on",
    }
    preview = staff_client.post(url("reschedule", event), data)
    assert preview.context["preview"].recipient_count == 3
    # One calendar file per day (one UID per file, RFC 5546).
    names = preview.context["preview"].attachments
    assert names == [f"{event.slug}-{n}.ics" for n in range(1, len(names) + 1)]
    assert event.days.order_by("date").first().date == future(60)
    # The new days as staff read them, not the form's raw values.
    page = preview.content.decode()
    assert date_format(future(90), "l, j. F Y") in page
    for raw in ("False", "Löschen", future(90).isoformat(), ":00:00"):
        assert raw not in re.sub(r"<input[^>]*>", "", page), raw
    assert_nothing_queued(mailoutbox)

    with committed():
        staff_client.post(url("reschedule", event), {**data, "confirm": "yes"})
    event.refresh_from_db()
    assert event.status == Event.Status.RESCHEDULED
    assert event.sequence == 1
    assert event.release_unanswered
    assert timezone.localtime(event.reconfirmation_deadline).strftime("%Y-%m-%d %H:%M") == (
        deadline.strftime("%Y-%m-%d %H:%M")
    )
    assert [d.date for d in event.days.order_by("date")] == [future(90), future(91)]
    assert set(
        Registration.objects.filter(event=event).active().values_list("reconfirmation", flat=True)
    ) == {"pending"}
    assert len(mailoutbox) == 3
    # Calendar updates for those holding a place; the waiting list gets no entry (RFC 5546).
    holding = set(
        Registration.objects.filter(event=event, status="confirmed").values_list("email", flat=True)
    )
    assert all(bool(m.attachments) == (m.to[0] in holding) for m in mailoutbox)


def test_cancel_counts_pending_access_requests_too(staff_client, event, committed, mailoutbox):
    AccessRequestFactory(event=event)
    AccessRequestFactory()  # asked about no event: not told of this one
    AccessRequestFactory(status=AccessRequest.Status.APPROVED, event=event)
    data = {"n-notice": "Abgesagt."}
    preview = staff_client.post(url("cancel", event), data)
    assert preview.context["preview"].recipient_count == 3
    assert preview.context["preview"].extra_recipients == 1
    assert_nothing_queued(mailoutbox)

    with committed():
        staff_client.post(url("cancel", event), {**data, "confirm": "yes"})
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert not Registration.objects.filter(event=event).active().exists()
    assert sorted(OutboxMessage.objects.values_list("kind", flat=True)) == sorted(
        [K.EVENT_CANCELLED] * 3 + [K.EVENT_CANCELLED_ACCESS]
    )
    assert len(mailoutbox) == 4


def test_replacement_with_invitation(staff_client, event, committed, mailoutbox):
    event.status = Event.Status.POSTPONED
    event.save()
    data = {
        "n-title": "Jahrestreffen Münster (Ersatz)",
        "n-notice": "",
        "n-publish": "on",
        "i-invite": "on",
        **days(future(150)),
    }
    preview = staff_client.post(url("replacement", event), data)
    assert preview.context["preview"].recipient_count == 3
    assert preview.context["preview"].subject == de(
        "Invitation: %(title)s", title="Jahrestreffen Münster (Ersatz)"
    )
    assert not Event.objects.filter(replaces=event).exists()
    assert_nothing_queued(mailoutbox)

    with committed():
        done = staff_client.post(url("replacement", event), {**data, "confirm": "yes"})
    replacement = Event.objects.get(replaces=event)
    assert done.url == reverse("admin:events_event_change", args=[replacement.pk])
    assert replacement.published
    assert OutboxMessage.objects.filter(kind=K.REPLACEMENT_INVITATION).count() == 3
    assert len(mailoutbox) == 3


def test_replacement_without_invitation_tells_nobody(staff_client, event, committed, mailoutbox):
    event.status = Event.Status.CANCELLED
    event.save()
    data = {"n-title": "Ersatz", "n-notice": "", **days(future(150))}
    preview = staff_client.post(url("replacement", event), data)
    assert preview.context["preview"].recipient_count == 0
    with committed():
        staff_client.post(url("replacement", event), {**data, "confirm": "yes"})
    assert Event.objects.filter(replaces=event, published=False).exists()
    assert_nothing_queued(mailoutbox)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "data", "message"),
    [
        (Event.Status.CANCELLED, "cancel", {}, "The event is already cancelled."),
        (Event.Status.CANCELLED, "postpone", {}, "A cancelled event cannot be postponed."),
        (Event.Status.POSTPONED, "postpone", {}, "The event is already postponed."),
        (
            Event.Status.CANCELLED,
            "reschedule",
            days(future(90)),
            "A cancelled event cannot be rescheduled.",
        ),
    ],
)
def test_illegal_steps_are_refused_with_a_message_and_nothing_queued(
    staff_client, event, status, action, data, message, committed, mailoutbox
):
    Event.objects.filter(pk=event.pk).update(status=status)
    data = {"n-notice": "x", **data}
    preview = staff_client.post(url(action, event), data)
    assert preview.context["preview"].error == de(message)
    assert de(message) in preview.content.decode()

    with committed():
        refused = staff_client.post(url(action, event), {**data, "confirm": "yes"})
    assert refused.status_code == 200
    assert de(message) in messages_of(refused)
    event.refresh_from_db()
    assert event.status == status
    assert_nothing_queued(mailoutbox)


def test_invitation_to_an_unpublished_replacement_is_refused(
    staff_client, event, committed, mailoutbox
):
    data = {"n-title": "Ersatz", "n-notice": "", "i-invite": "on", **days(future(150))}
    message = de("Publish the replacement event to invite registrants to it.")
    assert staff_client.post(url("replacement", event), data).context["preview"].error == message
    with committed():
        refused = staff_client.post(url("replacement", event), {**data, "confirm": "yes"})
    assert message in messages_of(refused)
    assert not Event.objects.filter(replaces=event).exists()
    assert_nothing_queued(mailoutbox)


def test_answer_deadline_after_the_new_first_day_is_refused(
    staff_client, event, committed, mailoutbox
):
    data = {
        "n-notice": "x",
        **days(future(20)),
        "a-answer_deadline": (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
    }
    with committed():
        refused = staff_client.post(url("reschedule", event), {**data, "confirm": "yes"})
    assert de("The answer deadline must be before the new first day.") in messages_of(refused)
    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED
    assert_nothing_queued(mailoutbox)


def test_lifecycle_pages_need_change_permission(client, django_user_model, event):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(user)
    for action in ("postpone", "reschedule", "cancel", "replacement", "message"):
        assert client.get(url(action, event)).status_code == 403


# --- staff messages ---------------------------------------------------------------------------


def test_staff_message_preview_then_send(staff_client, event, committed, mailoutbox):
    assert staff_client.get(url("message", event)).status_code == 200
    data = {"group": "confirmed", "subject": "Hinweis zu {event}", "body": "Guten Tag {last_name}"}

    preview = staff_client.post(url("message", event), data)
    assert preview.context["confirming"]
    assert preview.context["preview"].recipient_count == 2
    first = preview.context["preview"].to
    last_name = Registration.objects.get(email=first).last_name
    assert preview.context["preview"].subject == "Hinweis zu Jahrestreffen Münster"
    assert preview.context["preview"].text.startswith(f"Guten Tag {last_name}")
    assert_nothing_queued(mailoutbox)

    with committed():
        done = staff_client.post(url("message", event), {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert OutboxMessage.objects.filter(kind=K.STAFF_MESSAGE).count() == 2
    assert sorted(m.body.splitlines()[0] for m in mailoutbox) == [
        "Guten Tag Aachen",
        "Guten Tag Bonn",
    ]


def test_staff_message_to_item_participants(staff_client, event, committed, mailoutbox):
    item = ProgrammeItemFactory(event=event)
    aachen = Registration.objects.get(last_name="Aachen")
    ProgrammeChoiceFactory(registration=aachen, item=item)
    data = {"group": "item", "item": item.pk, "subject": "Treffpunkt", "body": "Foyer"}
    assert staff_client.post(url("message", event), data).context["preview"].recipient_count == 1
    with committed():
        staff_client.post(url("message", event), {**data, "confirm": "yes"})
    assert [m.to for m in mailoutbox] == [[aachen.email]]


def test_staff_message_item_group_without_item_is_refused(staff_client, event, mailoutbox):
    data = {"group": "item", "subject": "Treffpunkt", "body": "Foyer", "confirm": "yes"}
    response = staff_client.post(url("message", event), data)
    assert response.status_code == 200
    assert response.context["form"].errors["item"] == [de("Choose the side programme item.")]
    assert_nothing_queued(mailoutbox)


def test_staff_message_to_an_empty_group_cannot_be_sent(staff_client, event):
    data = {"group": "unanswered", "subject": "s", "body": "b"}
    preview = staff_client.post(url("message", event), data)
    assert preview.context["preview"].recipient_count == 0
    assert "disabled" in preview.content.decode()


# --- answers to new dates ---------------------------------------------------------------------


def test_answers_page_counts_and_reminds_the_unanswered(staff_client, event, committed, mailoutbox):
    regs = {r.last_name: r for r in Registration.objects.filter(event=event)}
    Registration.objects.filter(pk=regs["Aachen"].pk).update(reconfirmation="confirmed")
    Registration.objects.filter(pk__in=[regs["Bonn"].pk, regs["Celle"].pk]).update(
        reconfirmation="pending"
    )
    page = staff_client.get(url("answers", event))
    assert page.context["counts"] == {"confirmed": 1, "withdrawn": 0, "pending": 2}
    assert "Bonn" in page.content.decode()

    with committed():
        done = staff_client.post(url("answers", event))
    assert done.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == sorted([regs["Bonn"].email, regs["Celle"].email])
    assert set(OutboxMessage.objects.values_list("kind", flat=True)) == {K.RECONFIRMATION_REMINDER}


def test_event_change_page_links_to_messages_answers_and_outbox(staff_client, event):
    page = staff_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    for name in ("postpone", "reschedule", "cancel", "replacement", "message", "answers"):
        assert url(name, event) in page
    assert reverse("admin:registrations_outboxmessage_changelist") in page


# --- the outbox admin -------------------------------------------------------------------------


@pytest.fixture
def outbox(event):
    regs = list(Registration.objects.filter(event=event).order_by("last_name"))
    return {
        "sent": OutboxMessage.objects.create(
            kind=K.CONFIRMATION,
            recipient=regs[0].email,
            registration=regs[0],
            event=event,
            status="sent",
            attempts=1,
            sent_at=timezone.now(),
        ),
        "failed": OutboxMessage.objects.create(
            kind=K.CONFIRMATION,
            recipient=regs[1].email,
            registration=regs[1],
            event=event,
            language="en",
            status="failed",
            attempts=6,
            last_error="SMTPDataError: (451, b'4.3.0 Try again later')",
        ),
    }


def test_outbox_changelist_highlights_failed_messages(
    staff_client, outbox, django_assert_max_num_queries
):
    changelist = reverse("admin:registrations_outboxmessage_changelist")
    with django_assert_max_num_queries(15):
        page = staff_client.get(changelist).content.decode()
    assert '<span class="outbox-status outbox-status-failed">' in page
    assert '<span class="outbox-status outbox-status-sent">' in page
    assert "Try again later" in page
    failed_only = staff_client.get(changelist + "?status__exact=failed").content.decode()
    assert outbox["failed"].recipient in failed_only
    assert outbox["sent"].recipient not in failed_only
    detail = reverse("admin:registrations_outboxmessage_change", args=[outbox["failed"].pk])
    assert staff_client.get(detail).status_code == 200


def test_outbox_retry_action_queues_again_and_sends(staff_client, outbox, committed, mailoutbox):
    changelist = reverse("admin:registrations_outboxmessage_changelist")
    with committed():
        response = staff_client.post(
            changelist,
            {
                "action": "retry",
                "_selected_action": [outbox["failed"].pk, outbox["sent"].pk],
            },
        )
    assert response.status_code == 302
    failed = OutboxMessage.objects.get(pk=outbox["failed"].pk)
    assert failed.status == "sent"
    assert failed.attempts == 7
    assert failed.last_error == ""
    [mail] = mailoutbox  # the one already sent is not sent again
    assert mail.to == [outbox["failed"].recipient]
    assert mail.subject.startswith("Registration confirmed")  # in the recipient's language


def test_outbox_cannot_be_edited_by_hand(staff_client, outbox):
    assert staff_client.get(reverse("admin:registrations_outboxmessage_add")).status_code == 403
    detail = reverse("admin:registrations_outboxmessage_change", args=[outbox["sent"].pk])
    response = staff_client.post(detail, {"recipient": "someone@else.example"})
    assert response.status_code == 403
    outbox["sent"].refresh_from_db()
    assert outbox["sent"].recipient != "someone@else.example"
