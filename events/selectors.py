"""Reads for the public event pages, tuned to a fixed number of queries."""

from django.db.models import Prefetch

from .models import Event, EventChange, Topic, TopicLink


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
