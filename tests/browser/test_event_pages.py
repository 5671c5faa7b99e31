import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SEED_PATH = "/veranstaltungen/jahrestreffen-2020/"


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_seed_event_shows_postponement_and_links_to_cancelled_replacement(demo, live_server, page):
    page.goto(live_server.url + SEED_PATH)

    banner = page.get_by_role("note")
    expect(banner).to_contain_text(
        "Die Veranstaltung wird auf den 17. und 18. September 2020 verschoben!"
    )
    previous_dates = page.locator(".event-dates del time")
    expect(previous_dates).to_have_count(2)
    expect(previous_dates.first).to_have_attribute("datetime", "2020-06-04")
    expect(previous_dates.last).to_have_attribute("datetime", "2020-06-05")
    assert_accessible(page)

    replacement_box = page.locator("section[aria-labelledby='replacement-heading']")
    replacement_link = replacement_box.get_by_role("link", name=re.compile("Ersatzveranstaltung"))
    replacement_link.click()

    expect(page).not_to_have_url(re.compile(re.escape(SEED_PATH) + "$"))
    expect(page.locator("h1")).to_contain_text("Ersatzveranstaltung")
    expect(page.get_by_role("note")).to_have_class(re.compile(r"\balert-danger\b"))
    expect(page.locator("h1 .badge-status-cancelled")).to_be_visible()
    back_link = page.locator("section[aria-labelledby='replacement-heading'] a")
    expect(back_link).to_have_attribute("href", SEED_PATH)
    assert_accessible(page)

    back_link.click()
    expect(page).to_have_url(live_server.url + SEED_PATH)


def test_language_switch_shows_english_event_page(demo, live_server, page):
    page.goto(live_server.url + SEED_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.locator("header a[hreflang='en']").click()

    expect(page).to_have_url(live_server.url + "/en" + SEED_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Replacement event")).to_be_visible()
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/impressum/"])
def test_page_has_no_axe_violations(demo, live_server, page, path):
    page.goto(live_server.url + path)
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)


def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(demo, live_server, page):
    page.goto(live_server.url + SEED_PATH)

    page.keyboard.press("Tab")
    skip_link = page.locator("a[href='#main']").first
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
