from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info

from ..seo import CONTENT_LANGUAGE, OG_LOCALES, absolute_url, language_alternates

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
def content_lang() -> str:
    """` lang="de"` on an element with event content (written in German only) when the page
    is in another language, so screen readers and translators read it as German."""
    if get_language() == CONTENT_LANGUAGE:
        return ""
    return mark_safe(f' lang="{CONTENT_LANGUAGE}"')
