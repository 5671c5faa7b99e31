"""Security headers on every kind of page, and pages that work under the Content-Security-Policy
(no inline script or style, no event-handler attributes)."""

import re

import pytest

from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def production(settings):
    """The production values of settings.py (DEBUG off), over HTTPS."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


@pytest.fixture
def event():
    return EventFactory()


def public_paths(event) -> list[str]:
    return [
        "/",
        f"/veranstaltungen/{event.slug}/",
        "/anmelden/",
        "/zugang-beantragen/",
        "/en/",
        "/healthz",
        "/admin/login/",
    ]


def test_every_page_carries_the_security_headers(client, production, event):
    for path in public_paths(event):
        response = client.get(path, secure=True)

        assert response.status_code == 200, path
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert response["Content-Security-Policy"] == CSP
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_error_pages_carry_the_policy_and_plain_http_is_redirected(client, production):
    missing = client.get("/veranstaltungen/gibt-es-nicht/", secure=True)
    assert missing.status_code == 404
    assert missing["Content-Security-Policy"] == CSP
    plain = client.get("/anmelden/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/anmelden/"


def test_a_view_may_set_its_own_policy(rf, settings):
    from django.http import HttpResponse

    from jahrestreffen.middleware import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse()
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(rf.get("/"))

    assert response["Content-Security-Policy"] == "default-src 'none'"


# Data blocks (JSON, JSON-LD) are not run, so the policy does not concern them.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I
)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def assert_csp_clean(html: str, where: str):
    assert not INLINE_SCRIPT.findall(html), where
    assert not HANDLER_ATTRIBUTE.findall(html), where
    assert not re.findall(r"javascript:", html, re.I), where
    assert not STYLE.findall(html), where


def test_our_pages_need_no_inline_script_or_style(client, event, person_for_pages):
    for path in public_paths(event):
        assert_csp_clean(client.get(path, secure=True).content.decode(), path)
    signed_in = person_for_pages(client)
    for path in [f"/veranstaltungen/{event.slug}/anmeldung/", "/meine-anmeldungen/"]:
        assert_csp_clean(signed_in.get(path).content.decode(), path)


def test_admin_pages_need_no_inline_script_or_style(staff_client, event):
    paths = [
        "/admin/",
        "/admin/events/event/",
        f"/admin/events/event/{event.pk}/change/",
        "/admin/events/event/add/",
        f"/admin/events/event/{event.pk}/postpone/",
        f"/admin/events/event/{event.pk}/reschedule/",
        "/admin/registrations/registration/",
        "/admin/registrations/contactperson/",
        "/admin/registrations/contactperson/add/",
        "/admin/registrations/contactperson/import/",
    ]
    for path in paths:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert_csp_clean(response.content.decode(), path)


@pytest.fixture
def person_for_pages():
    from registrations.middleware import SESSION_KEY
    from tests.factories import ContactPersonFactory

    def sign_in(client):
        person = ContactPersonFactory()
        session = client.session
        session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
        session.save()
        return client

    return sign_in
