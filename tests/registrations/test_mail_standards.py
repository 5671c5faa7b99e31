"""Mail and calendars as other programs read them: Python's strict e-mail parser, vobject and
ics.py (RFC 5545/5546) instead of the icalendar package that writes them."""

import email
import email.policy
import re
from datetime import timedelta

import ics
import pytest
import vobject
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from registrations import services
from registrations.demo import load_members
from registrations.forms import SignInForm
from registrations.models import ContactPerson, Registration
from tests.factories import (
    ContactPersonFactory,
    EventFactory,
    ProgrammeChoiceFactory,
    ProgrammeItemFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def register(event, person, language="de"):
    return services.registration_create(
        event=event,
        registered_by=person,
        attendee=None,
        details=services.Details(),
        privacy_acknowledged=True,
        language=language,
    )


def parsed(message):
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def calendar_parts(message) -> list:
    return [p for p in parsed(message).walk() if p.get_content_type() == "text/calendar"]


def vevents(message) -> list:
    """Every VEVENT of the mail's calendar files, read by vobject; one UID per file."""
    found = []
    for part in calendar_parts(message):
        calendar = vobject.readOne(part.get_content())
        events = calendar.contents["vevent"]
        assert len({e.uid.value for e in events}) == 1
        assert ics.Calendar(part.get_content()).events  # ics.py reads it too
        found.extend((calendar.method.value, e) for e in events)
    return found


def sequence(vevent) -> int:
    return int(vevent.sequence.value)


def test_a_registrants_cancellation_removes_their_entry_by_the_rules(committed, mailoutbox):
    event = EventFactory(days=[timezone.localdate() + timedelta(days=60)])
    person = ContactPersonFactory(academic_title="Dr.", last_name="Schmidt")
    with committed():
        registration = register(event, person)
    with committed():
        services.registration_cancel(registration=registration)

    confirmation, cancellation = mailoutbox
    [(_method, published)] = vevents(confirmation)
    [(method, cancelled)] = vevents(cancellation)
    assert method == "CANCEL"
    assert cancelled.status.value == "CANCELLED"
    assert cancelled.uid.value == published.uid.value
    assert sequence(cancelled) > sequence(published)
    assert cancelled.attendee.value == f"mailto:{person.email}"


def test_registering_again_after_cancelling_outranks_the_cancellation(committed, mailoutbox):
    event = EventFactory(days=[timezone.localdate() + timedelta(days=60)])
    person = ContactPersonFactory()
    with committed():
        registration = register(event, person)
    with committed():
        services.registration_cancel(registration=registration)
    with committed():
        register(event, person)

    sequences = [sequence(v) for m in mailoutbox for _method, v in vevents(m)]
    assert sequences == sorted(set(sequences))


def test_an_event_cancellation_cancels_each_days_entry(committed, mailoutbox):
    event = EventFactory()
    person = ContactPersonFactory()
    with committed():
        register(event, person)
    with committed():
        services.event_cancel_notify(event=event, notice="")

    confirmation, cancellation = mailoutbox
    assert len(calendar_parts(cancellation)) == 2  # two days, one file (one UID) each
    before = {v.uid.value: sequence(v) for _m, v in vevents(confirmation)}
    for method, vevent in vevents(cancellation):
        assert method == "CANCEL"
        assert vevent.status.value == "CANCELLED"
        assert sequence(vevent) > before[vevent.uid.value]
        assert vevent.attendee.value == f"mailto:{person.email}"


def test_the_waiting_list_gets_no_calendar_entry(committed, mailoutbox):
    event = EventFactory(capacity=1)
    with committed():
        register(event, ContactPersonFactory())
        waiting = register(event, ContactPersonFactory())

    assert waiting.status == Registration.Status.WAITING
    assert mailoutbox[1].to == [waiting.email]
    assert calendar_parts(mailoutbox[1]) == []


def test_the_evening_reception_a_person_holds_is_in_the_calendar(committed, mailoutbox):
    event = EventFactory(days=[timezone.localdate() + timedelta(days=60)])
    starts = timezone.now() + timedelta(days=60)
    reception = ProgrammeItemFactory(
        event=event, title="Abendempfang", starts_at=starts, ends_at=starts + timedelta(hours=3)
    )
    ProgrammeItemFactory(event=event, title="Stadtrundgang", starts_at=starts, ends_at=None)
    registration = RegistrationFactory(event=event)
    ProgrammeChoiceFactory(registration=registration, item=reception)
    with committed():
        services.registration_cancel(registration=registration)

    summaries = [v.summary.value for _m, v in vevents(mailoutbox[0])]
    assert any(s.startswith("Abendempfang") for s in summaries)
    assert not any(s.startswith("Stadtrundgang") for s in summaries)


def test_mail_headers_parse_without_defects(committed, mailoutbox, settings):
    event = EventFactory(title="Jahrestreffen " + "Große Überschrift äöü " * 6)
    person = ContactPersonFactory(first_name="Jürgen", last_name="Müller-Lüdenscheidt")
    with committed():
        register(event, person)

    raw = mailoutbox[0].message().as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert not message.defects
    for name, value in message.items():
        assert not value.defects, name
    for word in re.findall(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=", raw):
        assert len(word) <= 75
    assert not re.search(rb"^(To|From|Cc|Reply-To):.*=\?", raw, re.MULTILINE)
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Precedence" not in message
    assert re.search(r"[+-]0[12]00$", message["Date"])  # Berlin time with its offset
    [part] = calendar_parts(mailoutbox[0])[:1]
    assert part["Content-Type"].count("charset") == 1
    assert part.get_param("method") == "PUBLISH"


def test_staff_messages_are_bulk(committed, mailoutbox):
    registration = RegistrationFactory()
    with committed():
        services.staff_message_send(
            event=registration.event, group="confirmed", subject="Hinweis", body="Text"
        )

    message = parsed(mailoutbox[0])
    assert message["Precedence"] == "bulk"
    assert "Auto-Submitted" not in message


@pytest.mark.parametrize(
    ("language", "salutation", "greeting"),
    [
        ("de", "frau", "Sehr geehrte Frau Dr. Schmidt,\n\nvielen Dank"),
        ("de", "herr", "Sehr geehrter Herr Dr. Schmidt,\n\nvielen Dank"),
        ("en", "frau", "Dear Dr. Schmidt,\n\nThank you"),
    ],
)
def test_greetings_use_the_academic_title(committed, mailoutbox, language, salutation, greeting):
    person = ContactPersonFactory(salutation=salutation, academic_title="Dr.", last_name="Schmidt")
    with committed():
        register(EventFactory(), person, language=language)

    body = mailoutbox[0].body
    assert body.startswith(greeting)
    assert "\n\n\n" not in body


def test_every_demo_address_can_sign_in():
    load_members()

    for address in ContactPerson.objects.values_list("email", flat=True):
        validate_email(address)
        assert address.isascii(), address


def test_the_directory_refuses_a_mailbox_with_umlauts_and_says_why():
    person = ContactPersonFactory(email="julia.mueller@stadt.example.org")
    person.email = "julia.müller@stadt.example.org"

    with pytest.raises(ValidationError) as refused:
        person.full_clean()

    assert "mueller" in str(refused.value.message_dict["email"])


def test_the_sign_in_form_refuses_a_mailbox_with_umlauts_and_says_why():
    form = SignInForm(data={"email": "julia.müller@stadt.example.org"})

    assert not form.is_valid()
    [error] = form.errors["email"]
    assert "mueller" in error


def test_the_html_part_says_the_same_as_the_text(committed, mailoutbox):
    with committed():
        register(EventFactory(), ContactPersonFactory(), language="en")

    [(html, _mimetype)] = mailoutbox[0].alternatives
    assert "Thank you for your registration." in html
