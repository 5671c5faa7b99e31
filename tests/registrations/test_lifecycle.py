"""What registrants are told when an event changes, and how they answer.

Every lifecycle step (postpone, reschedule, cancel, replacement) goes through the registrations
services that tell registrants; mails are read back from the locmem outbox, calendar files
parsed with icalendar.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar

from events.ics import day_uid
from events.models import Event
from events.services import DaySpec
from registrations import services
from registrations.mail import outbox, render
from registrations.models import AccessRequest, OutboxMessage, Registration
from registrations.selectors import recipients
from registrations.tokens import manage_tokens
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
    """Run a block as if its transaction committed: the outbox is delivered at once."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def registrant(event, *, language="de", salutation="frau", status=None, **person):
    person = ContactPersonFactory(salutation=salutation, language=language, **person)
    return RegistrationFactory(
        event=event,
        registered_by=person,
        language=language,
        status=status or Registration.Status.CONFIRMED,
    )


def mail_to(mailoutbox, address):
    found = [m for m in mailoutbox if m.to == [address]]
    assert len(found) == 1, [m.to for m in mailoutbox]
    return found[0]


def calendar_of(message) -> Calendar:
    """The mail's calendar files (one UID each, RFC 5546) read as one calendar."""
    assert message.attachments
    combined = None
    for filename, content, mimetype in message.attachments:
        assert filename.endswith(".ics")
        assert mimetype.startswith("text/calendar")
        calendar = Calendar.from_ical(content)
        assert len({str(v["UID"]) for v in calendar.walk("VEVENT")}) == 1
        if combined is None:
            combined = calendar
        else:
            for vevent in calendar.walk("VEVENT"):
                combined.add_component(vevent)
    return combined


def vevents(calendar):
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def has_vtimezone(calendar) -> bool:
    return any(c.name == "VTIMEZONE" for c in calendar.walk())


def in_language(language, msgid, **values):
    with translation.override(language):
        text = gettext(msgid)
    return text % values if values else text


def future(days) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def party(db):
    """An event with a German and an English registrant, one waiting, one who cancelled."""
    event = EventFactory(capacity=2, title="Jahrestreffen Leipzig")
    return {
        "event": event,
        "de": registrant(event, language="de", salutation="frau", last_name="Beispiel"),
        "en": registrant(event, language="en", salutation="herr", last_name="Example"),
        "waiting": registrant(event, status=Registration.Status.WAITING),
        "cancelled": registrant(event, status=Registration.Status.CANCELLED),
    }


def active_addresses(party):
    return sorted(party[k].email for k in ("de", "en", "waiting"))


# --- postpone ---------------------------------------------------------------------------------


def test_postponing_tells_every_active_registrant_in_their_language(party, committed, mailoutbox):
    event = party["event"]
    with committed():
        services.event_postpone_notify(event=event, notice="Neue Termine folgen.")

    event.refresh_from_db()
    assert event.status == Event.Status.POSTPONED
    assert sorted(m.to[0] for m in mailoutbox) == active_addresses(party)
    english = mail_to(mailoutbox, party["en"].email)
    assert english.subject == "Postponed: Jahrestreffen Leipzig"
    assert "Dear Mr Example," in english.body
    assert "We have to postpone “Jahrestreffen Leipzig”" in english.body
    assert "Neue Termine folgen." in english.body
    assert f"/en/anmeldung/{manage_tokens.make_token(party['en'])}/" in english.body
    german = mail_to(mailoutbox, party["de"].email)
    assert "Sehr geehrte Frau Beispiel," in german.body
    assert in_language("de", "Postponed: %(title)s", title=event.title) == german.subject
    assert german.attachments == []  # no dates, no calendar entry to change
    assert all(m.status == "sent" for m in OutboxMessage.objects.all())
    assert set(OutboxMessage.objects.values_list("kind", flat=True)) == {K.EVENT_POSTPONED}


# --- reschedule -------------------------------------------------------------------------------


def test_rescheduling_mails_new_dates_and_a_calendar_update(party, committed, mailoutbox):
    event = party["event"]
    uid = day_uid(event, 1)
    deadline = timezone.now() + timedelta(days=10)
    new_first = future(90)
    with committed():
        services.event_reschedule_notify(
            event=event,
            new_days=[DaySpec(new_first), DaySpec(new_first + timedelta(days=1))],
            notice="Wegen Umbaus verlegt.",
            answer_deadline=deadline,
            release_unanswered=True,
        )

    event.refresh_from_db()
    assert event.status == Event.Status.RESCHEDULED
    assert event.sequence == 1
    assert event.reconfirmation_deadline == deadline
    assert sorted(m.to[0] for m in mailoutbox) == active_addresses(party)
    assert set(
        Registration.objects.filter(event=event).active().values_list("reconfirmation", flat=True)
    ) == {Registration.Reconfirmation.PENDING}
    assert reload(party["cancelled"]).reconfirmation == Registration.Reconfirmation.NONE

    english = mail_to(mailoutbox, party["en"].email)
    assert english.subject == "New dates: Jahrestreffen Leipzig"
    assert "has been moved to new dates" in english.body
    assert "Please tell us by" in english.body
    assert "Without an answer by then, your place goes to the waiting list." in english.body
    assert "/en/anmeldung/" in english.body

    calendar = calendar_of(english)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert has_vtimezone(calendar)
    first, second = vevents(calendar)
    assert str(first["UID"]) == uid  # same entry, moved
    assert first["SEQUENCE"] == 1
    assert first.decoded("DTSTART").date() == new_first
    assert second.decoded("DTSTART").date() == new_first + timedelta(days=1)
    assert str(first["STATUS"]) == "CONFIRMED"

    german = mail_to(mailoutbox, party["de"].email)
    assert "Sehr geehrte Frau Beispiel," in german.body
    assert german.subject == in_language("de", "New dates: %(title)s", title=event.title)
    assert str(vevents(calendar_of(german))[0]["UID"]) == uid


def test_rescheduling_without_deadline_keeps_unanswered_registrations(party, committed, mailoutbox):
    with committed():
        services.event_reschedule_notify(
            event=party["event"],
            new_days=[DaySpec(future(80))],
            notice="",
            answer_deadline=None,
        )
    english = mail_to(mailoutbox, party["en"].email)
    assert "Please tell us whether you will attend on the new dates." in english.body
    assert "Without an answer, your registration stays valid." in english.body


def test_rescheduling_twice_raises_the_sequence_again(party, committed, mailoutbox):
    event = party["event"]
    for offset in (80, 85):
        with committed():
            services.event_reschedule_notify(
                event=event, new_days=[DaySpec(future(offset))], notice="", answer_deadline=None
            )
    last = [m for m in mailoutbox if m.to == [party["de"].email]][-1]
    [vevent] = vevents(calendar_of(last))
    assert vevent["SEQUENCE"] == 2
    assert str(vevent["UID"]) == day_uid(event, 1)


# --- cancel -----------------------------------------------------------------------------------


def test_cancelling_marks_registrations_and_removes_the_calendar_entry(
    party, committed, mailoutbox
):
    event = party["event"]
    uid = day_uid(event, 1)
    item = ProgrammeItemFactory(event=event)
    choice = ProgrammeChoiceFactory(registration=party["de"], item=item)
    asking = AccessRequestFactory(language="en", event=event)
    decided = AccessRequestFactory(status=AccessRequest.Status.REJECTED, event=event)
    # Asked about another event, or about none: this cancellation is none of their business.
    elsewhere = AccessRequestFactory(event=EventFactory())
    unrelated = AccessRequestFactory()
    with committed():
        services.event_cancel_notify(event=event, notice="Leider abgesagt.")

    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.sequence == 1
    for key in ("de", "en", "waiting"):
        party[key].refresh_from_db()
        assert party[key].status == Registration.Status.CANCELLED_BY_ORGANISER
        assert party[key].cancelled_at is not None
    choice.refresh_from_db()
    assert choice.status == "cancelled"
    party["cancelled"].refresh_from_db()
    assert party["cancelled"].status == Registration.Status.CANCELLED

    addresses = sorted(m.to[0] for m in mailoutbox)
    assert addresses == sorted([*active_addresses(party), asking.email])
    assert decided.email not in addresses
    assert elsewhere.email not in addresses and unrelated.email not in addresses

    english = mail_to(mailoutbox, party["en"].email)
    assert english.subject == "Cancelled: Jahrestreffen Leipzig"
    assert "We regret to inform you that “Jahrestreffen Leipzig” has been cancelled." in (
        english.body
    )
    assert "Leider abgesagt." in english.body
    calendar = calendar_of(english)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert has_vtimezone(calendar)
    vevent = vevents(calendar)[0]
    assert str(vevent["UID"]) == uid
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent["SEQUENCE"] == 1
    assert mail_to(mailoutbox, party["de"].email).subject == in_language(
        "de", "Cancelled: %(title)s", title=event.title
    )

    access = mail_to(mailoutbox, asking.email)
    assert "asked for access" in access.body
    assert access.attachments == []


def test_a_postponed_event_can_get_new_dates_and_later_be_cancelled(party, committed, mailoutbox):
    event = party["event"]
    with committed():
        services.event_postpone_notify(event=event, notice="")
        services.event_reschedule_notify(
            event=event, new_days=[DaySpec(future(100))], notice="", answer_deadline=None
        )
        services.event_cancel_notify(event=event, notice="")
    event.refresh_from_db()
    assert (event.status, event.sequence) == (Event.Status.CANCELLED, 2)
    sent = [m.to[0] for m in mailoutbox]
    assert len(sent) == 9
    assert sorted(set(sent)) == active_addresses(party)
    [vevent] = vevents(calendar_of(mailoutbox[-1]))
    assert vevent["SEQUENCE"] == 2
    assert vevent.decoded("DTSTART").date() == future(100)


# --- refusals ---------------------------------------------------------------------------------


def _postpone(event):
    services.event_postpone_notify(event=event, notice="x")


def _reschedule(event):
    services.event_reschedule_notify(
        event=event, new_days=[DaySpec(future(80))], notice="x", answer_deadline=None
    )


def _cancel(event):
    services.event_cancel_notify(event=event, notice="x")


def _replace(event, **kwargs):
    services.event_create_replacement_notify(
        event=event,
        days=[DaySpec(future(120))],
        title="Ersatz",
        notice="",
        publish=kwargs.get("publish", True),
        invite=kwargs.get("invite", True),
    )


@pytest.mark.parametrize(
    ("status", "step", "message"),
    [
        (Event.Status.CANCELLED, _postpone, "A cancelled event cannot be postponed."),
        (Event.Status.POSTPONED, _postpone, "The event is already postponed."),
        (Event.Status.CANCELLED, _reschedule, "A cancelled event cannot be rescheduled."),
        (Event.Status.CANCELLED, _cancel, "The event is already cancelled."),
    ],
)
def test_illegal_transitions_are_refused_and_queue_nothing(
    status, step, message, committed, mailoutbox
):
    event = EventFactory(status=status)
    registrant(event)
    with committed(), pytest.raises(ValidationError) as refused:
        step(event)
    assert refused.value.messages == [in_language("de", message)]
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []
    event.refresh_from_db()
    assert event.status == status


def test_a_second_replacement_is_refused_and_invites_nobody_again(committed, mailoutbox):
    event = EventFactory(status=Event.Status.CANCELLED)
    registrant(event, status=Registration.Status.CANCELLED_BY_ORGANISER)
    with committed():
        _replace(event)
    assert len(mailoutbox) == 1
    with committed(), pytest.raises(ValidationError) as refused:
        _replace(event)
    assert refused.value.code == "has_replacement"
    assert OutboxMessage.objects.count() == 1
    assert len(mailoutbox) == 1
    assert Event.objects.filter(replaces=event).count() == 1


def test_inviting_to_an_unpublished_replacement_is_refused_and_rolled_back(committed, mailoutbox):
    event = EventFactory()
    registrant(event)
    with committed(), pytest.raises(ValidationError) as refused:
        _replace(event, publish=False, invite=True)
    assert refused.value.code == "unpublished"
    assert not Event.objects.filter(replaces=event).exists()
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        (timedelta(hours=-1), "The answer deadline must be in the future."),
        (timedelta(days=100), "The answer deadline must be before the new first day."),
    ],
)
def test_reschedule_with_an_impossible_deadline_is_refused(
    party, deadline, message, committed, mailoutbox
):
    event = party["event"]
    with committed(), pytest.raises(ValidationError) as refused:
        services.event_reschedule_notify(
            event=event,
            new_days=[DaySpec(future(80))],
            notice="",
            answer_deadline=timezone.now() + deadline,
        )
    assert refused.value.messages == [in_language("de", message)]
    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED
    assert event.sequence == 0
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_reschedule_to_the_same_days_is_refused(committed, mailoutbox):
    event = EventFactory(days=[future(60)])
    registrant(event)
    with committed(), pytest.raises(ValidationError) as refused:
        services.event_reschedule_notify(
            event=event, new_days=[DaySpec(future(60))], notice="", answer_deadline=None
        )
    assert refused.value.code == "same_days"
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


# --- reconfirmation ---------------------------------------------------------------------------


@pytest.fixture
def rescheduled(db, committed, mailoutbox):
    """Three confirmed registrants asked to answer new dates; two on the waiting list."""

    def make(*, release_unanswered):
        event = EventFactory(capacity=3, title="Jahrestreffen Kassel")
        people = {
            "attends": registrant(event, language="en"),
            "withdraws": registrant(event),
            "silent": registrant(event, language="en"),
            "waiting1": registrant(event, status=Registration.Status.WAITING),
            "waiting2": registrant(event, status=Registration.Status.WAITING),
        }
        # Older first on the waiting list.
        Registration.objects.filter(pk=people["waiting1"].pk).update(
            created_at=timezone.now() - timedelta(days=2)
        )
        with committed():
            services.event_reschedule_notify(
                event=event,
                new_days=[DaySpec(future(90))],
                notice="",
                answer_deadline=timezone.now() + timedelta(days=7),
                release_unanswered=release_unanswered,
            )
        mailoutbox.clear()
        OutboxMessage.objects.all().delete()
        return event, people

    return make


def reload(registration):
    return Registration.objects.get(pk=registration.pk)


def test_reconfirmation_confirm_withdraw_and_release_after_the_deadline(
    rescheduled, committed, mailoutbox
):
    event, people = rescheduled(release_unanswered=True)
    with committed():
        services.registration_reconfirm(registration=people["attends"], attend=True)
        services.registration_reconfirm(registration=people["withdraws"], attend=False)
        services.registration_reconfirm(registration=people["waiting2"], attend=True)

    attends = reload(people["attends"])
    assert attends.status == Registration.Status.CONFIRMED
    assert attends.reconfirmation == Registration.Reconfirmation.CONFIRMED
    assert attends.reconfirmed_at is not None
    withdraws = reload(people["withdraws"])
    assert withdraws.status == Registration.Status.CANCELLED
    assert withdraws.reconfirmation == Registration.Reconfirmation.WITHDRAWN
    # The freed place went to the first on the waiting list, who was told.
    assert reload(people["waiting1"]).status == Registration.Status.CONFIRMED
    assert reload(people["waiting2"]).status == Registration.Status.WAITING
    assert sent() == {
        (people["withdraws"].email, K.CANCELLATION),
        (people["waiting1"].email, K.PROMOTION),
    }
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [people["withdraws"].email, people["waiting1"].email]
    )

    # Before the deadline nothing is released.
    assert services.reconfirmations_close() == 0

    # After it: the silent ones (the promoted waiting registrant has not answered either) lose
    # their place; the waiting registrant who answered moves up.
    mailoutbox.clear()
    OutboxMessage.objects.all().delete()
    Event.objects.filter(pk=event.pk).update(
        reconfirmation_deadline=timezone.now() - timedelta(minutes=1)
    )
    with committed():
        call_command("close_reconfirmations", stdout=_Sink())
    assert reload(people["silent"]).status == Registration.Status.CANCELLED_BY_ORGANISER
    assert reload(people["waiting1"]).status == Registration.Status.CANCELLED_BY_ORGANISER
    assert reload(people["attends"]).status == Registration.Status.CONFIRMED
    assert reload(people["waiting2"]).status == Registration.Status.CONFIRMED
    assert sent() == {
        (people["silent"].email, K.CANCELLATION),
        (people["waiting1"].email, K.CANCELLATION),
        (people["waiting2"].email, K.PROMOTION),
    }
    assert len(mailoutbox) == 3

    # Running again releases nobody more; answering late is refused.
    assert services.reconfirmations_close() == 0
    with pytest.raises(ValidationError):
        services.registration_reconfirm(registration=people["silent"], attend=True)


class _Sink:
    def write(self, text):
        pass

    def flush(self):
        pass


def sent():
    """(recipient, kind) of every outbox message, all of them delivered."""
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()
    return set(OutboxMessage.objects.values_list("recipient", "kind"))


def test_reconfirmations_close_accepts_a_given_time(rescheduled, committed):
    event, people = rescheduled(release_unanswered=True)
    assert services.reconfirmations_close(now=timezone.now() + timedelta(days=1)) == 0
    with committed():
        released = services.reconfirmations_close(now=timezone.now() + timedelta(days=8))
    assert released == 5
    assert not Registration.objects.filter(event=event).active().exists()


def test_unanswered_registrations_are_kept_when_the_event_says_so(rescheduled, committed):
    event, people = rescheduled(release_unanswered=False)
    Event.objects.filter(pk=event.pk).update(
        reconfirmation_deadline=timezone.now() - timedelta(minutes=1)
    )
    with committed():
        assert services.reconfirmations_close() == 0
    silent = reload(people["silent"])
    assert silent.status == Registration.Status.CONFIRMED
    assert silent.reconfirmation == Registration.Reconfirmation.PENDING


def test_answering_after_the_deadline_is_refused(rescheduled, mailoutbox):
    event, people = rescheduled(release_unanswered=False)
    Event.objects.filter(pk=event.pk).update(
        reconfirmation_deadline=timezone.now() - timedelta(minutes=1)
    )
    for attend in (True, False):
        with pytest.raises(ValidationError) as refused:
            services.registration_reconfirm(registration=people["silent"], attend=attend)
        assert refused.value.code == "deadline"
    silent = reload(people["silent"])
    assert silent.status == Registration.Status.CONFIRMED
    assert silent.reconfirmation == Registration.Reconfirmation.PENDING
    assert not OutboxMessage.objects.exists()


def test_answering_without_a_question_is_refused(event):
    registration = registrant(event)
    with pytest.raises(ValidationError) as refused:
        services.registration_reconfirm(registration=registration, attend=True)
    assert refused.value.code == "not_asked"


def test_reconfirmation_reminder_goes_to_those_who_have_not_answered(
    rescheduled, committed, mailoutbox
):
    event, people = rescheduled(release_unanswered=True)
    services.registration_reconfirm(registration=people["attends"], attend=True)
    mailoutbox.clear()
    with committed():
        count = services.reconfirmation_remind(event=event)
    assert count == 4
    assert people["attends"].email not in [m.to[0] for m in mailoutbox]
    english = mail_to(mailoutbox, people["silent"].email)
    assert english.subject == "Reminder: please confirm the new dates – Jahrestreffen Kassel"
    assert "Please answer by" in english.body


# --- manage page and "Meine Anmeldungen" show the open question -------------------------------


def test_manage_page_asks_for_an_answer_in_english_and_german(rescheduled, client):
    event, people = rescheduled(release_unanswered=True)
    english = client.get(
        f"/en/anmeldung/{manage_tokens.make_token(people['silent'])}/"
    ).content.decode()
    assert "Please confirm your attendance on the new dates by" in english
    assert 'name="attend"' in english
    assert 'name="withdraw"' in english
    german_text = in_language(
        "de", "Please confirm your attendance on the new dates by %(deadline)s."
    ).split("%(deadline)s")[0]
    german = client.get(
        f"/anmeldung/{manage_tokens.make_token(people['withdraws'])}/"
    ).content.decode()
    assert german_text in german


def test_manage_page_buttons_answer_the_question(rescheduled, client, committed):
    event, people = rescheduled(release_unanswered=True)
    url = f"/en/anmeldung/{manage_tokens.make_token(people['attends'])}/"
    response = client.post(url, {"attend": "1"}, follow=True)
    assert "we have noted that you will attend" in response.content.decode()
    assert reload(people["attends"]).reconfirmation == Registration.Reconfirmation.CONFIRMED
    page = client.get(url).content.decode()
    assert "Please confirm your attendance" not in page
    assert "You have confirmed that you will attend on the new dates." in page

    with committed():
        client.post(
            f"/anmeldung/{manage_tokens.make_token(people['withdraws'])}/", {"withdraw": "1"}
        )
    assert reload(people["withdraws"]).status == Registration.Status.CANCELLED
    assert reload(people["waiting1"]).status == Registration.Status.CONFIRMED


def test_manage_page_refuses_a_late_answer(rescheduled, client):
    event, people = rescheduled(release_unanswered=False)
    Event.objects.filter(pk=event.pk).update(
        reconfirmation_deadline=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(
        f"/en/anmeldung/{manage_tokens.make_token(people['silent'])}/", {"attend": "1"}
    )
    assert "The answer deadline has passed." in response.content.decode()
    assert reload(people["silent"]).reconfirmation == Registration.Reconfirmation.PENDING


def test_my_registrations_shows_the_open_question(rescheduled, client, sign_in):
    event, people = rescheduled(release_unanswered=True)
    sign_in(client, people["silent"].registered_by)
    page = client.get("/en/meine-anmeldungen/").content.decode()
    assert "Please confirm your attendance on the new dates by" in page
    assert f"/en/anmeldung/{manage_tokens.make_token(people['silent'])}/#new-dates" in page


# --- staff messages ---------------------------------------------------------------------------


@pytest.fixture
def groups(db):
    event = EventFactory(capacity=2, title="Jahrestreffen Kiel", days=[date(2031, 5, 6)])
    item = ProgrammeItemFactory(event=event)
    people = {
        "confirmed_de": registrant(event, salutation="frau", first_name="Anna", last_name="Alt"),
        "confirmed_en": registrant(
            event, language="en", salutation="herr", first_name="Ben", last_name="Brook"
        ),
        "waiting": registrant(event, status=Registration.Status.WAITING, last_name="Cerny"),
        "cancelled": registrant(event, status=Registration.Status.CANCELLED, last_name="Dorn"),
    }
    ProgrammeChoiceFactory(registration=people["confirmed_de"], item=item)
    ProgrammeChoiceFactory(registration=people["waiting"], item=item, status="waiting")
    return event, item, people


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (recipients.MessageGroup.ALL, ["confirmed_de", "confirmed_en", "waiting"]),
        (recipients.MessageGroup.CONFIRMED, ["confirmed_de", "confirmed_en"]),
        (recipients.MessageGroup.WAITING, ["waiting"]),
        (recipients.MessageGroup.ITEM, ["confirmed_de"]),
        (recipients.MessageGroup.UNANSWERED, ["confirmed_en"]),
    ],
)
def test_staff_message_groups(groups, group, expected, committed, mailoutbox):
    event, item, people = groups
    Registration.objects.filter(pk=people["confirmed_en"].pk).update(
        reconfirmation=Registration.Reconfirmation.PENDING
    )
    with committed():
        count = services.staff_message_send(
            event=event, group=group, subject="Hinweis", body="Text", item=item
        )
    assert count == len(expected)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(people[k].email for k in expected)


def test_staff_message_item_group_needs_an_item_of_the_event(groups):
    event, item, people = groups
    other = ProgrammeItemFactory()
    for wrong in (None, other):
        with pytest.raises(ValidationError):
            services.staff_message_send(
                event=event, group=recipients.MessageGroup.ITEM, subject="s", body="b", item=wrong
            )
    assert not OutboxMessage.objects.exists()


def test_staff_message_needs_subject_and_text(groups):
    event, item, people = groups
    with pytest.raises(ValidationError):
        services.staff_message_send(event=event, group="all", subject=" ", body="Text")
    assert not OutboxMessage.objects.exists()


def test_staff_message_fills_placeholders_per_recipient(groups, committed, mailoutbox):
    event, item, people = groups
    with committed():
        services.staff_message_send(
            event=event,
            group=recipients.MessageGroup.CONFIRMED,
            subject="{event}: Hinweis für {last_name}",
            body=(
                "Guten Tag {salutation} {first_name} {last_name},\n"
                "{event} am {dates}. {unknown} bleibt, {0} auch.\n{manage_url}"
            ),
        )
    english = mail_to(mailoutbox, people["confirmed_en"].email)
    assert english.subject == "Jahrestreffen Kiel: Hinweis für Brook"
    assert "Guten Tag Mr Ben Brook," in english.body
    assert "Jahrestreffen Kiel am Tuesday, 6 May 2031." in english.body
    assert "{unknown} bleibt, {0} auch." in english.body
    assert f"/en/anmeldung/{manage_tokens.make_token(people['confirmed_en'])}/" in english.body
    german = mail_to(mailoutbox, people["confirmed_de"].email)
    assert german.subject == "Jahrestreffen Kiel: Hinweis für Alt"
    salutation = in_language("de", "Ms")
    assert f"Guten Tag {salutation} Anna Alt," in german.body
    assert "6. Mai 2031" in german.body
    assert f"/anmeldung/{manage_tokens.make_token(people['confirmed_de'])}/" in german.body
    assert "/en/" not in german.body


def test_staff_message_with_broken_braces_is_sent_as_written(groups, committed, mailoutbox):
    event, item, people = groups
    with committed():
        services.staff_message_send(
            event=event, group="confirmed", subject="Klammern", body="Offen { und {last_name"
        )
    assert len(mailoutbox) == 2
    assert all("Offen { und {last_name" in m.body for m in mailoutbox)


# --- reminders before the event ---------------------------------------------------------------


@pytest.fixture
def soon(db):
    event = EventFactory(days=[future(5)], reminder_days_before=7, title="Jahrestreffen Erfurt")
    return event, {
        "confirmed": registrant(event, language="en"),
        "waiting": registrant(event, status=Registration.Status.WAITING),
        "cancelled": registrant(event, status=Registration.Status.CANCELLED),
    }


def test_reminder_goes_once_to_each_confirmed_registration(soon, committed, mailoutbox):
    event, people = soon
    with committed():
        call_command("send_reminders", stdout=_Sink())
    [reminder] = mailoutbox
    assert reminder.to == [people["confirmed"].email]
    assert reminder.subject == "Soon: Jahrestreffen Erfurt"
    assert str(calendar_of(reminder)["METHOD"]) == "PUBLISH"
    assert reload(people["confirmed"]).reminder_sent_at is not None

    with committed():
        assert services.event_reminders_send() == 0
    assert len(mailoutbox) == 1


def test_no_reminder_outside_the_window(db, committed, mailoutbox):
    far = EventFactory(days=[future(10)], reminder_days_before=7)
    registrant(far)
    past = EventFactory(days=[future(-1)], reminder_days_before=7)
    registrant(past)
    none = EventFactory(days=[future(2)], reminder_days_before=None)
    registrant(none)
    with committed():
        assert services.event_reminders_send() == 0
    assert mailoutbox == []
    # The window opens as time passes.
    with committed():
        assert services.event_reminders_send(now=timezone.now() + timedelta(days=3)) == 1


@pytest.mark.parametrize("status", [Event.Status.CANCELLED, Event.Status.POSTPONED])
def test_no_reminder_for_cancelled_or_postponed_events(soon, status, committed, mailoutbox):
    event, people = soon
    Event.objects.filter(pk=event.pk).update(status=status)
    with committed():
        assert services.event_reminders_send() == 0
    assert mailoutbox == []


# --- replacement and carry-over ---------------------------------------------------------------


@pytest.fixture
def replaced(db, committed, mailoutbox):
    """A cancelled event (one place) with two registrants, replaced and its registrants invited."""
    event = EventFactory(capacity=1, title="Jahrestreffen Mainz")
    first = registrant(event, language="en")
    second = registrant(event)
    withdrawn = registrant(event, status=Registration.Status.CANCELLED)
    Registration.objects.filter(pk=second.pk).update(status=Registration.Status.WAITING)
    with committed():
        services.event_cancel_notify(event=event, notice="")
    mailoutbox.clear()
    with committed():
        replacement = services.event_create_replacement_notify(
            event=event,
            days=[DaySpec(future(120))],
            title="Jahrestreffen Mainz (neu)",
            notice="",
            publish=True,
            invite=True,
        )
    return event, replacement, {"first": first, "second": second, "withdrawn": withdrawn}


def test_replacement_invites_the_original_registrants(replaced, mailoutbox):
    event, replacement, people = replaced
    assert replacement.replaces == event
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [people["first"].email, people["second"].email]
    )
    english = mail_to(mailoutbox, people["first"].email)
    assert english.subject == "Invitation: Jahrestreffen Mainz (neu)"
    assert "Instead of “Jahrestreffen Mainz” there will be a replacement event" in english.body
    assert f"/en/anmeldung/{manage_tokens.make_token(people['first'])}/uebertragen/" in english.body
    german = mail_to(mailoutbox, people["second"].email)
    assert f"/anmeldung/{manage_tokens.make_token(people['second'])}/uebertragen/" in german.body


def test_replacement_without_invitation_mails_nobody(committed, mailoutbox):
    event = EventFactory(status=Event.Status.CANCELLED)
    registrant(event)
    with committed():
        _replace(event, publish=False, invite=False)
    assert Event.objects.filter(replaces=event).exists()
    assert mailoutbox == []


def test_carry_over_respects_capacity_and_happens_once(replaced, client, committed, mailoutbox):
    event, replacement, people = replaced
    mailoutbox.clear()
    url = f"/en/anmeldung/{manage_tokens.make_token(people['first'])}/uebertragen/"
    page = client.get(url).content.decode()
    assert "Yes, carry my registration over" in page
    with committed():
        response = client.post(url)
    new = Registration.objects.get(carried_over_from=people["first"])
    assert response.status_code == 302
    assert new.event == replacement
    assert new.status == Registration.Status.CONFIRMED
    assert new.language == "en"
    assert new.email == people["first"].email

    # The only place is taken: the next one joins the waiting list.
    with committed():
        client.post(f"/anmeldung/{manage_tokens.make_token(people['second'])}/uebertragen/")
    second = Registration.objects.get(carried_over_from=people["second"])
    assert second.status == Registration.Status.WAITING
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [people["first"].email, people["second"].email]
    )  # one confirmation each

    # A second click creates nothing new.
    with committed():
        client.post(url)
    assert Registration.objects.filter(event=replacement).count() == 2
    assert "This registration has already been carried over." in client.get(url).content.decode()
    assert services.registration_carry_over(registration=people["first"]) == new
    assert len(mailoutbox) == 2


def test_a_withdrawn_registration_cannot_be_carried_over(replaced):
    event, replacement, people = replaced
    with pytest.raises(ValidationError):
        services.registration_carry_over(registration=people["withdrawn"])
    assert not Registration.objects.filter(event=replacement).exists()


# --- German --------------------------------------------------------------------------------------


def test_lifecycle_mails_and_the_reconfirmation_notice_are_german_for_german_registrants(
    client,
):
    event = EventFactory(title="Jahrestreffen Kiel", reconfirmation_deadline=timezone.now())
    replacement = EventFactory(replaces=event)
    german = registrant(event, language="de")
    english = registrant(event, language="en")
    Registration.objects.filter(event=event).update(reconfirmation="pending")
    untranslated = []
    for kind in (
        K.EVENT_POSTPONED,
        K.EVENT_RESCHEDULED,
        K.EVENT_CANCELLED,
        K.RECONFIRMATION_REMINDER,
        K.REPLACEMENT_INVITATION,
        K.EVENT_REMINDER,
    ):
        rendered = {}
        for registration in (german, english):
            message = outbox.for_registration(registration, kind, replacement_id=replacement.pk)
            subject, text, _html, _attachments = render.render(message)
            rendered[registration.language] = (subject, text.split("\n", 2)[2])
        if rendered["de"][0] == rendered["en"][0] or rendered["de"][1] == rendered["en"][1]:
            untranslated.append(kind)
    notice = "Please confirm your attendance on the new dates"
    if notice in client.get(f"/anmeldung/{manage_tokens.make_token(german)}/").content.decode():
        untranslated.append("manage page")
    assert untranslated == []
