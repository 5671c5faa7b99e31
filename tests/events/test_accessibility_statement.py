"""The accessibility statement follows the EU model statement, in German and English, and its
migration replaces only pages staff have not edited."""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib.flatpages.models import FlatPage

statement = import_module("events.migrations.0006_accessibility_statement")

pytestmark = pytest.mark.django_db


def test_german_statement_has_every_part_of_the_model_statement(client, settings):
    html = client.get("/barrierefreiheit/").content.decode()

    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in html
    assert "<strong>teilweise konform</strong>" in html
    assert "Nicht barrierefreie Inhalte" in html
    assert "Gebärdensprache" in html and "Leichter Sprache" in html
    assert 'erstellt und zuletzt am <time datetime="2026-11-30">' in html
    for method in ["axe-core", "W3C Nu HTML Checker", "Tastatur", "Screenreader"]:
        assert method in html, method
    email = settings.ACCESSIBILITY_CONTACT_EMAIL
    assert f'href="mailto:{email}"' in html and f">{email}</a>" in html
    assert "Schlichtungsstelle nach § 16 Behindertengleichstellungsgesetz" in html
    assert "info@schlichtungsstelle-bgg.de" in html


def test_english_statement_says_the_same(client, settings):
    html = client.get("/en/barrierefreiheit/").content.decode()

    assert "<h1>Accessibility statement</h1>" in html
    assert "<strong>partially compliant</strong>" in html
    assert "Non-accessible content" in html
    assert "prepared on <time datetime=" in html
    for method in ["axe-core", "W3C Nu HTML Checker", "keyboard", "screen readers"]:
        assert method in html, method
    assert f"mailto:{settings.ACCESSIBILITY_CONTACT_EMAIL}" in html
    assert "<h2>Enforcement procedure</h2>" in html
    assert "§ 16 of the German Disability Equality Act" in html


def _reset_to_original():
    for url, (title, content) in statement.OLD.items():
        FlatPage.objects.filter(url=url).update(title=title, content=content)


def test_migration_replaces_the_original_text_with_the_address_from_settings(settings):
    _reset_to_original()
    settings.ACCESSIBILITY_CONTACT_EMAIL = "feedback@difu.example.org"

    statement.forwards(django_apps, None)

    page = FlatPage.objects.get(url="/barrierefreiheit/")
    assert "teilweise konform" in page.content
    assert "mailto:feedback@difu.example.org" in page.content


def test_migration_keeps_a_statement_staff_have_edited():
    _reset_to_original()
    edited = FlatPage.objects.get(url="/en/barrierefreiheit/")
    edited.content += "<p>Added by the editors.</p>"
    edited.save()

    statement.forwards(django_apps, None)

    edited.refresh_from_db()
    assert edited.content.endswith("<p>Added by the editors.</p>")
    assert "partially compliant" not in edited.content
    assert "teilweise konform" in FlatPage.objects.get(url="/barrierefreiheit/").content


def test_migration_can_be_reversed():
    statement.backwards(django_apps, None)

    assert (
        FlatPage.objects.get(url="/barrierefreiheit/").content
        == statement.OLD["/barrierefreiheit/"][1]
    )
