"""Which language an event text is shown in.

Event texts have a German and an English field (events/translation.py); `event.title` shows
the active language's text, or the German one where staff wrote no English. Pages mark German
text inside an English page with `lang="de"` so screen readers pronounce it as German and
translation tools recognise it; they ask here which language a shown text is in.
"""

from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

from .seo import CONTENT_LANGUAGE


def page_language() -> str:
    return (get_language() or CONTENT_LANGUAGE).split("-")[0]


def text_language(obj, field: str | None = None) -> str:
    """The language of `getattr(obj, field)` on the current page. Without a field (names,
    places, organisations: written once, in German) it is German."""
    language = page_language()
    if obj is None or field is None or language == CONTENT_LANGUAGE:
        return CONTENT_LANGUAGE
    own = getattr(obj, build_localized_fieldname(field, language), None)
    return language if own not in (None, "") else CONTENT_LANGUAGE


def first_text(obj, fields: list[str]) -> str | None:
    """The first of `fields` with a text in the page's language, else the first with any
    text (German); None if all are empty. For a summary such as the meta description."""
    filled = [f for f in fields if getattr(obj, f)]
    in_language = [f for f in filled if text_language(obj, f) == page_language()]
    return (in_language or filled or [None])[0]
