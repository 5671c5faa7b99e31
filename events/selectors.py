"""Reads for the public event pages, tuned to a fixed number of queries."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch

from .cache import event_version
from .models import (
    Event,
    EventChange,
    EventDay,
    Material,
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
    event = cache.get(key) if seconds > 0 else None
    if event is None:
        event = (
            Event.objects.published()
            .prefetch_related("days", "programme_items")
            .filter(slug=slug)
            .first()
        )
        if event is not None and seconds > 0:
            cache.set(key, event, timeout=seconds)
    return event


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
