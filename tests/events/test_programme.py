"""The programme ("Tagesordnung"): sessions per event day with speakers, their validation, how
they move when the event is rescheduled or replaced, the event page, the PDF and the cache."""

import io
from datetime import date, time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pypdf import PdfReader

from events import demo, services
from events.models import Event, EventDay, Session, SessionSpeaker
from events.services import DaySpec
from tests.factories import (
    EventFactory,
    SessionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db

JUNE = [date(2030, 6, 4), date(2030, 6, 5)]


def _day(event: Event, index: int) -> EventDay:
    return event.days.order_by("date")[index]


@pytest.fixture
def event():
    """Two days, a session on each, the first with two speakers in a set order."""
    event = EventFactory(title="Jahrestreffen 2030", days=JUNE)
    first = SessionFactory(day=_day(event, 0), title="Begrüßung", start_time=time(10))
    SessionSpeakerFactory(
        session=first,
        speaker=SpeakerFactory(name="Petra Probst", organisation="Stadt Münster"),
        position=2,
    )
    SessionSpeakerFactory(
        session=first,
        speaker=SpeakerFactory(name="Clara Beispiel", organisation="Difu"),
        position=1,
    )
    SessionFactory(
        day=_day(event, 1),
        title="Mittagspause",
        kind=Session.Kind.BREAK,
        start_time=time(12, 30),
        end_time=time(13, 30),
    )
    return event


def _sessions(event: Event) -> list[tuple[date, str, time]]:
    return [
        (s.day.date, s.title, s.start_time)
        for s in Session.objects.filter(day__event=event).select_related("day")
    ]


# Models -------------------------------------------------------------------------------------


def test_a_session_must_end_after_it_starts(event):
    session = SessionFactory.build(day=_day(event, 0), start_time=time(11), end_time=time(11))
    with pytest.raises(ValidationError) as exc:
        session.full_clean()
    assert "Ein Programmpunkt muss nach seinem Beginn enden (am selben Tag)." in exc.value.messages
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        session.full_clean()
    assert "A session must end after it starts (on the same day)." in exc.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            day=_day(event, 0), start_time=time(11), end_time=time(10), title="Rückwärts"
        )


def test_an_unknown_kind_is_refused_by_the_database(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(day=_day(event, 0), kind="keynote")


def test_a_speaker_appears_once_per_session_and_in_order(event):
    first = Session.objects.get(title="Begrüßung")
    assert [s.name for s in first.ordered_speakers] == ["Clara Beispiel", "Petra Probst"]
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionSpeaker.objects.create(session=first, speaker=first.ordered_speakers[0])


def test_a_speaker_who_speaks_cannot_be_deleted(event):
    speaker = Session.objects.get(title="Begrüßung").ordered_speakers[0]
    with pytest.raises(ProtectedError):
        speaker.delete()


def test_sessions_are_ordered_by_day_and_time(event):
    SessionFactory(day=_day(event, 0), title="Früh", start_time=time(9), end_time=time(9, 30))
    assert [t for _d, t, _s in _sessions(event)] == ["Früh", "Begrüßung", "Mittagspause"]


# Rescheduling and replacement ---------------------------------------------------------------


@pytest.mark.parametrize(
    "new_dates",
    [
        [date(2030, 6, 5), date(2030, 6, 6)],  # one day later: the days overlap
        [date(2030, 6, 3), date(2030, 6, 4)],  # one day earlier: they overlap the other way
        [date(2030, 9, 17), date(2030, 9, 18)],
    ],
    ids=["later-overlapping", "earlier-overlapping", "months-later"],
)
def test_rescheduling_moves_each_days_sessions_to_the_new_day_of_the_same_position(
    event, new_dates
):
    speakers_before = [s.name for s in Session.objects.get(title="Begrüßung").ordered_speakers]

    services.event_reschedule(
        event=event, new_days=[DaySpec(d, time(9), time(17)) for d in new_dates], notice="Neu."
    )

    assert _sessions(event) == [
        (new_dates[0], "Begrüßung", time(10)),
        (new_dates[1], "Mittagspause", time(12, 30)),
    ]
    moved = Session.objects.get(title="Begrüßung")
    assert [s.name for s in moved.ordered_speakers] == speakers_before
    assert sorted(event.days.values_list("date", flat=True)) == new_dates


def test_rescheduling_to_fewer_days_keeps_every_session_on_the_last_day(event):
    services.event_reschedule(event=event, new_days=[DaySpec(date(2030, 6, 5))], notice="Kürzer.")

    assert _sessions(event) == [
        (date(2030, 6, 5), "Begrüßung", time(10)),
        (date(2030, 6, 5), "Mittagspause", time(12, 30)),
    ]
    assert event.days.count() == 1


def test_rescheduling_to_more_days_adds_empty_days(event):
    services.event_reschedule(
        event=event,
        new_days=[DaySpec(date(2030, 6, d)) for d in (10, 11, 12)],
        notice="Länger.",
    )

    assert _sessions(event) == [
        (date(2030, 6, 10), "Begrüßung", time(10)),
        (date(2030, 6, 11), "Mittagspause", time(12, 30)),
    ]
    assert list(event.days.order_by("date").values_list("date", flat=True)) == [
        date(2030, 6, 10),
        date(2030, 6, 11),
        date(2030, 6, 12),
    ]


def test_postponing_keeps_the_programme(event):
    services.event_postpone(event=event, notice="Neue Termine folgen.")
    assert [t for _d, t, _s in _sessions(event)] == ["Begrüßung", "Mittagspause"]


def test_a_replacement_gets_a_copy_of_the_programme_on_its_days(event):
    replacement = services.event_create_replacement(
        event=event, days=[DaySpec(date(2030, 11, 26))], title="Ersatz"
    )

    assert _sessions(replacement) == [
        (date(2030, 11, 26), "Begrüßung", time(10)),
        (date(2030, 11, 26), "Mittagspause", time(12, 30)),
    ]
    copied = Session.objects.get(day__event=replacement, title="Begrüßung")
    assert [s.name for s in copied.ordered_speakers] == ["Clara Beispiel", "Petra Probst"]
    # The original keeps its own.
    assert _sessions(event)[0] == (JUNE[0], "Begrüßung", time(10))


def test_demo_upcoming_meeting_has_a_programme_and_the_2020_story_stays():
    events = demo.load_events()
    demo.load_events()  # runs again without doubling anything

    upcoming = events["upcoming"]
    sessions = Session.objects.filter(day__event=upcoming)
    assert sessions.count() == 13
    assert {s.day.date for s in sessions.select_related("day")} == {
        d.date for d in upcoming.days.all()
    }
    assert sessions.filter(kind=Session.Kind.BREAK, title="Mittagspause").count() == 2
    assert events["seed"].status == Event.Status.RESCHEDULED
    assert events["replacement"].status == Event.Status.CANCELLED


# Event page ---------------------------------------------------------------------------------


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_event_page_shows_the_programme_by_day_with_times_and_speakers(client, event):
    html = _html(client, event.get_absolute_url())

    programme = html[html.index('id="agenda-heading"') :]
    assert '<h3 class="h5 agenda-day" id="agenda-2030-06-04">' in programme
    assert '<time datetime="2030-06-04T10:00:00+02:00">10:00</time>' in programme
    assert programme.index("Begrüßung") < programme.index("agenda-2030-06-05")
    assert programme.index("agenda-2030-06-05") < programme.index("Mittagspause")
    # Speakers in their order, each with the organisation.
    assert programme.index("Clara Beispiel") < programme.index("Petra Probst")
    assert "Stadt Münster" in programme
    assert "<table" not in programme


def test_a_break_is_marked_by_its_text_not_only_by_colour(client, event):
    html = _html(client, event.get_absolute_url())
    item = html[html.index('class="agenda-session agenda-break"') :]
    item = item[: item.index("</li>")]
    assert '<span class="agenda-kind">Pause</span>' in item


def test_programme_texts_are_escaped(client, event):
    SessionFactory(day=_day(event, 0), title="<script>alert(1)</script>", room="<b>Saal</b>")
    html = _html(client, event.get_absolute_url())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Saal&lt;/b&gt;" in html


def test_an_event_without_programme_shows_no_programme_section(client):
    event = EventFactory()
    html = _html(client, event.get_absolute_url())
    assert "agenda-heading" not in html
    assert client.get(f"{event.get_absolute_url()}tagesordnung.pdf").status_code == 404


def test_english_page_labels_the_programme_in_english(client, event):
    html = _html(client, f"/en{event.get_absolute_url()}")
    assert ">Programme</h2>" in html
    assert '<span class="agenda-kind">break</span>' in html
    assert 'lang="de">Mittagspause</h4>' in html


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_query_count_does_not_grow_with_the_programme(
    client, event, django_assert_max_num_queries
):
    small = _count(client, event.get_absolute_url())
    large = EventFactory(days=[date(2030, 7, d) for d in range(1, 4)])
    for day in large.days.all():
        for hour in range(8, 16):
            session = SessionFactory(day=day, start_time=time(hour), end_time=time(hour, 45))
            SessionSpeakerFactory.create_batch(3, session=session)

    assert _count(client, large.get_absolute_url()) == small
    # 11 for the page without sessions (tests/events/test_views.py), 1 for the speakers.
    with django_assert_max_num_queries(12):
        client.get(large.get_absolute_url())


def test_programme_changes_reach_the_cached_page(
    client, event, settings, django_capture_on_commit_callbacks
):
    """Each change invalidates the cached page when it commits (events/cache.py)."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    url = event.get_absolute_url()
    assert "Begrüßung" in _html(client, url)

    session = Session.objects.get(title="Begrüßung")
    with django_capture_on_commit_callbacks(execute=True):
        session.title = "Eröffnung"
        session.save()
    assert "Eröffnung" in _html(client, url)

    speaker = session.ordered_speakers[0]
    with django_capture_on_commit_callbacks(execute=True):
        speaker.organisation = "Difu Berlin"
        speaker.save()
    assert "Difu Berlin" in _html(client, url)

    with django_capture_on_commit_callbacks(execute=True):
        SessionSpeaker.objects.filter(session=session).delete()
    assert "Clara Beispiel" not in _html(client, url)

    with django_capture_on_commit_callbacks(execute=True):
        session.delete()
    assert "Eröffnung" not in _html(client, url)
    cache.clear()


# PDF ----------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_programme_pdf_lists_sessions_and_speakers_by_day(client, event):
    response = client.get(f"{event.get_absolute_url()}tagesordnung.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'inline; filename="tagesordnung-jahrestreffen-2030.pdf"'.replace(
            "jahrestreffen-2030", event.slug
        )
    )
    text = _pdf_text(response.content)
    assert "Programm: Jahrestreffen 2030" in text
    assert "Dienstag, 4. Juni 2030" in text
    assert text.index("Begrüßung") < text.index("Mittwoch, 5. Juni 2030")
    assert text.index("Clara Beispiel") < text.index("Petra Probst")
    assert "Stadt Münster" in text
    assert "12:30–13:30 PAUSE" in text  # the kind in capitals, as text


def test_programme_pdf_in_english(client, event):
    response = client.get(f"/en{event.get_absolute_url()}tagesordnung.pdf")
    text = _pdf_text(response.content)
    assert "Programme: Jahrestreffen 2030" in text
    assert "Tuesday, 4 June 2030" in text
    assert f'filename="tagesordnung-{event.slug}.pdf"' in response["Content-Disposition"]


def test_programme_pdf_escapes_markup(client, event):
    SessionFactory(day=_day(event, 0), title="<i>Kursiv</i> & Co")
    text = _pdf_text(client.get(f"{event.get_absolute_url()}tagesordnung.pdf").content)
    assert "<i>Kursiv</i> & Co" in text


def test_the_event_page_links_the_pdf(client, event):
    html = _html(client, event.get_absolute_url())
    assert f'href="{event.get_absolute_url()}tagesordnung.pdf"' in html


def test_unpublished_events_have_no_programme_pdf(client, event):
    Event.objects.filter(pk=event.pk).update(published=False)
    assert client.get(f"{event.get_absolute_url()}tagesordnung.pdf").status_code == 404
