"""The mail log staff can read (subject and text on the outbox page, failures on the start page
and in /healthz, stuck rows sent again) and the staff message page (names in the preview, the
typed text kept, known placeholders only, a full greeting, one signature)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from registrations.mail import delivery
from registrations.mail.render import greeting, render
from registrations.models import OutboxMessage
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


def _mail(registration, status=OutboxMessage.Status.PENDING, **fields):
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.STAFF_MESSAGE,
        recipient=registration.email,
        language="de",
        event=registration.event,
        registration=registration,
        payload={"subject": "Hinweis <b>{last_name}</b>", "body": "{greeting},\nText <script>"},
        status=status,
        **fields,
    )
    return message


def test_the_outbox_page_shows_subject_and_text_escaped(staff_client):
    registration = RegistrationFactory(last_name="Schmidt", salutation="frau")
    message = _mail(registration)

    page = staff_client.get(
        reverse("admin:registrations_outboxmessage_change", args=[message.pk])
    ).content.decode()

    assert "Hinweis &lt;b&gt;Schmidt&lt;/b&gt;" in page
    assert "Sehr geehrte Frau Schmidt," in page
    assert "Text &lt;script&gt;" in page and "<script>" not in page.split("</head>")[1]


def test_the_outbox_page_never_shows_a_working_sign_in_link(staff_client):
    person = ContactPersonFactory()
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.SIGN_IN_LINK,
        recipient=person.email,
        language="de",
        contact_person=person,
    )

    page = staff_client.get(
        reverse("admin:registrations_outboxmessage_change", args=[message.pk])
    ).content.decode()

    assert "[persönlicher Anmeldelink]" in page


def test_status_badges_use_classes_not_inline_styles(staff_client):
    _mail(RegistrationFactory(), status=OutboxMessage.Status.FAILED)

    page = staff_client.get(
        reverse("admin:registrations_outboxmessage_changelist")
    ).content.decode()

    assert 'class="outbox-status outbox-status-failed"' in page
    assert 'style="' not in page.split("</head>")[1]


def test_failed_mails_show_on_the_admin_start_page(staff_client):
    assert "konnte nicht versendet" not in staff_client.get(reverse("admin:index")).content.decode()
    _mail(RegistrationFactory(), status=OutboxMessage.Status.FAILED)

    page = staff_client.get(reverse("admin:index")).content.decode()

    assert "1 Mail konnte nicht versendet werden." in page


def test_healthz_reports_failed_and_stuck_mail_as_degraded(
    client, django_capture_on_commit_callbacks
):
    cache.delete("health:stuck-mail")
    registration = RegistrationFactory()
    _mail(registration, status=OutboxMessage.Status.FAILED)
    _mail(registration, next_attempt_at=timezone.now() - timedelta(hours=1))

    response = client.get("/healthz")

    assert response.status_code == 200  # not an outage: the site works
    assert response.json()["mail"] == "degraded: 1 failed, 1 stuck"


def test_a_stuck_row_is_sent_by_the_next_worker_run(settings, mailoutbox):
    registration = RegistrationFactory()
    stuck = _mail(registration, next_attempt_at=timezone.now() - timedelta(hours=1))
    fresh = _mail(registration)

    delivery.deliver_outbox.call([fresh.pk])

    stuck.refresh_from_db()
    assert stuck.status == OutboxMessage.Status.SENT
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    ("language", "salutation", "title", "expected"),
    [
        ("de", "frau", "Dr.", "Sehr geehrte Frau Dr. Schmidt"),
        ("de", "herr", "", "Sehr geehrter Herr Schmidt"),
        ("de", "", "", "Guten Tag Anna Schmidt"),
        ("en", "frau", "Dr.", "Dear Dr Schmidt"),
        ("en", "herr", "", "Dear Mr Schmidt"),
    ],
)
def test_greeting(language, salutation, title, expected):
    with translation.override(language):
        text = greeting(
            salutation=salutation, academic_title=title, first_name="Anna", last_name="Schmidt"
        )
    assert text == expected


def test_a_signed_message_gets_no_second_signature():
    registration = RegistrationFactory()
    message = _mail(registration)
    message.payload = {"subject": "s", "body": "Text\n\nMit freundlichen Grüßen\nIhr Team"}
    message.save()

    _subject, text, _html, _files = render(message)

    assert text.count("Mit freundlichen Grüßen") == 1


# The message page -------------------------------------------------------------------------------


@pytest.fixture
def meeting():
    event = EventFactory()
    item = ProgrammeItemFactory(event=event, title="Stadtführung Hafen")
    RegistrationFactory(event=event).programme_choices.create(item=item, status="confirmed")
    return event, item


def _message(client, event, **data):
    return client.post(reverse("admin:events_event_message", args=[event.pk]), data)


def test_the_preview_names_the_item_and_edit_keeps_the_text(staff_client, meeting):
    event, item = meeting
    data = {
        "group": "item",
        "item": item.pk,
        "subject": "Treffpunkt",
        "body": "{greeting},\nbis bald",
    }

    preview = _message(staff_client, event, **data).content.decode()
    assert '<div class="readonly">Stadtführung Hafen</div>' in preview  # the name, not the id

    edit = _message(staff_client, event, **data, confirm="yes", edit="Bearbeiten")

    assert OutboxMessage.objects.count() == 0  # nothing sent
    assert edit.context["form"]["body"].value() == "{greeting},\nbis bald"
    assert "confirming" not in edit.context


def test_unknown_placeholders_are_refused_with_the_known_ones(staff_client, meeting):
    event, _item = meeting

    response = _message(staff_client, event, group="all", subject="x", body="{anrede} {name}")

    [error] = response.context["form"].errors["body"]
    assert "{anrede}, {name}" in error and "{greeting}" in error


def test_the_reminder_days_are_set_per_event_in_the_admin(staff_client):
    event = EventFactory(reminder_days_before=7)
    url = reverse("admin:events_event_change", args=[event.pk])

    form = staff_client.get(url).context["adminform"].form

    assert "reminder_days_before" in form.fields
    assert form.fields["reminder_days_before"].required is False  # empty: no reminder
