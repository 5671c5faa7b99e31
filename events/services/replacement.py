"""A replacement event ("Ersatzveranstaltung") for a cancelled or postponed one: a copy of
its texts, side programme and sessions on new days, linked to the original."""

from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import Event, EventChange, EventDay, SessionSpeaker
from .base import DaySpec, TransitionError, days_as_dicts, lock_event, move_item, validate_days


def _copy_programme(event: Event, replacement: Event, days: list[DaySpec]) -> None:
    """Copy the side programme to the replacement, each item on its day of the same position,
    and the organiser contacts."""
    for contact in event.contacts.all():
        contact.pk = None
        contact.event = replacement
        contact.save()
    old_dates = list(event.days.order_by("date").values_list("date", flat=True))
    for item in event.programme_items.all():
        move_item(item, old_dates, days)
        item.pk = None
        item.event = replacement
        item.save()


def _copy_sessions(event: Event, replacement: Event) -> None:
    """Copy the programme, each session to the replacement's day of the same position (beyond
    its last day, to its last day), with the same speakers in the same order."""
    new_days = list(replacement.days.order_by("date", "start_time"))
    old_days = event.days.order_by("date", "start_time").prefetch_related(
        "sessions__session_speakers"
    )
    links = []
    for index, day in enumerate(old_days):
        target = new_days[min(index, len(new_days) - 1)]
        for session in day.sessions.all():
            speakers = list(session.session_speakers.all())
            session.pk = None
            session.day = target
            session.save()
            links += [
                SessionSpeaker(session=session, speaker_id=s.speaker_id, position=s.position)
                for s in speakers
            ]
    SessionSpeaker.objects.bulk_create(links)


def _unique_slug(base: str) -> str:
    base = slugify(base)[:190] or "veranstaltung"
    slug, n = base, 2
    while Event.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# What a replacement does not take over from the event it replaces: identity, state, the
# registration period and the answer deadline of a reschedule (it gets its own).
NOT_COPIED = {
    "id",
    "uid",
    "slug",
    "title",
    "status",
    "status_notice",
    "status_changed_at",
    "sequence",
    "replaces",
    "published",
    "created_at",
    "updated_at",
    "registration_opens_at",
    "registration_closes_at",
    "reconfirmation_deadline",
    "release_unanswered",
}


def _copied_fields(event: Event) -> dict:
    """The fields a replacement takes over, each text in both languages as stored (`title_de`,
    `title_en`; not `title`, which reads the active language)."""
    fields = Event._meta.concrete_fields
    translated = {f.translated_field.name for f in fields if hasattr(f, "translated_field")}
    names = {}
    for f in fields:
        original = getattr(f, "translated_field", f).name  # `title` for `title_de`
        if original in NOT_COPIED or f.name in translated:
            continue
        names[f.attname] = getattr(event, f.attname)
    return names


def _default_title(event: Event, language: str) -> str:
    with translation.override(language):
        return _("%(title)s (replacement event)") % {"title": event.title}


def event_create_replacement(
    *,
    event: Event,
    days: list[DaySpec],
    title: str = "",
    notice: str = "",
    notice_en: str = "",
    publish: bool = False,
) -> Event:
    """Create an "Ersatzveranstaltung": a copy of the event's content on new days, linked to it."""
    days = validate_days(list(days))
    with transaction.atomic():
        locked = lock_event(event)
        if Event.objects.filter(replaces=locked).exists():
            raise TransitionError(
                _("This event already has a replacement event."), code="has_replacement"
            )
        if locked.replaces_id and locked.status != Event.Status.CANCELLED:
            raise TransitionError(
                _("Only a cancelled replacement event can itself be replaced."),
                code="replacement_active",
            )
        titles = {"title_de": title.strip(), "title_en": None}
        if not titles["title_de"]:
            titles = {f"title_{lang}": _default_title(locked, lang) for lang in ("de", "en")}
        replacement = Event.objects.create(
            **_copied_fields(locked),
            **titles,
            slug=_unique_slug(
                titles.get(f"title_{translation.get_language()}") or titles["title_de"]
            ),
            replaces=locked,
            published=publish,
        )
        replacement.topics.set(locked.topics.all())
        EventDay.objects.bulk_create(
            EventDay(event=replacement, date=d.date, start_time=d.start_time, end_time=d.end_time)
            for d in days
        )
        _copy_programme(locked, replacement, days)
        _copy_sessions(locked, replacement)
        EventChange.objects.create(
            event=locked,
            kind=EventChange.Kind.REPLACED,
            previous_status=locked.status,
            previous_days=days_as_dicts(locked),
            new_days=[d.as_dict() for d in days],
            notice_de=notice,
            notice_en=notice_en or None,
        )
        return replacement
