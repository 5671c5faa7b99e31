"""Reads for the public event pages, tuned to a fixed number of queries."""

import copy
from types import SimpleNamespace

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects

from .cache import event_version, versioned
from .languages import page_language, text_language
from .models import (
    Event,
    EventChange,
    EventDay,
    Material,
    ProgrammeItem,
    Series,
    Session,
    SessionSpeaker,
    Topic,
    TopicLink,
)


def published_event(*, slug: str) -> Event | None:
    """A published event with its days and side programme, as the signed-in pages (form,
    submit, the personal parts of the event page) need it: from the cache under the event
    version, which every change to an event or its parts bumps (a registration does not), so
    no query on most requests. The registration service reads the capacity again under its
    lock."""
    key = f"published-event:{event_version()}:{slug}"
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    event = versioned.get(key) if seconds > 0 else None
    if event is None:
        event = (
            Event.objects.published()
            .prefetch_related("days", "programme_items")
            .filter(slug=slug)
            .first()
        )
        if event is not None and seconds > 0:
            versioned.set(key, event, timeout=seconds)
    return event


def event_with_programme(event: Event) -> Event:
    """The event, published or not, with its days and side programme, as the pages behind a
    registration's personal link need it: from the cache under the event version like
    `published_event`, which every change to an event or its parts bumps; otherwise `event`
    itself with those read.

    The join details are for confirmed online participants only: the shared copy goes without
    them, and they are taken from `event` as read with the registration."""
    key = f"event-with-programme:{event_version()}:{event.pk}"
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    cached = versioned.get(key) if seconds > 0 else None
    if cached is not None:
        cached.join_url, cached.dial_in = event.join_url, event.dial_in
        return cached
    if seconds <= 0:
        prefetch_related_objects([event], "days", "programme_items")
        return event
    # The copy is what the days and items refer back to: the shared entry holds no link.
    shared = copy.copy(event)
    shared.join_url = shared.dial_in = ""
    prefetch_related_objects([shared], "days", "programme_items")
    versioned.set(key, shared, timeout=seconds)
    shared.join_url, shared.dial_in = event.join_url, event.dial_in
    return shared


def event_for_page(*, slug: str) -> Event:
    """One published event with everything its page shows, in a constant number of queries."""
    return (
        Event.objects.published()
        .select_related("series", "replaces", "replacement")
        .prefetch_related(
            Prefetch("days", queryset=days_with_programme()),
            "programme_items",
            "contacts",
            Prefetch(
                "topics",
                queryset=Topic.objects.prefetch_related(
                    Prefetch("links", queryset=TopicLink.objects.order_by("position", "title"))
                ),
            ),
            Prefetch("changes", queryset=EventChange.objects.order_by("created_at", "pk")),
            Prefetch(
                "materials",
                queryset=Material.objects.select_related("session"),
                to_attr="page_materials",
            ),
        )
        .get(slug=slug)
    )


def days_with_programme():
    """Event days with their sessions in time order and each session's speakers in order:
    three queries however long the programme."""
    return EventDay.objects.order_by("date", "start_time").prefetch_related(
        Prefetch(
            "sessions",
            queryset=Session.objects.order_by("start_time", "end_time", "pk").prefetch_related(
                Prefetch(
                    "session_speakers",
                    queryset=SessionSpeaker.objects.select_related("speaker").order_by(
                        "position", "pk"
                    ),
                )
            ),
        )
    )


def programme_days(*, event: Event) -> list[EventDay]:
    """The event's days that have a programme, each with its sessions (prefetched), each
    session with its public materials (`public_materials`, from the page's prefetch)."""
    days = [day for day in event.sorted_days if day.sessions.all()]
    by_session: dict[int, list[Material]] = {}
    for material in getattr(event, "page_materials", []):
        if material.session_id and material.is_public:
            by_session.setdefault(material.session_id, []).append(material)
    for day in days:
        for session in day.sessions.all():
            session.public_materials = by_session.get(session.pk, [])
    return days


def related_events(*, event: Event, limit: int = 5) -> list[Event]:
    """Other published events sharing a topic, for "Weitere Inhalte zum Thema"."""
    topic_ids = [t.pk for t in event.topics.all()]
    if not topic_ids:
        return []
    return list(
        Event.objects.published()
        .filter(topics__in=topic_ids)
        .exclude(pk=event.pk)
        .distinct()
        .with_dates()
        .order_by("-first_date")[:limit]
    )


def series_with_events(*, pk: int) -> tuple[Series, list[Event]]:
    """A series and its published events, newest first, each with its public materials."""
    series = Series.objects.get(pk=pk)
    events = list(
        series.events.published()
        .with_dates()
        .prefetch_related(
            Prefetch(
                "materials",
                queryset=Material.objects.public().select_related("session"),
                to_attr="public_materials",
            )
        )
        .order_by("-first_date", "title")
    )
    return series, events


def event_headings(*, ids, fresh: bool = False) -> dict[int, dict]:
    """What a list of someone's registrations shows of each event, in the page's language:
    title (with `title_lang` where the German title stands in an English page), address,
    days, answer deadline after rescheduling and the side programme's titles by item id.

    Plain values, from the cache under the public version (every change to an event or its
    parts bumps it) in one look-up for all events; the rest in two queries whatever their
    number, also for unpublished events, which registrations may still belong to. `fresh`
    reads them all anew (a row just read names an item the cached headings do not know yet:
    the version is bumped only after the commit)."""
    ids = set(ids)
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    prefix = f"event-heading:{event_version()}:{page_language()}:"
    found = {}
    if seconds > 0 and ids and not fresh:
        cached = versioned.get_many(prefix + str(i) for i in ids)
        found = {int(k[len(prefix) :]): v for k, v in cached.items()}
    missing = ids - found.keys()
    if missing:
        read = _read_headings(missing)
        if seconds > 0 and read:
            versioned.set_many({prefix + str(pk): v for pk, v in read.items()}, timeout=seconds)
        found.update(read)
    return found


# The title in the page's language (modeltranslation falls back to German also in values()),
# and both languages' own texts to say which one is shown.
TITLES = ("title", "title_de", "title_en")


def _read_headings(ids) -> dict[int, dict]:
    headings = {}
    rows = (
        Event.objects.filter(pk__in=ids)
        .order_by("pk", "days__date", "days__start_time")
        .values("pk", *TITLES, "slug", "reconfirmation_deadline", "days__date")
    )
    for row in rows:
        heading = headings.get(row["pk"])
        if heading is None:
            heading = headings[row["pk"]] = {
                "title": row["title"],
                "title_lang": _other_language(row),
                "url": Event(slug=row["slug"]).get_absolute_url(),
                "days": [],
                "reconfirmation_deadline": row["reconfirmation_deadline"],
                "items": {},
            }
        if row["days__date"] is not None:
            heading["days"].append(row["days__date"])
    for item in ProgrammeItem.objects.filter(event_id__in=ids).values("pk", "event_id", *TITLES):
        headings[item["event_id"]]["items"][item["pk"]] = (item["title"], _other_language(item))
    return headings


def _other_language(texts: dict) -> str:
    """The language of the shown title where it is not the page's (for `lang="…"`), else ""."""
    shown = text_language(SimpleNamespace(**texts), "title")
    return "" if shown == page_language() else shown
