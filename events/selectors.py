"""Reads for the public event pages, tuned to a fixed number of queries."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch

from .cache import public_version
from .models import Event, EventChange, Topic, TopicLink


def published_event(*, slug: str) -> Event | None:
    """A published event with its days and side programme, as the signed-in pages (form,
    submit, the personal parts of the event page) need it: from the cache under the public
    version, which every change to an event or its parts bumps, so no query on most requests.
    The registration service reads the capacity again under its lock."""
    key = f"published-event:{public_version()}:{slug}"
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
            "days",
            "programme_items",
            "contacts",
            Prefetch(
                "topics",
                queryset=Topic.objects.prefetch_related(
                    Prefetch("links", queryset=TopicLink.objects.order_by("position", "title"))
                ),
            ),
            Prefetch("changes", queryset=EventChange.objects.order_by("created_at", "pk")),
        )
        .get(slug=slug)
    )


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
