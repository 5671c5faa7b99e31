from datetime import date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Event, EventChange, EventDay, RegistrationState
from tests.factories import EventDayFactory, EventFactory

NOW = timezone.make_aware(datetime(2030, 3, 1, 12, 0))


def _event(**kwargs) -> Event:
    kwargs.setdefault("registration_opens_at", NOW - timedelta(days=10))
    kwargs.setdefault("registration_closes_at", NOW + timedelta(days=10))
    kwargs.setdefault("days", [date(2030, 6, 4), date(2030, 6, 5)])
    return EventFactory(**kwargs)


# Constraints ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_day_must_end_after_it_starts():
    event = _event(days=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        EventDay.objects.create(
            event=event, date=date(2030, 6, 4), start_time=time(17), end_time=time(9)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        EventDay.objects.create(
            event=event, date=date(2030, 6, 4), start_time=time(9), end_time=time(9)
        )
    assert not event.days.exists()


@pytest.mark.django_db
def test_an_event_has_each_date_only_once():
    event = _event(days=[date(2030, 6, 4)])
    with pytest.raises(IntegrityError), transaction.atomic():
        EventDay.objects.create(event=event, date=date(2030, 6, 4), start_time=time(18))
    assert event.days.count() == 1


@pytest.mark.django_db
def test_the_same_date_is_allowed_for_two_events():
    EventDayFactory(date=date(2030, 6, 4))
    EventDayFactory(date=date(2030, 6, 4))
    assert EventDay.objects.filter(date=date(2030, 6, 4)).count() == 2


@pytest.mark.django_db
def test_registration_must_close_after_it_opens():
    with pytest.raises(IntegrityError), transaction.atomic():
        _event(registration_opens_at=NOW, registration_closes_at=NOW - timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        _event(registration_opens_at=NOW, registration_closes_at=NOW)
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_open_ended_registration_window_is_allowed():
    _event(registration_opens_at=NOW, registration_closes_at=None)
    _event(registration_opens_at=None, registration_closes_at=NOW)
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_status_must_be_one_of_the_choices():
    event = _event()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(status="deleted")
    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED


@pytest.mark.django_db
def test_change_kind_must_be_one_of_the_choices():
    event = _event()
    with pytest.raises(IntegrityError), transaction.atomic():
        EventChange.objects.create(event=event, kind="moved", previous_status="scheduled")


@pytest.mark.django_db
def test_an_event_cannot_replace_itself():
    event = _event()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(replaces=event)


@pytest.mark.django_db
def test_a_published_event_needs_a_city_or_must_be_online():
    with pytest.raises(IntegrityError), transaction.atomic():
        _event(venue_city="", attendance_mode="in_person", published=True)
    _event(venue_city="", attendance_mode="online", published=True)
    _event(venue_city="", attendance_mode="in_person", published=False)
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_calendar_uid_is_unique_per_event():
    assert _event().uid != _event().uid


# Derived values -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_days_are_sorted_and_give_start_and_end_in_berlin_time():
    event = _event(days=[])
    EventDay.objects.create(
        event=event, date=date(2030, 6, 5), start_time=time(9), end_time=time(15)
    )
    EventDay.objects.create(
        event=event, date=date(2030, 6, 4), start_time=time(10), end_time=time(18)
    )
    assert [d.date for d in event.sorted_days] == [date(2030, 6, 4), date(2030, 6, 5)]
    assert timezone.localtime(event.starts_at).isoformat() == "2030-06-04T10:00:00+02:00"
    assert timezone.localtime(event.ends_at).isoformat() == "2030-06-05T15:00:00+02:00"


def test_event_without_days_has_no_start():
    event = EventFactory.build()
    event.pk = 1
    event._prefetched_objects_cache = {"days": EventDay.objects.none()}
    assert event.first_day is None
    assert event.starts_at is None
    assert event.ends_at is None


def test_description_paragraphs_are_split_on_blank_lines():
    event = EventFactory.build(description="Eins.\r\n\r\n  \n\nZwei\nzeilig.\n\n")
    assert event.paragraphs == ["Eins.", "Zwei\nzeilig."]


def test_venue_line_joins_the_parts_present():
    event = EventFactory.build(
        venue_name="Rathaus", venue_address="Markt 1", venue_postcode="04109", venue_city="Leipzig"
    )
    assert event.venue_line == "Rathaus, Markt 1, 04109 Leipzig"
    assert EventFactory.build(venue_name="", venue_city="Leipzig").venue_line == "Leipzig"


def test_day_as_dict_is_what_change_records_store():
    day = EventDay(date=date(2030, 6, 4), start_time=time(9, 30), end_time=time(17))
    assert day.as_dict() == {"date": "2030-06-04", "start_time": "09:30", "end_time": "17:00"}


def test_change_record_gives_dates_back():
    change = EventChange(
        previous_days=[{"date": "2020-06-04"}, {"date": "2020-06-05"}],
        new_days=[{"date": "2020-09-17"}],
    )
    assert change.previous_dates == [date(2020, 6, 4), date(2020, 6, 5)]
    assert change.new_dates == [date(2020, 9, 17)]


# Querysets ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_upcoming_and_past_split_on_the_last_day():
    today = date(2030, 6, 5)
    running = _event(title="läuft", days=[date(2030, 6, 4), date(2030, 6, 5)])
    later = _event(title="später", days=[date(2030, 9, 1)])
    over = _event(title="vorbei", days=[date(2030, 6, 3)])
    older = _event(title="älter", days=[date(2029, 6, 3)])
    hidden = _event(title="verborgen", days=[date(2030, 9, 2)], published=False)

    assert list(Event.objects.upcoming(today)) == [running, later, hidden]
    assert list(Event.objects.published().upcoming(today)) == [running, later]
    assert list(Event.objects.published().past(today)) == [over, older]


# Registration state -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("attrs", "now", "is_full", "expected"),
    [
        ({"registration_opens_at": None}, NOW, False, RegistrationState.NOT_OFFERED),
        ({"registration_opens_at": None}, NOW, True, RegistrationState.NOT_OFFERED),
        ({}, NOW - timedelta(days=11), False, RegistrationState.NOT_YET_OPEN),
        ({}, NOW - timedelta(days=10), False, RegistrationState.OPEN),
        ({}, NOW, False, RegistrationState.OPEN),
        ({}, NOW + timedelta(days=10), False, RegistrationState.CLOSED),
        ({}, NOW + timedelta(days=11), True, RegistrationState.CLOSED),
        ({}, NOW, True, RegistrationState.WAITING_LIST),
        ({"waiting_list_enabled": False}, NOW, True, RegistrationState.FULL),
        ({"status": Event.Status.RESCHEDULED}, NOW, False, RegistrationState.OPEN),
        ({"status": Event.Status.POSTPONED}, NOW, False, RegistrationState.POSTPONED),
        ({"status": Event.Status.POSTPONED}, NOW, True, RegistrationState.POSTPONED),
        ({"status": Event.Status.CANCELLED}, NOW, False, RegistrationState.CANCELLED),
        (
            {"status": Event.Status.CANCELLED, "registration_opens_at": None},
            NOW,
            False,
            RegistrationState.CANCELLED,
        ),
    ],
)
def test_registration_state(attrs, now, is_full, expected):
    event = _event(**attrs)
    assert event.registration_state(now=now, is_full=is_full) == expected


@pytest.mark.django_db
def test_registration_without_closing_time_closes_when_the_last_day_begins():
    event = _event(registration_closes_at=None, days=[date(2030, 6, 4), date(2030, 6, 5)])
    last_day_start = timezone.make_aware(datetime(2030, 6, 5, 9))
    assert event.registration_state(now=last_day_start - timedelta(minutes=1)) == "open"
    assert event.registration_state(now=last_day_start) == RegistrationState.CLOSED
