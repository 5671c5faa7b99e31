import re
from datetime import date, time

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from events.models import Event, EventChange, EventDay
from events.services import DaySpec, event_cancel, event_create_replacement, event_reschedule
from tests.factories import (
    EventFactory,
    OrganiserContactFactory,
    ProgrammeItemFactory,
    TopicFactory,
    TopicLinkFactory,
)

pytestmark = pytest.mark.django_db

JUNE = [date(2030, 6, 4), date(2030, 6, 5)]


def _hidden(html: str, name: str) -> str | None:
    """The value of the hidden input `name` on a confirmation page."""
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag and f'name="{name}"' in tag:
            match = re.search(r'value="([^"]*)"', tag)
            return match.group(1) if match else ""
    return None


@pytest.fixture
def event():
    event = EventFactory(title="Jahrestreffen 2030", days=JUNE)
    ProgrammeItemFactory(event=event)
    OrganiserContactFactory(event=event)
    topic = TopicFactory()
    TopicLinkFactory(topic=topic)
    event.topics.add(topic)
    return event


def _url(name: str, event: Event) -> str:
    return reverse(f"admin:events_event_{name}", args=[event.pk])


def _reload(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# Every registered model -----------------------------------------------------------------------


def test_every_registered_model_has_working_admin_pages(staff_client, event):
    event_reschedule(event=event, new_days=[DaySpec(date(2030, 9, 17))], notice="Neu.")
    event_create_replacement(event=event, days=[DaySpec(date(2030, 11, 26))], title="Ersatz")
    request = staff_client.get(reverse("admin:index")).wsgi_request
    checked = set()
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert staff_client.get(reverse(f"{prefix}_changelist")).status_code == 200
        if model_admin.has_add_permission(request):
            assert staff_client.get(reverse(f"{prefix}_add")).status_code == 200
        obj = model.objects.first()
        if obj is not None:
            url = reverse(f"{prefix}_change", args=[obj.pk])
            assert staff_client.get(url).status_code == 200, url
            checked.add(model._meta.label)
    assert {"events.Event", "events.Series", "events.Topic", "flatpages.FlatPage"} <= checked


def test_event_changelist_filters_and_search(staff_client, event):
    EventFactory(title="Jahrestreffen 2019", days=[date(2019, 6, 6)])
    url = reverse("admin:events_event_changelist")

    response = staff_client.get(url, {"year": "2019"})
    assert response.status_code == 200
    assert [e.title for e in response.context["cl"].result_list] == ["Jahrestreffen 2019"]

    response = staff_client.get(url, {"q": "2030"})
    assert [e.title for e in response.context["cl"].result_list] == ["Jahrestreffen 2030"]

    response = staff_client.get(url, {"status__exact": "cancelled"})
    assert list(response.context["cl"].result_list) == []


def test_event_change_page_links_to_the_lifecycle_views(staff_client, event):
    html = staff_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    for name in ("postpone", "reschedule", "cancel", "replacement"):
        assert f'href="{_url(name, event)}"' in html


def test_lifecycle_views_are_for_staff_only(client, django_user_model, event):
    response = client.get(_url("cancel", event))
    assert response.status_code == 302
    assert "/login/" in response["Location"]

    user = django_user_model.objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    client.force_login(user)
    assert (
        client.post(_url("cancel", event), {"n-notice": "x", "confirm": "yes"}).status_code == 403
    )
    assert _reload(event).status == Event.Status.SCHEDULED


@pytest.mark.parametrize("name", ["postpone", "reschedule", "cancel", "replacement"])
def test_lifecycle_view_renders(staff_client, event, name):
    response = staff_client.get(_url(name, event))
    assert response.status_code == 200
    assert response.context["confirming"] is False
    assert 'name="confirm"' not in response.content.decode()


def test_lifecycle_view_for_unknown_event_is_not_found(staff_client):
    assert staff_client.get("/admin/events/event/999999/cancel/").status_code == 404


# Postpone and cancel ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "status"), [("postpone", "postponed"), ("cancel", "cancelled")])
def test_notice_views_confirm_before_they_act(staff_client, event, name, status):
    data = {"n-notice": "Wir informieren Sie."}

    response = staff_client.post(_url(name, event), data)

    assert response.status_code == 200
    assert response.context["confirming"] is True
    html = response.content.decode()
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert _hidden(html, "n-notice") == "Wir informieren Sie."
    assert _reload(event).status == Event.Status.SCHEDULED
    assert not EventChange.objects.exists()

    response = staff_client.post(_url(name, event), {**data, "confirm": "yes"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_change", args=[event.pk])
    stored = _reload(event)
    assert stored.status == status
    assert stored.status_notice == "Wir informieren Sie."
    assert [level for level, _ in _messages(response)] == ["success"]


def test_notice_is_required(staff_client, event):
    response = staff_client.post(_url("cancel", event), {"n-notice": "", "confirm": "yes"})
    assert response.status_code == 200
    assert response.context["confirming"] is False
    assert response.context["forms"][0].errors["notice"]
    assert _reload(event).status == Event.Status.SCHEDULED


def test_illegal_transition_shows_an_error_and_changes_nothing(staff_client, event):
    event_cancel(event=event, notice="Schon abgesagt.")

    response = staff_client.post(
        _url("postpone", event), {"n-notice": "Doch verschieben?", "confirm": "yes"}
    )

    assert response.status_code == 200
    assert [level for level, _ in _messages(response)] == ["error"]
    stored = _reload(event)
    assert stored.status == Event.Status.CANCELLED
    assert stored.status_notice == "Schon abgesagt."
    assert event.changes.count() == 1


def test_cancelling_twice_in_the_admin_shows_an_error(staff_client, event):
    event_cancel(event=event, notice="Einmal.")
    response = staff_client.post(_url("cancel", event), {"n-notice": "x", "confirm": "yes"})
    assert [level for level, _ in _messages(response)] == ["error"]
    assert _reload(event).sequence == 1


# Reschedule -----------------------------------------------------------------------------------


def _days_data(*days: tuple, initial: int = 0) -> dict:
    """The day rows as the page posts them; `initial` rows are the prefilled current days.

    A fourth item in a row ticks its delete box.
    """
    data = {
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": str(initial),
        "days-MIN_NUM_FORMS": "1",
        "days-MAX_NUM_FORMS": "10",
    }
    for i, (day, start, end, *delete) in enumerate(days):
        data |= {f"days-{i}-date": day, f"days-{i}-start_time": start, f"days-{i}-end_time": end}
        if delete:
            data[f"days-{i}-DELETE"] = "on"
    return data


SPARE = ("", "09:00", "17:00")


def test_reschedule_view_starts_from_the_current_days_with_spare_rows(staff_client, event):
    response = staff_client.get(_url("reschedule", event))
    formset = response.context["forms"][1]
    assert [f.initial.get("date") for f in formset.forms] == [*JUNE, None, None]
    html = response.content.decode()
    assert 'name="days-INITIAL_FORMS" value="2"' in html
    assert 'name="days-0-DELETE"' in html


def test_reschedule_view_can_drop_a_day_and_add_one(staff_client, event):
    data = {
        "n-notice": "Neu.",
        **_days_data(
            ("2030-06-04", "09:00", "17:00", "delete"),
            ("2030-09-18", "09:00", "17:00"),
            ("2030-09-19", "09:00", "13:00"),
            SPARE,
            initial=2,
        ),
    }
    response = staff_client.post(_url("reschedule", event), data)
    assert response.context["confirming"] is True
    assert '<input type="hidden" name="days-0-DELETE" value="True">' in (response.content.decode())

    response = staff_client.post(_url("reschedule", event), {**data, "confirm": "yes"})

    assert response.status_code == 302
    assert list(event.days.values_list("date", "end_time")) == [
        (date(2030, 9, 18), time(17)),
        (date(2030, 9, 19), time(13)),
    ]


def test_reschedule_view_confirms_then_moves_the_event(staff_client, event):
    data = {
        "n-notice": "Neu im September.",
        **_days_data(
            ("2030-09-18", "09:00", "15:00"),
            ("2030-09-17", "10:00", "18:00"),
            SPARE,
            SPARE,
            initial=2,
        ),
    }

    response = staff_client.post(_url("reschedule", event), data)

    assert response.status_code == 200
    assert response.context["confirming"] is True
    html = response.content.decode()
    assert '<input type="hidden" name="days-0-date" value="2030-09-18">' in html
    assert list(event.days.values_list("date", flat=True)) == JUNE

    response = staff_client.post(_url("reschedule", event), {**data, "confirm": "yes"})

    assert response.status_code == 302
    stored = _reload(event)
    assert stored.status == Event.Status.RESCHEDULED
    assert stored.sequence == 1
    assert list(event.days.values_list("date", "start_time")) == [
        (date(2030, 9, 17), time(10)),
        (date(2030, 9, 18), time(9)),
    ]


@pytest.mark.parametrize(
    "days",
    [
        [("2030-09-17", "18:00", "10:00")],
        [("2030-09-17", "09:00", "17:00"), ("2030-09-17", "10:00", "12:00")],
        [("kein Datum", "09:00", "17:00")],
    ],
    ids=["end-before-start", "duplicate-day", "bad-date"],
)
def test_reschedule_view_shows_errors_for_invalid_days(staff_client, event, days):
    data = {"n-notice": "x", **_days_data(*days), "confirm": "yes"}

    response = staff_client.post(_url("reschedule", event), data)

    assert response.status_code == 200
    assert response.context["confirming"] is False
    formset = response.context["forms"][1]
    assert not formset.is_valid()
    assert 'class="errorlist' in response.content.decode()
    assert _reload(event).status == Event.Status.SCHEDULED
    assert list(event.days.values_list("date", flat=True)) == JUNE


@pytest.mark.parametrize(
    "days",
    [
        (SPARE,),
        (("2030-06-04", "09:00", "17:00", "delete"), ("2030-06-05", "09:00", "17:00", "delete")),
    ],
    ids=["empty", "all-deleted"],
)
def test_reschedule_view_without_days_shows_an_error(staff_client, event, days):
    data = {"n-notice": "x", **_days_data(*days), "confirm": "yes"}
    response = staff_client.post(_url("reschedule", event), data)
    assert response.status_code == 200
    assert not response.context["forms"][1].is_valid()
    assert 'class="errorlist' in response.content.decode()
    assert _reload(event).status == Event.Status.SCHEDULED


def test_reschedule_to_the_same_days_shows_the_service_error(staff_client, event):
    data = {
        "n-notice": "x",
        **_days_data(("2030-06-04", "09:00", "17:00"), ("2030-06-05", "09:00", "17:00"), initial=2),
        "confirm": "yes",
    }
    response = staff_client.post(_url("reschedule", event), data)
    assert response.status_code == 200
    assert [level for level, _ in _messages(response)] == ["error"]
    assert _reload(event).status == Event.Status.SCHEDULED
    assert not event.changes.exists()


# Replacement ----------------------------------------------------------------------------------


def test_replacement_view_confirms_then_creates_and_opens_the_new_event(staff_client, event):
    event_cancel(event=event, notice="Abgesagt.")
    data = {
        "n-title": "Ersatztreffen 2030",
        "n-notice": "",
        "n-publish": "on",
        **_days_data(("2030-11-26", "10:00", "16:00"), ("2030-11-27", "09:00", "15:00"), SPARE),
    }

    response = staff_client.post(_url("replacement", event), data)

    assert response.status_code == 200
    assert response.context["confirming"] is True
    assert _hidden(response.content.decode(), "n-publish") == "True"
    assert Event.objects.count() == 1

    response = staff_client.post(_url("replacement", event), {**data, "confirm": "yes"})

    replacement = Event.objects.get(replaces=event)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_change", args=[replacement.pk])
    assert replacement.title == "Ersatztreffen 2030"
    assert replacement.published is True
    assert list(EventDay.objects.filter(event=replacement).values_list("date", flat=True)) == [
        date(2030, 11, 26),
        date(2030, 11, 27),
    ]


def test_second_replacement_in_the_admin_shows_an_error(staff_client, event):
    event_create_replacement(event=event, days=[DaySpec(date(2030, 11, 26))], title="Ersatz")
    data = {
        "n-title": "Noch ein Ersatz",
        "n-notice": "",
        **_days_data(("2030-12-01", "10:00", "16:00")),
        "confirm": "yes",
    }

    response = staff_client.post(_url("replacement", event), data)

    assert response.status_code == 200
    assert [level for level, _ in _messages(response)] == ["error"]
    assert Event.objects.count() == 2


def test_replacement_needs_a_title(staff_client, event):
    data = {"n-title": "", **_days_data(("2030-11-26", "10:00", "16:00")), "confirm": "yes"}
    response = staff_client.post(_url("replacement", event), data)
    assert response.status_code == 200
    assert response.context["forms"][0].errors["title"]
    assert Event.objects.count() == 1
