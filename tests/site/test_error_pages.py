"""Branded error pages in both languages with DEBUG off, the CSRF failure explained, and the
sign-out address answering GET with a button instead of a bare 405."""

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation
from django.views import defaults

from jahrestreffen import urls as site_urls
from registrations.middleware import SESSION_KEY
from tests.factories import ContactPersonFactory


def _boom(request):
    raise RuntimeError("a fault in a view")


def _forbidden(request):
    raise PermissionDenied


# The site's own URLs (the error pages link to them) plus two views that fail.
urlpatterns = [
    *site_urls.urlpatterns,
    *i18n_patterns(
        path("kaputt/", _boom), path("verboten/", _forbidden), prefix_default_language=False
    ),
]


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = __name__


def _signed_in_client(person) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "heading", "language"),
    [
        ("/gibt-es-nicht/", "Seite nicht gefunden", "de"),
        ("/en/gibt-es-nicht/", "Page not found", "en"),
        ("/veranstaltungen/gibt-es-nicht/", "Seite nicht gefunden", "de"),
    ],
)
def test_404_is_branded_in_the_visitors_language(client, settings, path, heading, language):
    settings.DEBUG = False

    response = client.get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert 'class="site-header' in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "heading"), [("", "Zugriff verweigert"), ("/en", "Access denied")]
)
def test_403_is_branded(settings, failing_urls, prefix, heading):
    settings.DEBUG = False

    response = Client().get(f"{prefix}/verboten/")

    assert response.status_code == 403
    assert f"<h1>{heading}</h1>" in response.content.decode()


@pytest.mark.django_db
def test_500_is_branded_and_served_when_a_view_fails(settings, failing_urls):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/kaputt/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Bei uns ist etwas schiefgegangen</h1>" in html
    assert 'class="site-header' in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("de", "Bei uns ist etwas schiefgegangen"), ("en", "Something went wrong on our side")],
)
def test_500_page_renders_without_database_or_request_context(settings, language, heading):
    """No django_db mark: any query would fail the test. The view gets no request context."""
    settings.DEBUG = False
    request = RequestFactory().get("/")

    with translation.override(language):
        response = defaults.server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert f'<html lang="{language}">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "heading", "advice"),
    [
        ("", "Das Formular konnte nicht gesendet werden", "Cookies"),
        ("/en", "The form could not be sent", "cookies"),
    ],
)
def test_csrf_failure_explains_what_happened_and_what_to_do(settings, prefix, heading, advice):
    settings.DEBUG = False
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"{prefix}/anmelden/", {"email": "anna@stadt.example.org"})

    assert response.status_code == 403
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert advice in html
    assert 'class="site-header' in html


@pytest.mark.django_db
def test_sign_out_address_shows_a_sign_out_button_on_get(client):
    person = ContactPersonFactory()
    signed_in = _signed_in_client(person)

    response = signed_in.get("/abmelden/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert person.full_name in html
    # Still signed in: GET changed nothing.
    assert signed_in.get("/meine-anmeldungen/").status_code == 200

    signed_in.post("/abmelden/")
    assert signed_in.get("/meine-anmeldungen/").status_code == 302


@pytest.mark.django_db
def test_sign_out_address_without_a_session_says_so(client):
    response = client.get("/en/abmelden/")

    assert response.status_code == 200
    assert "You are not signed in." in response.content.decode()
