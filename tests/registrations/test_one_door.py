"""One rule, every door: what the public form and the services promise holds as well when staff
take the other doors — the event's admin change form and its inlines, the lifecycle pages, the
services called directly (as a command would) — and the mails go out as announced."""

import re
from datetime import datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

from events.models import Event, EventDay, ProgrammeItem
from events.services import DaySpec
from registrations import services
from registrations.models import (
    AccessRequest,
    Attendance,
    OutboxMessage,
    ProgrammeChoice,
    Registration,
)
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
S = Registration.Status


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def de(msgid, **values):
    with translation.override("de"):
        text = gettext(msgid)
    return text % values if values else text


def de_plural(singular, plural, n):
    with translation.override("de"):
        return ngettext(singular, plural, n) % n


def future(n):
    return timezone.localdate() + timedelta(days=n)


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def registrant(event, *, status=S.CONFIRMED, created_at=None, items=(), **person):
    """A registration as the services leave it, with its side programme choices."""
    registration = RegistrationFactory(
        event=event, registered_by=ContactPersonFactory(**person), status=status
    )
    if created_at is not None:
        Registration.objects.filter(pk=registration.pk).update(created_at=created_at)
        registration.refresh_from_db()
    for item, choice_status in items:
        ProgrammeChoiceFactory(registration=registration, item=item, status=choice_status)
    return registration


def newcomer(event, items=()) -> Registration:
    return services.registration_create(
        event=event,
        registered_by=ContactPersonFactory(),
        attendee=None,
        details=services.Details(programme_item_ids=[item.pk for item in items]),
        privacy_acknowledged=True,
        language="de",
    )


def reload(obj):
    obj.refresh_from_db()
    return obj


def status_of(*registrations) -> list[str]:
    return [reload(r).status for r in registrations]


def sent_to(mailoutbox) -> list[str]:
    return sorted(address for mail in mailoutbox for address in mail.to)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the admin change form, as a browser submits it ---------------------------------------------


class _FormInputs(HTMLParser):
    """Every value a browser would submit from one <form>: inputs, checked boxes, selected
    options and text areas, in document order (the inlines' empty templates left out)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.pairs: list[tuple[str, str]] = []
        self._select = self._textarea = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.pairs.append((name, attrs.get("value", default)))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.pairs.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self.pairs.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def change_url(event):
    return reverse("admin:events_event_change", args=[event.pk])


def change_form(client, event) -> dict:
    """The change page's form as the browser would send it back unchanged."""
    page = client.get(change_url(event))
    assert page.status_code == 200
    # The page's own formsets are what the POST must match, management forms included.
    prefixes = {f.formset.prefix for f in page.context["inline_admin_formsets"]}
    parser = _FormInputs("event_form")
    parser.feed(page.content.decode())
    data: dict = {}
    for name, value in parser.pairs:
        if "__prefix__" in name:
            continue
        data.setdefault(name, []).append(value)
    for prefix in prefixes:
        assert f"{prefix}-TOTAL_FORMS" in data
        assert f"{prefix}-INITIAL_FORMS" in data
    return {key: values if len(values) > 1 else values[0] for key, values in data.items()}


def inline_key(data, prefix, pk, field) -> str:
    """The name of `field` in the inline form that edits the object `pk`."""
    for key, value in data.items():
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(pk):
            return key[: -len("id")] + field
    raise AssertionError(f"no {prefix} form for {pk}")


def save(client, event, data):
    return client.post(change_url(event), {**data, "_save": "Sichern"}, follow=True)


def assert_nothing_queued(mailoutbox):
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


@pytest.fixture
def waiting_event(db):
    """Two places taken, three waiting; the oldest waiting registered last (so the order
    proven is the waiting list's, not the primary key's)."""
    event = EventFactory(capacity=2, title="Jahrestreffen Halle")
    confirmed = [registrant(event, created_at=ago(10)), registrant(event, created_at=ago(9))]
    newest = registrant(event, status=S.WAITING, created_at=ago(1))
    middle = registrant(event, status=S.WAITING, created_at=ago(2))
    oldest = registrant(event, status=S.WAITING, created_at=ago(3))
    return event, confirmed, [oldest, middle, newest]


@pytest.fixture
def waiting_item(db):
    """An item with one place, taken; two confirmed registrants wait for it, the older one
    registered last."""
    event = EventFactory(capacity=None, title="Jahrestreffen Kassel")
    item = ProgrammeItemFactory(event=event, capacity=1, title="Stadtführung")
    registrant(event, created_at=ago(10), items=[(item, ProgrammeChoice.Status.CONFIRMED)])
    newer = registrant(event, created_at=ago(5), items=[(item, ProgrammeChoice.Status.WAITING)])
    older = registrant(event, created_at=ago(6), items=[(item, ProgrammeChoice.Status.WAITING)])
    ProgrammeChoice.objects.filter(registration=older).update(created_at=ago(6))
    ProgrammeChoice.objects.filter(registration=newer).update(created_at=ago(5))
    return event, item, older, newer


def choice_status(registration, item):
    return ProgrammeChoice.objects.get(registration=registration, item=item).status


# --- 1. more places: those waiting move up in order, with their mail ---------------------------


def assert_two_oldest_moved_up(waiting, mailoutbox):
    oldest, middle, newest = waiting
    assert status_of(oldest, middle, newest) == [S.CONFIRMED, S.CONFIRMED, S.WAITING]
    assert sorted(OutboxMessage.objects.values_list("recipient", "kind")) == sorted(
        [(oldest.email, K.PROMOTION), (middle.email, K.PROMOTION)]
    )
    assert sent_to(mailoutbox) == sorted([oldest.email, middle.email])


def assert_no_queue_jumping(event, newest):
    late = newcomer(event)
    assert late.status == S.WAITING
    assert reload(newest).waiting_position() == 1
    assert late.waiting_position() == 2


def test_capacity_raised_in_the_admin_form_moves_the_oldest_waiting_up_with_mail(
    staff_client, waiting_event, committed, mailoutbox
):
    event, _confirmed, waiting = waiting_event
    data = change_form(staff_client, event)
    assert data["capacity"] == "2"

    with committed():
        response = save(staff_client, event, {**data, "capacity": "4"})

    assert response.redirect_chain[-1][1] == 302
    assert reload(event).capacity == 4
    assert de_plural(
        "%d person moved up from the waiting list.", "%d people moved up from the waiting list.", 2
    ) in messages_of(response)
    assert_two_oldest_moved_up(waiting, mailoutbox)
    assert_no_queue_jumping(event, waiting[2])


def test_capacity_raised_through_the_service_moves_the_oldest_waiting_up_with_mail(
    waiting_event, committed, mailoutbox
):
    event, _confirmed, waiting = waiting_event
    with committed():
        services.event_capacity_set(event=event, capacity_value=4)
    assert reload(event).capacity == 4
    assert_two_oldest_moved_up(waiting, mailoutbox)
    assert_no_queue_jumping(event, waiting[2])


def test_refill_after_a_capacity_written_elsewhere_moves_the_oldest_waiting_up(
    waiting_event, committed, mailoutbox
):
    event, _confirmed, waiting = waiting_event
    Event.objects.filter(pk=event.pk).update(capacity=4)  # as an import or a command might
    with committed():
        promoted = services.places_refill(event=event)
    assert promoted == waiting[:2]
    assert_two_oldest_moved_up(waiting, mailoutbox)
    with committed():
        assert services.places_refill(event=event) == []
    assert len(mailoutbox) == 2
    assert_no_queue_jumping(event, waiting[2])


def assert_older_item_wish_moved_up(item, older, newer, mailoutbox):
    assert choice_status(older, item) == ProgrammeChoice.Status.CONFIRMED
    assert choice_status(newer, item) == ProgrammeChoice.Status.WAITING
    assert list(OutboxMessage.objects.values_list("recipient", "kind")) == [
        (older.email, K.ITEM_PROMOTION)
    ]
    assert sent_to(mailoutbox) == [older.email]
    late = newcomer(item.event, items=[item])
    assert choice_status(late, item) == ProgrammeChoice.Status.WAITING
    assert choice_status(newer, item) == ProgrammeChoice.Status.WAITING


def test_item_capacity_raised_in_the_items_inline_moves_the_oldest_wish_up_with_mail(
    staff_client, waiting_item, committed, mailoutbox
):
    event, item, older, newer = waiting_item
    data = change_form(staff_client, event)
    key = inline_key(data, "programme_items", item.pk, "capacity")
    assert data[key] == "1"

    with committed():
        response = save(staff_client, event, {**data, key: "2"})

    assert response.redirect_chain[-1][1] == 302
    assert reload(item).capacity == 2
    assert_older_item_wish_moved_up(item, older, newer, mailoutbox)


def test_item_capacity_raised_through_the_service_moves_the_oldest_wish_up_with_mail(
    waiting_item, committed, mailoutbox
):
    event, item, older, newer = waiting_item
    with committed():
        services.event_capacity_set(event=event, item=item, capacity_value=2)
    assert reload(item).capacity == 2
    assert_older_item_wish_moved_up(item, older, newer, mailoutbox)


# --- 2. fewer places than confirmed: refused, nothing changes ----------------------------------


def capacity_refusal(taken):
    return de(
        "The capacity cannot be lower than the %(taken)d places already confirmed. "
        "Cancel registrations first if places must go.",
        taken=taken,
    )


def test_event_capacity_below_the_confirmed_is_refused_in_the_admin_form(
    staff_client, waiting_event, committed, mailoutbox
):
    event, _confirmed, waiting = waiting_event
    data = change_form(staff_client, event)
    with committed():
        response = save(staff_client, event, {**data, "capacity": "1", "title_de": "Umbenannt"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["capacity"] == [capacity_refusal(2)]
    assert capacity_refusal(2) in response.content.decode()
    event.refresh_from_db()
    assert (event.capacity, event.title) == (2, "Jahrestreffen Halle")
    assert status_of(*waiting) == [S.WAITING] * 3
    assert_nothing_queued(mailoutbox)


def test_item_capacity_below_the_confirmed_is_refused_in_the_items_inline(
    staff_client, waiting_item, committed, mailoutbox
):
    event, item, older, newer = waiting_item
    data = change_form(staff_client, event)
    key = inline_key(data, "programme_items", item.pk, "capacity")
    with committed():
        response = save(staff_client, event, {**data, key: "0", "title_de": "Umbenannt"})

    assert response.status_code == 200
    assert capacity_refusal(1) in response.content.decode()
    assert reload(item).capacity == 1
    assert reload(event).title == "Jahrestreffen Kassel"
    assert choice_status(older, item) == ProgrammeChoice.Status.WAITING
    assert_nothing_queued(mailoutbox)


def test_capacity_below_the_confirmed_is_refused_by_the_service(waiting_item, waiting_event):
    event, _confirmed, _waiting = waiting_event
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        services.event_capacity_set(event=event, capacity_value=1)
    assert refused.value.messages == [capacity_refusal(2)]
    assert reload(event).capacity == 2

    event, item, _older, _newer = waiting_item
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        services.event_capacity_set(event=event, item=item, capacity_value=0)
    assert refused.value.messages == [capacity_refusal(1)]
    assert reload(item).capacity == 1


# --- 3. the days inline: only "Reschedule" moves a booked event --------------------------------

DAYS_REFUSAL = (
    "People are registered for this event, so its days cannot be changed here. Use "
    "“Reschedule” (above, under “Change status or dates”): it tells every registrant, asks "
    "them to confirm and keeps the history."
)


def change_day(data, event):
    first = event.days.order_by("date").first()
    return {**data, inline_key(data, "days", first.pk, "date"): future(70).isoformat()}


def add_day(data, event):
    n = int(data["days-TOTAL_FORMS"])
    return {
        **data,
        "days-TOTAL_FORMS": str(n + 1),
        f"days-{n}-date": future(62).isoformat(),
        f"days-{n}-start_time": "09:00",
        f"days-{n}-end_time": "17:00",
    }


def delete_day(data, event):
    last = event.days.order_by("date").last()
    return {**data, inline_key(data, "days", last.pk, "DELETE"): "on"}


def day_list(event):
    return list(
        EventDay.objects.filter(event=event).order_by("date").values_list("date", flat=True)
    )


@pytest.mark.parametrize("edit", [change_day, add_day, delete_day])
@pytest.mark.parametrize("booked_by", ["waiting registration", "check-in"])
def test_days_of_a_booked_event_are_refused_in_the_inline_naming_reschedule(
    staff_client, committed, mailoutbox, edit, booked_by
):
    event = EventFactory(title="Jahrestreffen Jena")
    if booked_by == "check-in":
        # Cancelled since, but was present on the first day: still a fact about those days.
        registration = registrant(event, status=S.CANCELLED)
        Attendance.objects.create(registration=registration, day=future(60))
    else:
        registrant(event, status=S.WAITING)
    before = day_list(event)
    data = change_form(staff_client, event)

    with committed():
        response = save(staff_client, event, {**edit(data, event), "title_de": "Umbenannt"})

    assert response.status_code == 200
    page = response.content.decode()
    assert de(DAYS_REFUSAL) in page
    assert "„Neu terminieren“" in page
    assert day_list(event) == before
    assert reload(event).title == "Jahrestreffen Jena"
    assert_nothing_queued(mailoutbox)


@pytest.mark.parametrize("edit", [change_day, add_day, delete_day])
def test_days_of_an_event_without_registrants_can_be_edited_in_the_inline(
    staff_client, committed, mailoutbox, edit
):
    event = EventFactory()
    registrant(event, status=S.CANCELLED)  # gave up their place: no longer holds the days
    data = change_form(staff_client, event)

    with committed():
        response = save(staff_client, event, edit(data, event))

    assert response.redirect_chain[-1][1] == 302
    expected = {
        change_day: [future(61), future(70)],
        add_day: [future(60), future(61), future(62)],
        delete_day: [future(60)],
    }[edit]
    assert day_list(event) == expected
    assert_nothing_queued(mailoutbox)


# --- 4. reschedule: check-in days stay, no past days, window and reminder move along ------------


def lifecycle_url(action, event):
    return reverse(f"admin:events_event_{action}", args=[event.pk])


def days_data(*dates) -> dict:
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


def reschedule_data(*dates, deadline=None, move_window=False) -> dict:
    data = {"n-notice": "Neue Termine.", **days_data(*dates)}
    if deadline is not None:
        data["a-answer_deadline"] = timezone.localtime(deadline).strftime("%Y-%m-%dT%H:%M")
    if move_window:
        data["a-move_registration_window"] = "on"
    return data


def confirm(client, action, event, data):
    return client.post(lifecycle_url(action, event), {**data, "confirm": "yes"})


def test_reschedule_that_drops_a_day_with_check_ins_is_refused(staff_client, committed, mailoutbox):
    event = EventFactory()
    present = registrant(event)
    Attendance.objects.create(registration=present, day=future(60))
    message = de(
        "People were checked in on %(days)s; these days cannot be removed. Undo those "
        "check-ins first if they were mistaken.",
        days=future(60).strftime("%d.%m.%Y"),
    )
    data = reschedule_data(future(61), future(62))

    preview = staff_client.post(lifecycle_url("reschedule", event), data)
    assert preview.context["preview"].error == message
    assert message in preview.content.decode()
    with committed():
        refused = confirm(staff_client, "reschedule", event, data)

    assert refused.status_code == 200
    assert message in messages_of(refused)
    assert "eingecheckt" in message
    assert day_list(event) == [future(60), future(61)]
    assert reload(event).status == Event.Status.SCHEDULED
    assert_nothing_queued(mailoutbox)

    # Keeping the day with the check-ins is allowed.
    with committed():
        done = confirm(staff_client, "reschedule", event, reschedule_data(future(60), future(65)))
    assert done.status_code == 302
    assert day_list(event) == [future(60), future(65)]
    assert sent_to(mailoutbox) == [present.email]


@pytest.mark.parametrize("first", [-1, 0])
def test_reschedule_to_a_day_not_ahead_is_refused(staff_client, committed, mailoutbox, first):
    event = EventFactory()
    registrant(event)
    message = de("New days must lie in the future.")
    data = reschedule_data(future(first), future(30))

    assert (
        staff_client.post(lifecycle_url("reschedule", event), data).context["preview"].error
        == message
    )
    with committed():
        refused = confirm(staff_client, "reschedule", event, data)

    assert message in messages_of(refused)
    assert day_list(event) == [future(60), future(61)]
    assert reload(event).status == Event.Status.SCHEDULED
    assert_nothing_queued(mailoutbox)


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_reschedule_moves_the_registration_window_by_the_shift(staff_client, committed):
    event = EventFactory(
        registration_opens_at=local(future(-3), 8), registration_closes_at=local(future(40), 19)
    )
    registrant(event)

    with committed():
        done = confirm(
            staff_client,
            "reschedule",
            event,
            reschedule_data(future(100), future(101), move_window=True),
        )

    assert done.status_code == 302
    event.refresh_from_db()
    assert event.registration_opens_at == local(future(37), 8)
    assert event.registration_closes_at == local(future(80), 19)


def test_reschedule_without_moving_keeps_the_registration_window(staff_client, committed):
    opens, closes = local(future(-3), 8), local(future(40), 19)
    event = EventFactory(registration_opens_at=opens, registration_closes_at=closes)
    registrant(event)
    with committed():
        confirm(staff_client, "reschedule", event, reschedule_data(future(100)))
    event.refresh_from_db()
    assert (event.registration_opens_at, event.registration_closes_at) == (opens, closes)


def test_reschedule_sends_the_reminder_again_before_the_new_date(
    staff_client, committed, mailoutbox
):
    event = EventFactory(days=[future(5)], reminder_days_before=7)
    attends = registrant(event)
    with committed():
        assert services.event_reminders_send() == 1
    assert reload(attends).reminder_sent_at is not None
    mailoutbox.clear()

    with committed():
        done = confirm(staff_client, "reschedule", event, reschedule_data(future(6)))
    assert done.status_code == 302
    assert reload(attends).reminder_sent_at is None
    mailoutbox.clear()

    with committed():
        assert services.event_reminders_send() == 1
    assert OutboxMessage.objects.filter(kind=K.EVENT_REMINDER, registration=attends).count() == 2
    [reminder] = mailoutbox
    assert reminder.to == [attends.email]
    with translation.override("de"):
        assert formats.date_format(future(6), "DATE_FORMAT") in reminder.body
    with committed():
        assert services.event_reminders_send() == 0


# --- 5. the confirmation page announces exactly what is sent, and the state before -------------


@pytest.fixture
def told(db):
    """Three who hold or wait for a place; one the organiser already took off the list, one
    who cancelled: neither of the latter two is told of anything any more."""
    event = EventFactory(title="Jahrestreffen Erfurt", capacity=2)
    active = [registrant(event), registrant(event), registrant(event, status=S.WAITING)]
    removed = registrant(event)
    services.registration_cancel(registration=removed, by_organiser=True)
    gone = registrant(event, status=S.CANCELLED)
    OutboxMessage.objects.all().delete()
    return event, active, [removed, gone]


def lifecycle_step(action) -> tuple[dict, str]:
    """The form data of a lifecycle step (dates counted from today) and the mail it sends."""
    return {
        "postpone": ({"n-notice": "Neue Termine folgen."}, K.EVENT_POSTPONED),
        "reschedule": (reschedule_data(future(90), future(91)), K.EVENT_RESCHEDULED),
        "cancel": ({"n-notice": "Abgesagt."}, K.EVENT_CANCELLED),
        "replacement": (
            {"n-title": "Jahrestreffen Erfurt (neu)", "n-publish": "on", "i-invite": "on"}
            | days_data(future(150)),
            K.REPLACEMENT_INVITATION,
        ),
    }[action]


def current_state(page: str) -> str:
    """The lines above the form that say what the event is now."""
    text = re.sub(r"<[^>]+>", "", page.split('<form method="post"', 1)[0])
    return " ".join(text.split())


@pytest.mark.parametrize("action", ["postpone", "reschedule", "cancel", "replacement"])
def test_confirmation_announces_as_many_mails_as_are_sent_and_the_state_before(
    staff_client, told, committed, mailoutbox, action
):
    event, active, not_told = told
    if action == "replacement":
        services.event_postpone_notify(event=event, notice="Verschoben.")
        OutboxMessage.objects.all().delete()
        mailoutbox.clear()
    status = reload(event).status
    status_before = de(event.get_status_display())
    days_before = [formats.date_format(d, "SHORT_DATE_FORMAT") for d in day_list(event)]
    data, kind = lifecycle_step(action)

    preview = staff_client.post(lifecycle_url(action, event), data)

    assert preview.context["confirming"]
    announced = preview.context["preview"]
    assert announced.error == ""
    assert announced.recipient_count == 3
    page = preview.content.decode()
    with translation.override("de"):
        assert ngettext("%(n)s recipient", "%(n)s recipients", 3) % {"n": 3} in page
    # The page shows the event as it is, not as the rolled-back preview left it in memory.
    state = current_state(page)
    assert f"{de('current status')}: {status_before}" in state
    assert f"{de('Current days')}: " in state
    for day in days_before:
        assert day in state
    assert reload(event).status == status
    assert_nothing_queued(mailoutbox)

    with committed():
        done = confirm(staff_client, action, event, data)

    assert done.status_code == 302
    assert OutboxMessage.objects.filter(kind=kind).count() == announced.recipient_count
    assert len(mailoutbox) == announced.recipient_count
    assert sent_to(mailoutbox) == sorted(r.email for r in active)
    for registration in not_told:
        assert not OutboxMessage.objects.filter(recipient=registration.email).exists()


# --- 6. a cancellation tells only the pending access requests about this event ----------------


def test_cancel_mails_only_the_pending_access_requests_about_this_event(
    staff_client, committed, mailoutbox
):
    event = EventFactory()
    attends = registrant(event)
    asked = AccessRequestFactory(event=event)
    AccessRequestFactory(event=EventFactory())  # about another event
    AccessRequestFactory(event=None)  # about none
    AccessRequestFactory(event=event, status=AccessRequest.Status.APPROVED)
    AccessRequestFactory(event=event, status=AccessRequest.Status.REJECTED)
    data = {"n-notice": "Abgesagt."}

    preview = staff_client.post(lifecycle_url("cancel", event), data).context["preview"]
    assert (preview.recipient_count, preview.extra_recipients) == (1, 1)
    with committed():
        confirm(staff_client, "cancel", event, data)

    assert sorted(OutboxMessage.objects.values_list("recipient", "kind")) == sorted(
        [(attends.email, K.EVENT_CANCELLED), (asked.email, K.EVENT_CANCELLED_ACCESS)]
    )
    assert sent_to(mailoutbox) == sorted([attends.email, asked.email])


# --- 7. the replacement event -------------------------------------------------------------------


def test_replacement_of_a_scheduled_event_is_refused_in_the_admin(
    staff_client, committed, mailoutbox
):
    event = EventFactory()
    registrant(event)
    message = de("Only a postponed or cancelled event can get a replacement event.")
    data, _kind = lifecycle_step("replacement")

    preview = staff_client.post(lifecycle_url("replacement", event), data)
    assert preview.context["preview"].error == message
    assert message in preview.content.decode()
    # A refused step offers the way back, not "Yes, carry it out".
    assert 'name="confirm"' not in preview.content.decode()
    with committed():
        refused = confirm(staff_client, "replacement", event, data)

    assert refused.status_code == 200
    assert message in messages_of(refused)
    assert not Event.objects.filter(replaces=event).exists()
    assert_nothing_queued(mailoutbox)


def replace_through_admin(client, event, *dates, invite=True) -> Event:
    data = {"n-title": f"{event.title} (neu)", "n-publish": "on", **days_data(*dates)}
    if invite:
        data["i-invite"] = "on"
    done = confirm(client, "replacement", event, data)
    assert done.status_code == 302, messages_of(done)
    return Event.objects.get(replaces=event)


def test_carry_over_returns_the_registration_the_person_already_has_on_the_replacement(
    staff_client, committed
):
    event = EventFactory()
    original = registrant(event)
    services.event_postpone_notify(event=event, notice="")
    with committed():
        replacement = replace_through_admin(staff_client, event, future(150))
    direct = services.registration_create(
        event=replacement,
        registered_by=original.registered_by,
        attendee=None,
        details=services.Details(),
        privacy_acknowledged=True,
        language="de",
    )

    carried = services.registration_carry_over(registration=original)

    assert carried == direct
    assert (
        Registration.objects.active().filter(event=replacement, email=original.email).count() == 1
    )
    assert services.registration_carry_over(registration=original) == direct


@pytest.mark.parametrize("step", ["postpone", "cancel"])
def test_carry_over_brings_the_side_programme_the_replacement_still_offers(
    staff_client, committed, step
):
    event = EventFactory(capacity=None)
    tour = ProgrammeItemFactory(event=event, title="Stadtführung")
    boat = ProgrammeItemFactory(event=event, title="Hafenrundfahrt")
    dinner = ProgrammeItemFactory(event=event, title="Abendessen")
    original = registrant(
        event,
        items=[
            (tour, ProgrammeChoice.Status.CONFIRMED),
            (boat, ProgrammeChoice.Status.WAITING),
            (dinner, ProgrammeChoice.Status.CANCELLED),  # given up before
        ],
    )
    with committed():
        confirm(staff_client, step, event, {"n-notice": "Geht nicht."})
        replacement = replace_through_admin(staff_client, event, future(150))
    # Staff drop the boat trip from the replacement before anyone carries over.
    replacement.programme_items.filter(title="Hafenrundfahrt").delete()

    carried = services.registration_carry_over(registration=original)

    assert carried.event == replacement
    assert [(c.item.title, c.status) for c in carried.programme_choices.active()] == [
        ("Stadtführung", ProgrammeChoice.Status.CONFIRMED)
    ]
    assert [c.item.event_id for c in carried.programme_choices.all()] == [replacement.pk]


def test_an_organiser_removed_registration_is_not_invited_nor_carried_over(
    staff_client, committed, mailoutbox
):
    event = EventFactory()
    attends = registrant(event)
    removed = registrant(event)
    services.registration_cancel(registration=removed, by_organiser=True)
    with committed():
        confirm(staff_client, "cancel", event, {"n-notice": "Abgesagt."})
    mailoutbox.clear()
    with committed():
        replacement = replace_through_admin(staff_client, event, future(150))

    assert sent_to(mailoutbox) == [attends.email]
    assert services.registration_carry_over(registration=attends).event == replacement
    with pytest.raises(ValidationError):
        services.registration_carry_over(registration=removed)
    assert not Registration.objects.filter(event=replacement, email=removed.email).exists()


def item_starts(event) -> dict[str, datetime]:
    return {
        item.title: timezone.localtime(item.starts_at)
        for item in ProgrammeItem.objects.filter(event=event)
    }


@pytest.mark.parametrize(
    ("new_days", "expected"),
    [
        ((150, 151), {"Stadtführung": (150, 10), "Hafenrundfahrt": (151, 14)}),
        ((150,), {"Stadtführung": (150, 10), "Hafenrundfahrt": (150, 14)}),
    ],
)
def test_replacement_puts_each_item_on_its_day_or_on_the_last_day(
    staff_client, committed, new_days, expected
):
    event = EventFactory(status=Event.Status.POSTPONED)
    ProgrammeItemFactory(
        event=event,
        title="Stadtführung",
        starts_at=local(future(60), 10),
        ends_at=local(future(60), 12),
    )
    ProgrammeItemFactory(
        event=event,
        title="Hafenrundfahrt",
        starts_at=local(future(61), 14),
        ends_at=local(future(61), 16),
    )

    with committed():
        replacement = replace_through_admin(
            staff_client, event, *[future(n) for n in new_days], invite=False
        )

    assert item_starts(replacement) == {
        title: local(future(day), hour) for title, (day, hour) in expected.items()
    }
    assert item_starts(event) == {
        "Stadtführung": local(future(60), 10),
        "Hafenrundfahrt": local(future(61), 14),
    }


def test_replacement_does_not_copy_the_answer_deadline(staff_client, committed):
    event = EventFactory()
    registrant(event)
    deadline = timezone.now() + timedelta(days=7)
    with committed():
        confirm(
            staff_client,
            "reschedule",
            event,
            reschedule_data(future(90), deadline=deadline) | {"a-release_unanswered": "on"},
        )
        confirm(staff_client, "postpone", event, {"n-notice": "Doch nicht."})
        replacement = replace_through_admin(staff_client, event, future(150))

    assert reload(event).reconfirmation_deadline is not None
    assert replacement.reconfirmation_deadline is None
    assert not replacement.release_unanswered


# --- 8. the services write history at the moment of the change --------------------------------


def test_reschedule_in_the_admin_records_the_answer_deadline_with_the_staff_user(
    staff_client, committed
):
    event = EventFactory()
    registrant(event)
    staff = get_user_model().objects.get(username="staff")
    deadline = timezone.localtime() + timedelta(days=7)

    with committed():
        done = confirm(
            staff_client, "reschedule", event, reschedule_data(future(90), deadline=deadline)
        )

    assert done.status_code == 302
    event.refresh_from_db()
    assert event.reconfirmation_deadline == deadline.replace(second=0, microsecond=0)
    latest = event.history.latest()
    assert latest.reconfirmation_deadline == event.reconfirmation_deadline
    assert latest.history_user == staff
    assert latest.history_change_reason == de("answer deadline for the new dates")
    assert latest.status == Event.Status.RESCHEDULED
    # The status change itself is on record too, by the same user.
    assert event.history.filter(status=Event.Status.RESCHEDULED, history_user=staff).count() >= 2


def test_capacity_set_through_the_service_is_on_record_at_once(waiting_event):
    event, _confirmed, _waiting = waiting_event
    services.event_capacity_set(event=event, capacity_value=4)
    latest = event.history.latest()
    assert latest.capacity == 4
    assert latest.prev_record.capacity == 2


def test_capacity_raised_in_the_admin_is_on_record_with_the_staff_user(
    staff_client, waiting_event, committed
):
    event, _confirmed, _waiting = waiting_event
    with committed():
        save(staff_client, event, {**change_form(staff_client, event), "capacity": "4"})
    latest = event.history.latest()
    assert (latest.capacity, latest.history_user.username) == (4, "staff")


# --- found by trying the demo as staff and registrants -------------------------------------------


def test_an_overbooked_event_can_still_be_edited_when_its_capacity_is_not_lowered(
    staff_client, waiting_event, mailoutbox
):
    """Staff confirmed someone beyond capacity; fixing a typo must not demand a new capacity."""
    event, _confirmed, waiting = waiting_event
    services.registration_confirm_from_waiting_list(registration=waiting[2])
    assert Registration.objects.confirmed().filter(event=event).count() == 3 > event.capacity
    data = change_form(staff_client, event)
    data["subtitle_de"] = "Mit korrigiertem Untertitel"

    response = save(staff_client, event, data)

    assert "errors" not in response.context or not response.context["errors"]
    assert reload(event).subtitle == "Mit korrigiertem Untertitel"
    assert reload(event).capacity == 2


def test_moving_up_keeps_the_side_programme_queue_position(db, committed, mailoutbox):
    """Someone who waited for the event chose the tour first: moving up must not put them at
    the end of the tour's queue."""
    event = EventFactory(capacity=1, title="Jahrestreffen Erfurt")
    tour = ProgrammeItemFactory(event=event, capacity=1, title="Stadtführung")
    registrant(event, created_at=ago(10), items=[(tour, ProgrammeChoice.Status.CONFIRMED)])
    early = registrant(
        event, status=S.WAITING, created_at=ago(8), items=[(tour, ProgrammeChoice.Status.WAITING)]
    )
    ProgrammeChoice.objects.filter(registration=early).update(created_at=ago(8))
    chosen_at = ProgrammeChoice.objects.get(registration=early).created_at

    services.registration_confirm_from_waiting_list(registration=early)

    choice = ProgrammeChoice.objects.get(registration=early)
    assert choice.created_at == chosen_at
    assert choice.status == ProgrammeChoice.Status.WAITING  # the tour is still full


def test_carrying_over_releases_the_original_place_without_a_mail(db, committed, mailoutbox):
    """After the carry-over the replacement place is the person's place: news of the original
    (its cancellation) must not tell them their registration is gone."""
    event = EventFactory(capacity=None, status=Event.Status.POSTPONED)
    original = registrant(event)
    replacement = services.event_create_replacement_notify(
        event=event,
        days=[DaySpec(future(120))],
        title="Ersatz",
        notice="",
        publish=True,
        invite=True,
    )
    OutboxMessage.objects.all().delete()
    with committed():
        new = services.registration_carry_over(registration=original)
    assert new.event == replacement and new.status == S.CONFIRMED
    assert reload(original).status == S.CANCELLED
    # The new place is confirmed by its own mail; the released original sends none.
    assert [m.kind for m in OutboxMessage.objects.filter(registration=original)] == []
    mailoutbox.clear()

    with committed():
        services.event_cancel_notify(event=event, notice="Abgesagt.")

    assert original.email not in sent_to(mailoutbox)
    assert reload(new).status == S.CONFIRMED


@pytest.mark.parametrize("action", ["postpone", "reschedule", "cancel"])
def test_previews_show_no_working_personal_link(staff_client, action):
    """Staff see what the mail says, but the recipient's manage link is a placeholder: nobody
    can act as that person from the preview."""
    event = EventFactory()
    person = registrant(event)
    data, _kind = lifecycle_step(action)

    preview = staff_client.post(lifecycle_url(action, event), data).context["preview"]

    assert preview.to == person.email
    assert manage_tokens.make_token(person) not in preview.text
    if action != "cancel":  # the cancellation mail carries no manage link at all
        assert de("[personal link]") in preview.text
