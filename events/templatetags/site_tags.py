import nh3
from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info

from ..languages import page_language, text_language
from ..seo import OG_LOCALES, absolute_url, language_alternates

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """This page in every language: plain links, so no page needs a form (or a CSRF token)
    to switch language, and pages stay cacheable."""
    request = context.get("request")
    path = request.get_full_path() if request else "/"
    current = get_language()
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(path, code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


# What staff may use in a site page (imprint, privacy notice, accessibility statement): text
# structure, links and simple tables. Everything else is dropped: script and style with their
# content, other tags (meta refresh, iframe, form, img) keeping only their text, event-handler
# and style attributes, and links to anything but web pages and mail (no javascript: or data:).
SITE_PAGE_TAGS = {
    "time",
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "a",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "abbr",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
SITE_PAGE_ATTRIBUTES = {
    "a": {"href"},
    "abbr": {"title"},
    "time": {"datetime"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
SITE_PAGE_URL_SCHEMES = {"http", "https", "mailto"}


@register.filter
def site_page_html(content: str) -> SafeString:
    """A site page's HTML, as staff wrote it in the admin, reduced to the allowed markup.

    Staff accounts can be taken over, and the pages are public: unfiltered, one edit could put
    a script or a redirect in front of every visitor.
    """
    # Safe: nh3 has just removed everything not on the lists above.
    return mark_safe(
        nh3.clean(
            content or "",
            tags=SITE_PAGE_TAGS,
            attributes=SITE_PAGE_ATTRIBUTES,
            url_schemes=SITE_PAGE_URL_SCHEMES,
        )
    )


@register.inclusion_tag("includes/page_alternates.html", takes_context=True)
def page_alternates(context) -> dict:
    """Canonical address of the page in the current language and its versions in the
    others (hreflang), for search engines."""
    request = context.get("request")
    path = request.path if request else "/"
    return {
        "canonical": absolute_url(path),
        "alternates": language_alternates(path),
    }


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    request = context.get("request")
    return absolute_url(request.path if request else "/")


@register.simple_tag
def og_locales() -> dict:
    """og:locale of the current language and og:locale:alternate of the others."""
    current = get_language()
    return {
        "current": OG_LOCALES.get(current, current),
        "alternates": [OG_LOCALES.get(c, c) for c, _n in settings.LANGUAGES if c != current],
    }


@register.simple_tag
def content_lang(obj=None, field: str | None = None) -> str:
    """` lang="de"` on an element with event content when that content is German and the page
    is not, so screen readers and translators read it as German.

    `{% content_lang event "title" %}` for a text staff may also write in English: marked only
    when the page falls back to the German one. `{% content_lang %}` for what is German only
    (names of places, organisations, series)."""
    language = text_language(obj, field)
    if language == page_language():
        return ""
    return mark_safe(f' lang="{language}"')
