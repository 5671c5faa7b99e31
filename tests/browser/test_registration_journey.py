import re
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from registrations.demo import DEMO_CONTACT_EMAIL
from registrations.models import Registration
from registrations.tokens import manage_tokens

pytestmark = pytest.mark.browser


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def link_from_last_mail(pattern: str, live_server) -> str:
    url = re.search(pattern, mail.outbox[-1].body).group(0)
    return url.replace(settings.SITE_URL.rstrip("/"), live_server.url)


def test_contact_person_signs_in_registers_and_cancels(demo, live_server, page):
    event_path = f"/veranstaltungen/jahrestreffen-{date.today().year + 1}/"
    form_path = event_path + "anmeldung/"

    page.goto(live_server.url + event_path)
    assert_accessible(page)
    page.get_by_role("link", name="Jetzt anmelden").click()

    expect(page).to_have_url(re.compile(r"/anmelden/\?next="))
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill(DEMO_CONTACT_EMAIL)
    page.get_by_role("button", name="Login-Link senden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")
    assert_accessible(page)
    assert mail.outbox[-1].to == [DEMO_CONTACT_EMAIL]
    page.goto(link_from_last_mail(r"https?://\S+/anmelden/link/\S+/", live_server))

    assert_accessible(page)
    page.get_by_role("button", name="Jetzt einloggen").click()

    # The sign-in returns to the form the visitor wanted to open.
    expect(page).to_have_url(live_server.url + form_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung")
    assert_accessible(page)

    form = page.locator("main form").filter(has=page.locator("input[name='privacy']"))
    form.get_by_role("checkbox", name=re.compile("^Abendempfang")).check()
    form.get_by_role("checkbox", name=re.compile("^Exkursion")).check()
    full_item = form.get_by_role("checkbox", name=re.compile("^Lokaltermin"))
    expect(full_item).to_have_accessible_name(re.compile("ausgebucht – Warteliste"))
    form.locator("select[name='diet']").select_option("vegetarian")
    form.get_by_role("radio", name="andere Teilnehmende dieser Veranstaltung").check()
    # The demo's upcoming meeting is hybrid: how the person takes part, with places per way.
    expect(form.get_by_role("group", name=re.compile("Wie nehmen Sie teil"))).to_be_visible()
    form.get_by_role("radio", name=re.compile("^vor Ort")).check()
    submit = form.get_by_role("button", name="Jetzt anmelden")
    submit.click()

    # Without the privacy confirmation the form comes back with its errors, still accessible.
    privacy = form.get_by_role("checkbox", name="Ich habe die Datenschutzhinweise gelesen.")
    expect(privacy).to_have_attribute("aria-invalid", "true")
    expect(privacy).to_have_accessible_description(re.compile("Bitte bestätigen Sie"))
    assert_accessible(page)
    expect(form.get_by_role("checkbox", name=re.compile("^Abendempfang"))).to_be_checked()
    expect(form.get_by_role("checkbox", name=re.compile("^Exkursion"))).to_be_checked()

    # Keyboard only: Tab reaches the privacy checkbox, Space ticks it, Tab reaches the button.
    form.get_by_label("Nachricht an die Veranstalter (optional)").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if privacy.evaluate("el => el === document.activeElement"):
            break
    expect(privacy).to_be_focused()
    page.keyboard.press("Space")
    expect(privacy).to_be_checked()
    for _ in range(5):
        page.keyboard.press("Tab")
        if submit.evaluate("el => el === document.activeElement"):
            break
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/anmeldung/[^/]+/bestaetigung/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihre Anmeldung")
    summary = page.locator("main dl")
    expect(summary.locator("strong")).to_have_text("bestätigt")
    expect(summary).to_contain_text("Abendempfang")
    expect(summary).to_contain_text("Exkursion")
    assert_accessible(page)
    manage_url = page.get_by_role(
        "link", name="Diese Anmeldung ansehen, ändern oder stornieren"
    ).get_attribute("href")
    assert mail.outbox[-1].to == [DEMO_CONTACT_EMAIL]
    assert manage_url in mail.outbox[-1].body
    registration = manage_tokens.registration_for(manage_url.strip("/").split("/")[-1])
    assert registration.diet == Registration.Diet.VEGETARIAN
    assert registration.visibility == Registration.Visibility.PARTICIPANTS
    assert registration.participation == Registration.Participation.IN_PERSON
    assert sorted(c.item.title for c in registration.programme_choices.all()) == [
        "Abendempfang",
        "Exkursion",
    ]

    page.get_by_role("link", name="Meine Anmeldungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Anmeldungen")
    row = page.get_by_role("row").filter(has=page.locator(f"a[href='{manage_url}']"))
    expect(row).to_contain_text("bestätigt")
    expect(row).to_contain_text("Exkursion")
    assert_accessible(page)

    row.get_by_role("link", name=re.compile("^Verwalten")).click()
    expect(page).to_have_url(live_server.url + manage_url)
    assert_accessible(page)
    page.get_by_role("button", name="Meine Anmeldung stornieren").click()
    # The page asks once before anything happens.
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung stornieren?")
    assert_accessible(page)
    page.get_by_role("button", name="Ja, Anmeldung stornieren").click()

    expect(page.get_by_role("status")).to_have_text("Ihre Anmeldung wurde storniert.")
    expect(page.get_by_role("button", name="Meine Anmeldung stornieren")).to_have_count(0)
    assert_accessible(page)
    expect(page.locator("main dl strong")).to_have_text("storniert")
