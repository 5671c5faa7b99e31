"""Addresses for search engines and link previews: the canonical URL of a page and its
versions in the other languages, all on SITE_URL, so every page, the sitemap and robots.txt
name the same host whichever address a request came in by."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import translate_url

# The language event content is written in first: required for every text, the fallback where
# staff wrote no English (events/languages.py), and the only one of names and places.
CONTENT_LANGUAGE = "de"
OG_LOCALES = {"de": "de_DE", "en": "en_GB"}


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def site_protocol() -> str:
    return urlsplit(settings.SITE_URL).scheme or "https"


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).netloc


def language_alternates(path: str) -> list[tuple[str, str]]:
    """(hreflang, absolute URL) of the page at `path` in every language, then x-default:
    the German page, which is the site's default and carries no language prefix."""
    links = [(code, absolute_url(translate_url(path, code))) for code, _name in settings.LANGUAGES]
    return [*links, ("x-default", dict(links)[settings.LANGUAGE_CODE])]
