"""A registrant on a 390 px phone, by keyboard only: changes their e-mail address (confirmed
through the link mailed to the new one), then hands the place to a colleague after one failed
try; axe finds nothing on the manage page, with and without errors."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from registrations.models import Registration
from registrations.services import Details, registration_create
from tests.factories import ContactPersonFactory, EventFactory, ProgrammeItemFactory, manage_url
from tests.site.pages import create_site_pages

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the phone"


def type_into(page, selector: str, text: str):
    """Reach the field by keyboard focus and type, as a keyboard user does."""
    page.locator(selector).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


@pytest.fixture
def registration(transactional_db, live_server):
    create_site_pages()
    event = EventFactory(title="Jahrestreffen Leipzig", capacity=10)
    reception = ProgrammeItemFactory(event=event, title="Abendempfang", capacity=5)
    return registration_create(
        event=event,
        registered_by=ContactPersonFactory(email="anna@stadt.example.org"),
        attendee=None,
        details=Details(programme_item_ids=[reception.pk]),
        privacy_acknowledged=True,
        language="de",
    )


def test_change_address_then_hand_over_the_place_by_keyboard(live_server, browser, registration):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    manage = live_server.url + manage_url(registration)
    page.goto(manage)
    assert_accessible(page)

    # A new address: a link goes to it, the address is unchanged until it is followed.
    type_into(page, "#id_mail-email", "anna.neu@stadt.example.org")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Bestätigungslink an anna.neu@stadt.example.org")).to_be_visible()
    assert mail.outbox[-1].to == ["anna.neu@stadt.example.org"]
    link = re.search(r"https?://\S+/e-mail-bestaetigen/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + link[link.index("/e-mail-bestaetigen/") :])
    assert_accessible(page)
    page.get_by_role("button", name="Neue Adresse bestätigen").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("E-Mails zu dieser Anmeldung gehen an anna.neu@")).to_be_visible()
    registration.refresh_from_db()
    assert registration.email == "anna.neu@stadt.example.org"

    # Handing over: a mistyped address first; the summary takes the focus and links the field.
    type_into(page, "#id_sub-first_name", "Kai")
    page.keyboard.press("Tab")
    page.keyboard.type("Kollege")
    type_into(page, "#id_sub-email", "kai@")
    page.keyboard.press("Enter")
    expect(page).to_have_title(re.compile(r"^Fehler: "))
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#id_sub-email")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("kai.kollege@stadt.example.org")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Ihr Platz wurde an Kai Kollege übergeben")).to_be_visible()
    new = Registration.objects.get(email="kai.kollege@stadt.example.org")
    assert new.status == "confirmed"
    assert [c.item.title for c in new.programme_choices.all()] == ["Abendempfang"]
    assert "kai.kollege@stadt.example.org" in {m.to[0] for m in mail.outbox}
    assert_accessible(page)
    context.close()
