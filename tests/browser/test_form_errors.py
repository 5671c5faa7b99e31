"""After a failed submit the page says so in its title, lists every problem once at the top
with links to the fields, and moves the focus there; axe finds nothing on these pages."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from registrations.middleware import SESSION_KEY
from registrations.services import Details, registration_create
from tests.factories import ContactPersonFactory, EventFactory, manage_url
from tests.site.pages import create_site_pages

pytestmark = pytest.mark.browser


@pytest.fixture
def setting(transactional_db, live_server, browser):
    create_site_pages()
    event = EventFactory(title="Jahrestreffen Leipzig")
    person = ContactPersonFactory()
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    yield {"event": event, "person": person, "page": context.new_page(), "url": live_server.url}
    context.close()


def assert_no_axe_violations(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_registration_form_with_errors(setting):
    page = setting["page"]
    page.goto(f"{setting['url']}/veranstaltungen/{setting['event'].slug}/anmeldung/")
    page.get_by_label("Eine Vertretung aus meiner Organisation").check()
    page.locator("#id_rep_email").fill("vera@")
    page.get_by_role("button", name="Jetzt anmelden").click()

    expect(page).to_have_title(re.compile(r"^Fehler: "))
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    assert links.count() == 4  # first and last name, address, privacy notice
    assert summary.get_by_role("link", name="E-Mail-Adresse").get_attribute("href") == (
        "#id_rep_email"
    )
    assert_no_axe_violations(page)


def test_manage_page_and_the_cancel_question(setting):
    registration = registration_create(
        event=setting["event"],
        registered_by=setting["person"],
        attendee=None,
        details=Details(),
        privacy_acknowledged=True,
        language="de",
    )
    page = setting["page"]
    page.goto(setting["url"] + manage_url(registration))
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Meine Anmeldung stornieren").click()
    expect(page.get_by_role("heading", name="Anmeldung stornieren?")).to_be_visible()
    assert_no_axe_violations(page)
