"""What search engines and link previews read: canonical and language alternates on every
public page, noindex on every personal one, robots.txt, the sitemap, favicon, Open Graph."""

import io
import re
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import EventFactory
from tests.site.pages import build_pages, fetch

pytestmark = pytest.mark.django_db

SITEMAP_NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
}


def head(response) -> str:
    html = response.content.decode()
    return html[: html.index("</head>")]


def links(html: str, rel: str) -> list[dict]:
    found = []
    for tag in re.findall(r"<link [^>]*>", html):
        attrs = dict(re.findall(r'(\w[\w:-]*)="([^"]*)"', tag))
        if attrs.get("rel") == rel:
            found.append(attrs)
    return found


def meta(html: str, key: str) -> list[str]:
    return re.findall(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', html)


def test_public_pages_name_their_canonical_address_and_language_versions():
    pages, clients = build_pages()
    public = [p for p in pages if not p.personal and p.method == "get" and p.status == 200]
    assert len(public) >= 20
    for page in public:
        html = head(fetch(page, clients))
        canonical = links(html, "canonical")
        assert [c["href"] for c in canonical] == [settings.SITE_URL + page.path], page
        alternates = {a["hreflang"]: a["href"] for a in links(html, "alternate")}
        german = page.path.removeprefix("/en")
        assert alternates == {
            "de": settings.SITE_URL + german,
            "en": settings.SITE_URL + "/en" + german,
            "x-default": settings.SITE_URL + german,
        }, page
        assert meta(html, "robots") == [], page
        assert meta(html, "description"), page


def test_pages_with_personal_links_or_data_are_noindex_and_name_no_address():
    pages, clients = build_pages()
    personal = [p for p in pages if p.personal]
    assert {p.name for p in personal} >= {
        "manage",
        "registration done",
        "sign in confirm",
        "my registrations",
        "participant list",
        "registration form",
    }
    for page in personal:
        html = head(fetch(page, clients))
        assert meta(html, "robots") == ["noindex"], page
        assert links(html, "canonical") == [], page


def test_robots_txt_allows_the_public_pages_and_keeps_crawlers_from_personal_ones(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")}
    for prefix in ["", "/en"]:
        assert {
            f"{prefix}/admin/",
            f"{prefix}/anmelden/",
            f"{prefix}/anmeldung/",
            f"{prefix}/einladung/",
            f"{prefix}/meine-anmeldungen/",
            f"{prefix}/zugang-beantragen/",
            f"{prefix}/veranstaltungen/*/anmeldung/",
            f"{prefix}/veranstaltungen/*/teilnehmende/",
        } <= disallowed
    # Event pages themselves stay open.
    assert not any(
        d.startswith(("/veranstaltungen/", "/en/veranstaltungen/")) and "*" not in d
        for d in disallowed
    )
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in lines


def test_sitemap_lists_published_events_in_both_languages_with_alternates(client):
    published = EventFactory(slug="oeffentlich")
    EventFactory(slug="entwurf", published=False)

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    entries = {
        url.findtext("s:loc", namespaces=SITEMAP_NS): {
            link.get("hreflang"): link.get("href") for link in url.findall("xhtml:link", SITEMAP_NS)
        }
        for url in root.findall("s:url", SITEMAP_NS)
    }
    german = f"{settings.SITE_URL}{published.get_absolute_url()}"
    english = f"{settings.SITE_URL}/en{published.get_absolute_url()}"
    alternates = {"de": german, "en": english, "x-default": german}
    assert entries[german] == alternates
    assert entries[english] == alternates
    assert f"{settings.SITE_URL}/" in entries
    assert f"{settings.SITE_URL}/en/barrierefreiheit/" in entries
    assert not any("entwurf" in loc for loc in entries)


def test_favicon_is_linked_served_and_answered_at_its_well_known_address(client):
    html = head(client.get("/"))

    icons = {link["href"] for link in links(html, "icon")}
    assert icons == {"/static/favicon.ico", "/static/favicon.svg"}
    assert links(html, "apple-touch-icon")[0]["href"] == "/static/apple-touch-icon.png"
    for name in ["favicon.ico", "favicon.svg", "apple-touch-icon.png"]:
        assert finders.find(name), name
    with Image.open(finders.find("favicon.ico")) as ico:
        assert ico.format == "ICO"
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301
    assert redirect["Location"] == "/static/favicon.ico"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 630), "#00507d").save(buffer, format="PNG")
    return buffer.getvalue()


def test_event_page_has_description_and_open_graph_tags(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event = EventFactory(
        slug="mit-bild",
        title="Jahrestreffen mit Bild",
        teaser="Das Treffen der Zuwender.",
        image=SimpleUploadedFile("rathaus.png", _png(), content_type="image/png"),
        image_alt="Das Rathaus von Leipzig",
    )

    german = head(client.get(event.get_absolute_url()))
    english = head(client.get("/en" + event.get_absolute_url()))

    assert meta(german, "description") == ["Das Treffen der Zuwender."]
    assert meta(german, "og:title") == ["Jahrestreffen mit Bild"]
    assert meta(german, "og:description") == ["Das Treffen der Zuwender."]
    assert meta(german, "og:type") == ["website"]
    assert meta(german, "og:url") == [f"{settings.SITE_URL}/veranstaltungen/mit-bild/"]
    assert meta(german, "og:locale") == ["de_DE"]
    assert meta(german, "og:locale:alternate") == ["en_GB"]
    assert meta(german, "og:image") == [f"{settings.SITE_URL}{event.image.url}"]
    assert meta(german, "og:image:alt") == ["Das Rathaus von Leipzig"]
    assert meta(english, "og:url") == [f"{settings.SITE_URL}/en/veranstaltungen/mit-bild/"]
    assert meta(english, "og:locale") == ["en_GB"]
    # German event text in an English page says so.
    assert '<meta property="og:title" content="Jahrestreffen mit Bild" lang="de">' in english


def test_event_page_without_image_has_no_og_image(client):
    event = EventFactory(teaser="")

    html = head(client.get(event.get_absolute_url()))

    assert meta(html, "og:image") == []
    assert meta(html, "og:description") == [event.subtitle]
