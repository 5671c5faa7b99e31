import io
from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from events import demo
from events.models import Event, EventChange, EventDay, OrganiserContact, ProgrammeItem, Topic
from events.services import (
    DaySpec,
    TransitionError,
    event_cancel,
    event_create_replacement,
    event_postpone,
    event_reschedule,
)
from tests.factories import (
    EventFactory,
    OrganiserContactFactory,
    ProgrammeItemFactory,
    TopicFactory,
)

JUNE = [date(2030, 6, 4), date(2030, 6, 5)]
SEPTEMBER = [DaySpec(date(2030, 9, 17), time(10), time(18)), DaySpec(date(2030, 9, 18))]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def event(db):
    return EventFactory(days=JUNE)


def _days(event: Event) -> list[tuple]:
    return list(EventDay.objects.filter(event=event).values_list("date", "start_time", "end_time"))


def _reload(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


# Postpone -----------------------------------------------------------------------------------


def test_postpone_keeps_days_and_sequence_and_records_the_change(event):
    change = event_postpone(event=event, notice="Neuer Termin folgt.")

    stored = _reload(event)
    assert stored.status == Event.Status.POSTPONED
    assert stored.status_notice == "Neuer Termin folgt."
    assert stored.status_changed_at is not None
    assert stored.sequence == 0
    assert [d[0] for d in _days(event)] == JUNE
    assert change.kind == EventChange.Kind.POSTPONED
    assert change.previous_status == Event.Status.SCHEDULED
    assert change.previous_dates == JUNE
    assert change.new_days == []
    assert change.notice == "Neuer Termin folgt."
    # The caller's instance reflects the change without a reload.
    assert event.status == Event.Status.POSTPONED


def test_a_rescheduled_event_can_be_postponed(event):
    event_reschedule(event=event, new_days=SEPTEMBER, notice="Verschoben.")
    event_postpone(event=event, notice="Doch noch unklar.")
    assert _reload(event).status == Event.Status.POSTPONED
    assert _reload(event).sequence == 1


def test_postponing_a_cancelled_event_is_refused(event):
    event_cancel(event=event, notice="Abgesagt.")
    with pytest.raises(TransitionError) as exc:
        event_postpone(event=event, notice="x")
    assert exc.value.code == "cancelled"
    assert _reload(event).status == Event.Status.CANCELLED
    assert event.changes.count() == 1


def test_postponing_twice_is_refused(event):
    event_postpone(event=event, notice="Einmal.")
    with pytest.raises(TransitionError) as exc:
        event_postpone(event=event, notice="Zweimal.")
    assert exc.value.code == "postponed"
    assert _reload(event).status_notice == "Einmal."
    assert event.changes.count() == 1


def test_refusal_uses_the_stored_status_not_the_callers_stale_copy(event):
    stale = Event.objects.get(pk=event.pk)
    event_cancel(event=event, notice="Abgesagt.")
    with pytest.raises(TransitionError):
        event_postpone(event=stale, notice="x")


# Reschedule ---------------------------------------------------------------------------------


def test_reschedule_replaces_the_days_raises_sequence_and_records_both(event):
    change = event_reschedule(event=event, new_days=SEPTEMBER, notice="Neu im September.")

    stored = _reload(event)
    assert stored.status == Event.Status.RESCHEDULED
    assert stored.sequence == 1
    assert stored.status_notice == "Neu im September."
    assert _days(event) == [
        (date(2030, 9, 17), time(10), time(18)),
        (date(2030, 9, 18), time(9), time(17)),
    ]
    assert change.kind == EventChange.Kind.RESCHEDULED
    assert change.previous_status == Event.Status.SCHEDULED
    assert change.previous_days == [
        {"date": "2030-06-04", "start_time": "09:00", "end_time": "17:00"},
        {"date": "2030-06-05", "start_time": "09:00", "end_time": "17:00"},
    ]
    assert change.new_days == [
        {"date": "2030-09-17", "start_time": "10:00", "end_time": "18:00"},
        {"date": "2030-09-18", "start_time": "09:00", "end_time": "17:00"},
    ]
    assert change.notice == "Neu im September."
    assert event.sequence == 1


def test_reschedule_sorts_the_new_days(event):
    event_reschedule(event=event, new_days=list(reversed(SEPTEMBER)), notice="")
    assert [d[0] for d in _days(event)] == [date(2030, 9, 17), date(2030, 9, 18)]


def test_each_reschedule_raises_sequence_again(event):
    event_reschedule(event=event, new_days=SEPTEMBER, notice="1")
    event_reschedule(event=event, new_days=[DaySpec(date(2030, 11, 26))], notice="2")
    assert _reload(event).sequence == 2
    assert list(event.changes.order_by("pk").values_list("kind", flat=True)) == [
        "rescheduled",
        "rescheduled",
    ]


def test_a_postponed_event_can_be_rescheduled(event):
    event_postpone(event=event, notice="Unklar.")
    change = event_reschedule(event=event, new_days=SEPTEMBER, notice="Jetzt klar.")
    assert change.previous_status == Event.Status.POSTPONED
    assert _reload(event).status == Event.Status.RESCHEDULED


def test_reschedule_moves_the_side_programme_along(event):
    item = ProgrammeItemFactory(event=event, starts_at=_at(JUNE[0], 19), ends_at=_at(JUNE[0], 22))
    untimed = ProgrammeItemFactory(event=event, starts_at=None, ends_at=None)

    event_reschedule(event=event, new_days=SEPTEMBER, notice="")

    item.refresh_from_db()
    untimed.refresh_from_db()
    assert timezone.localtime(item.starts_at) == _at(date(2030, 9, 17), 19)
    assert timezone.localtime(item.ends_at) == _at(date(2030, 9, 17), 22)
    assert untimed.starts_at is None


def test_reschedule_keeps_programme_wall_clock_times_across_daylight_saving(event):
    item = ProgrammeItemFactory(event=event, starts_at=_at(JUNE[0], 19), ends_at=_at(JUNE[0], 22))

    event_reschedule(event=event, new_days=[DaySpec(date(2030, 11, 26))], notice="")

    item.refresh_from_db()
    assert timezone.localtime(item.starts_at).isoformat() == "2030-11-26T19:00:00+01:00"
    assert timezone.localtime(item.ends_at).isoformat() == "2030-11-26T22:00:00+01:00"


def test_rescheduling_a_cancelled_event_is_refused(event):
    event_cancel(event=event, notice="Abgesagt.")
    with pytest.raises(TransitionError) as exc:
        event_reschedule(event=event, new_days=SEPTEMBER, notice="x")
    assert exc.value.code == "cancelled"
    assert [d[0] for d in _days(event)] == JUNE
    assert _reload(event).sequence == 1


@pytest.mark.parametrize(
    ("new_days", "code"),
    [
        ([], "no_days"),
        (
            [DaySpec(date(2030, 9, 17)), DaySpec(date(2030, 9, 17), time(13), time(18))],
            "duplicate_days",
        ),
        ([DaySpec(date(2030, 9, 17), time(17), time(9))], "day_order"),
        ([DaySpec(date(2030, 9, 17), time(9), time(9))], "day_order"),
        ([DaySpec(JUNE[1]), DaySpec(JUNE[0])], "same_days"),
    ],
)
def test_invalid_new_days_are_refused_and_change_nothing(event, new_days, code):
    with pytest.raises(ValidationError) as exc:
        event_reschedule(event=event, new_days=new_days, notice="x")
    assert exc.value.code == code
    assert not isinstance(exc.value, TransitionError)
    stored = _reload(event)
    assert stored.status == Event.Status.SCHEDULED
    assert stored.sequence == 0
    assert [d[0] for d in _days(event)] == JUNE
    assert not event.changes.exists()


def test_same_dates_with_other_times_are_a_real_change(event):
    event_reschedule(
        event=event, new_days=[DaySpec(d, time(10), time(16)) for d in JUNE], notice=""
    )
    assert _days(event)[0] == (JUNE[0], time(10), time(16))


# Cancel -------------------------------------------------------------------------------------


def test_cancel_keeps_days_raises_sequence_and_records_the_change(event):
    change = event_cancel(event=event, notice="Leider abgesagt.")

    stored = _reload(event)
    assert stored.status == Event.Status.CANCELLED
    assert stored.sequence == 1
    assert stored.status_notice == "Leider abgesagt."
    assert [d[0] for d in _days(event)] == JUNE
    assert change.kind == EventChange.Kind.CANCELLED
    assert change.previous_status == Event.Status.SCHEDULED
    assert change.previous_dates == JUNE
    assert change.notice == "Leider abgesagt."


@pytest.mark.parametrize("first", [event_postpone, "reschedule"])
def test_postponed_and_rescheduled_events_can_be_cancelled(event, first):
    if first == "reschedule":
        event_reschedule(event=event, new_days=SEPTEMBER, notice="")
    else:
        first(event=event, notice="")
    change = event_cancel(event=event, notice="Aus.")
    assert change.previous_status in {Event.Status.POSTPONED, Event.Status.RESCHEDULED}
    assert _reload(event).status == Event.Status.CANCELLED


def test_cancelling_twice_is_refused(event):
    event_cancel(event=event, notice="Einmal.")
    with pytest.raises(TransitionError) as exc:
        event_cancel(event=event, notice="Zweimal.")
    assert exc.value.code == "cancelled"
    stored = _reload(event)
    assert stored.sequence == 1
    assert stored.status_notice == "Einmal."
    assert event.changes.count() == 1


# Replacement --------------------------------------------------------------------------------


def test_replacement_copies_the_content_onto_new_days(event):
    charta, other = TopicFactory(), TopicFactory()
    event.topics.set([charta, other])
    ProgrammeItemFactory(
        event=event,
        kind=ProgrammeItem.Kind.RECEPTION,
        title="Abendempfang",
        starts_at=_at(JUNE[0], 19),
        ends_at=_at(JUNE[0], 22),
        capacity=40,
    )
    ProgrammeItemFactory(
        event=event, title="Exkursion", starts_at=_at(JUNE[1], 14), ends_at=_at(JUNE[1], 17)
    )
    OrganiserContactFactory(event=event, name="Dr. Maria Beispiel", phone="+49 30 1")
    OrganiserContactFactory(event=event, name="Jonas Muster")
    event_cancel(event=event, notice="Abgesagt.")

    replacement = event_create_replacement(
        event=event,
        days=[DaySpec(date(2030, 11, 26), time(10), time(16)), DaySpec(date(2030, 11, 27))],
        title="Ersatz",
        notice="Es gibt Ersatz.",
        publish=True,
    )

    replacement = Event.objects.get(pk=replacement.pk)
    assert replacement.replaces == event
    assert Event.objects.get(pk=event.pk).replacement == replacement
    assert replacement.title == "Ersatz"
    assert replacement.slug == "ersatz"
    assert replacement.published is True
    assert replacement.status == Event.Status.SCHEDULED
    assert replacement.sequence == 0
    assert replacement.status_notice == ""
    assert replacement.uid != event.uid
    assert replacement.registration_opens_at is None
    for field in ("series", "subtitle", "lead_theme", "description", "audience", "venue_city"):
        assert getattr(replacement, field) == getattr(event, field)
    assert _days(replacement) == [
        (date(2030, 11, 26), time(10), time(16)),
        (date(2030, 11, 27), time(9), time(17)),
    ]
    assert set(replacement.topics.all()) == {charta, other}
    items = {
        i.title: (timezone.localtime(i.starts_at), timezone.localtime(i.ends_at), i.capacity)
        for i in replacement.programme_items.all()
    }
    assert items == {
        "Abendempfang": (_at(date(2030, 11, 26), 19), _at(date(2030, 11, 26), 22), 40),
        "Exkursion": (_at(date(2030, 11, 27), 14), _at(date(2030, 11, 27), 17), None),
    }
    assert sorted(replacement.contacts.values_list("name", "phone")) == [
        ("Dr. Maria Beispiel", "+49 30 1"),
        ("Jonas Muster", ""),
    ]
    # The original keeps its own content.
    assert event.programme_items.count() == 2
    assert event.contacts.count() == 2
    assert timezone.localtime(event.programme_items.get(title="Abendempfang").starts_at) == _at(
        JUNE[0], 19
    )
    change = event.changes.get(kind=EventChange.Kind.REPLACED)
    assert change.previous_status == Event.Status.CANCELLED
    assert change.previous_dates == JUNE
    assert change.new_dates == [date(2030, 11, 26), date(2030, 11, 27)]
    assert change.notice == "Es gibt Ersatz."


def test_replacement_gets_a_default_title_and_a_free_slug(event):
    EventFactory(slug="jahrestreffen-2030-replacement-event")
    event.title = "Jahrestreffen 2030"
    event.save()
    with translation.override("en"):
        replacement = event_create_replacement(event=event, days=[DaySpec(date(2030, 11, 26))])
    # A default title in each language; the slug from the one staff saw.
    assert replacement.title_de == "Jahrestreffen 2030 (Ersatzveranstaltung)"
    assert replacement.title_en == "Jahrestreffen 2030 (replacement event)"
    assert replacement.slug == "jahrestreffen-2030-replacement-event-2"
    assert replacement.published is False


def test_a_second_replacement_is_refused(event):
    event_create_replacement(event=event, days=[DaySpec(date(2030, 11, 26))], title="Ersatz")
    with pytest.raises(TransitionError) as exc:
        event_create_replacement(event=event, days=[DaySpec(date(2030, 12, 1))], title="Noch")
    assert exc.value.code == "has_replacement"
    assert Event.objects.count() == 2
    assert event.changes.filter(kind=EventChange.Kind.REPLACED).count() == 1


def test_a_replacement_can_be_replaced_only_once_it_is_cancelled(event):
    first = event_create_replacement(event=event, days=[DaySpec(date(2030, 11, 26))], title="E1")
    with pytest.raises(TransitionError) as exc:
        event_create_replacement(event=first, days=[DaySpec(date(2030, 12, 1))], title="E2")
    assert exc.value.code == "replacement_active"

    event_cancel(event=first, notice="Auch abgesagt.")
    second = event_create_replacement(event=first, days=[DaySpec(date(2030, 12, 1))], title="E2")
    assert second.replaces == first


@pytest.mark.parametrize(
    "days",
    [
        [],
        [DaySpec(date(2030, 11, 26)), DaySpec(date(2030, 11, 26))],
        [DaySpec(date(2030, 11, 26), time(16), time(10))],
    ],
)
def test_replacement_with_invalid_days_is_refused(event, days):
    with pytest.raises(ValidationError):
        event_create_replacement(event=event, days=days, title="Ersatz")
    assert Event.objects.count() == 1
    assert not event.changes.exists()


# Demo data ----------------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    from django.contrib.auth import get_user_model

    return {
        model.__name__: model.objects.count()
        for model in (
            Event,
            EventDay,
            EventChange,
            ProgrammeItem,
            OrganiserContact,
            Topic,
            get_user_model(),
        )
    }


@pytest.mark.django_db
def test_load_demo_is_idempotent():
    call_command("load_demo", allow_demo_users=True, stdout=io.StringIO())
    first = _counts()
    call_command("load_demo", allow_demo_users=True, stdout=io.StringIO())
    assert _counts() == first
    assert first["Event"] == 4  # 2020, its replacement, the 2019 meeting, next year's


@pytest.mark.django_db
def test_demo_tells_the_2020_story_and_offers_an_upcoming_event():
    today = timezone.localdate()
    events = demo.load_events()

    seed = Event.objects.get(slug=demo.SEED_SLUG)
    assert seed.status == Event.Status.RESCHEDULED
    assert seed.published
    assert [d.date for d in seed.sorted_days] == [date(2020, 9, 17), date(2020, 9, 18)]
    reschedule = seed.changes.get(kind=EventChange.Kind.RESCHEDULED)
    assert reschedule.previous_dates == [date(2020, 6, 4), date(2020, 6, 5)]
    assert reschedule.new_dates == [date(2020, 9, 17), date(2020, 9, 18)]

    replacement = seed.replacement
    assert replacement == events["replacement"]
    assert replacement.status == Event.Status.CANCELLED
    assert replacement.published
    assert [d.date for d in replacement.sorted_days] == [date(2020, 11, 26)]

    upcoming = events["upcoming"]
    assert upcoming.slug == f"jahrestreffen-{today.year + 1}"
    assert upcoming.status == Event.Status.SCHEDULED
    assert upcoming.first_day.date > today
    assert upcoming.first_day.date.weekday() == 3  # a Thursday
    assert upcoming.registration_state() == "open"
    assert list(Event.objects.published().upcoming(today)) == [upcoming]
