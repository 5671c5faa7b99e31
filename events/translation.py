"""Which event texts staff may also write in English (django-modeltranslation).

Each field listed gets a `_de` and an `_en` column; `event.title` reads the active language's
value and falls back to German (settings.MODELTRANSLATION_FALLBACK_LANGUAGES). German is
required where the field itself is, English is always optional. Names, addresses and the
organiser stay one text: they are proper names.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Event, EventChange, Material, ProgrammeItem, Session, Speaker, TopicLink

EVENT_TEXTS = (
    "title",
    "subtitle",
    "lead_theme",
    "teaser",
    "description",
    "audience",
    "fee_note",
    "image_alt",
    "status_notice",
)


@register(Event)
class EventTranslation(TranslationOptions):
    fields = EVENT_TEXTS
    required_languages = ("de",)


# The history keeps both languages of what staff wrote, as it keeps every other field.
@register(Event.history.model)
class HistoricalEventTranslation(TranslationOptions):
    fields = EVENT_TEXTS


@register(EventChange)
class EventChangeTranslation(TranslationOptions):
    fields = ("notice",)
    required_languages = ("de",)


@register(ProgrammeItem)
class ProgrammeItemTranslation(TranslationOptions):
    fields = ("title", "description", "place")
    required_languages = ("de",)


@register(TopicLink)
class TopicLinkTranslation(TranslationOptions):
    fields = ("title",)
    required_languages = ("de",)


@register(Session)
class SessionTranslation(TranslationOptions):
    fields = ("title", "description", "room")
    required_languages = ("de",)


@register(Speaker)
class SpeakerTranslation(TranslationOptions):
    fields = ("role",)


@register(Material)
class MaterialTranslation(TranslationOptions):
    fields = ("title", "session_title")
    required_languages = ("de",)
