"""WCAG 2.1 AA / BITV 2.0 in the browser: axe finds nothing on any public or registrant page,
in German and English, at desktop width and on a 390 px phone; the menu button works by
keyboard; every control shows a clearly visible focus outline; the registration box comes
before the long description on a phone; tables fit a phone; German event text in English
pages is marked as German."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import expect

from tests.site.pages import build_pages, create_site_pages

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(transactional_db, live_server):
    """Every page of tests/site/pages.py, and the session cookie of the signed-in contact."""
    create_site_pages()
    pages, clients = build_pages()
    session_key = clients["registrant"].cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "pages": [p for p in pages if p.method == "get"],
        "session": session_key,
        "url": live_server.url,
    }


def _sign_in(context, site) -> None:
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": site["session"], "url": site["url"]}]
    )


def _contrast(rgb_a: str, rgb_b: str) -> float:
    def luminance(rgb: str) -> float:
        channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted([luminance(rgb_a), luminance(rgb_b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_axe_violations_on_any_page(site, browser, viewport):
    context = browser.new_context(viewport=viewport)
    _sign_in(context, site)
    anonymous = browser.new_context(viewport=viewport)
    axe = Axe()
    problems = []
    try:
        for entry in site["pages"]:
            page = (context if entry.client == "registrant" else anonymous).new_page()
            page.goto(site["url"] + entry.path)
            results = axe.run(page)
            if results.violations_count:
                problems.append(f"{entry.path}:\n{results.generate_report()}")
            # Nothing wider than the screen (no key column off-screen on a phone).
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                problems.append(f"{entry.path}: {overflow}px wider than the viewport")
            page.close()
    finally:
        context.close()
        anonymous.close()
    assert problems == [], "\n".join(problems)


def test_menu_button_opens_and_closes_the_navigation_by_keyboard(site, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(site["url"] + "/en/")
    button = page.get_by_role("button", name="Menu")
    navigation = page.locator("#site-navigation")

    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "site-navigation")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_hidden()

    button.focus()
    page.keyboard.press("Enter")

    expect(button).to_have_attribute("aria-expanded", "true")
    expect(navigation).to_be_visible()
    # Bootstrap ignores a toggle while the panel is still sliding open.
    expect(navigation).to_have_class(re.compile(r"\bshow\b"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Events", exact=True)).to_be_focused()

    button.focus()
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()
    context.close()


def test_navigation_is_open_without_menu_button_on_desktop(site, page):
    page.set_viewport_size(DESKTOP)
    page.goto(site["url"] + "/")

    expect(page.locator(".menu-button")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()


@pytest.mark.parametrize(
    "selector",
    [
        "header a.site-brand",
        "header .nav-link[href='/anmelden/']",
        "main form [type='submit']",
        "main input[type='email']",
        "footer a[href='/impressum/']",
    ],
)
def test_focus_outline_is_clearly_visible_on_links_and_controls(site, page, selector):
    page.set_viewport_size(DESKTOP)
    page.goto(site["url"] + "/anmelden/")
    target = page.locator(selector).first

    # Reach the element by keyboard, as a keyboard user would.
    for _ in range(40):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail(f"{selector} is not reachable by Tab")
    style = target.evaluate(
        """el => {
            const s = getComputedStyle(el);
            return {style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor,
                    offset: s.outlineOffset, focusVisible: el.matches(':focus-visible')};
        }"""
    )

    assert style["focusVisible"]
    assert style["style"] == "solid"
    assert style["width"] == "3px"
    assert style["offset"] == "2px"
    assert _contrast(style["color"], "rgb(255, 255, 255)") >= 3
    assert _contrast(style["color"], "rgb(243, 245, 247)") >= 3  # the grey boxes and footer


def test_registration_box_comes_before_the_description_on_a_phone(site, page):
    upcoming = next(p for p in site["pages"] if p.name == "upcoming event")
    page.set_viewport_size(PHONE)
    page.goto(site["url"] + upcoming.path)
    box = page.locator("#registration-heading")
    description = page.locator(".event-body p").first

    assert box.bounding_box()["y"] < description.bounding_box()["y"]
    # Reading order follows: the box comes first in the markup too.
    assert page.evaluate(
        "document.querySelector('#registration-heading').compareDocumentPosition("
        "document.querySelector('.event-body')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )

    page.set_viewport_size(DESKTOP)
    assert box.bounding_box()["x"] > description.bounding_box()["x"] + 300


def test_my_registrations_fit_a_phone_with_every_value_labelled(site, browser):
    context = browser.new_context(viewport=PHONE)
    _sign_in(context, site)
    page = context.new_page()
    page.goto(site["url"] + "/en/meine-anmeldungen/")
    manage = page.get_by_role("link", name="Manage").first

    expect(manage).to_be_in_viewport()
    assert manage.bounding_box()["x"] + manage.bounding_box()["width"] <= PHONE["width"]
    label = page.locator("td[data-label='Status']").first.evaluate(
        "el => getComputedStyle(el, '::before').content"
    )
    assert label == '"Status"'
    context.close()


def test_german_event_text_is_marked_german_on_english_pages(site, page):
    """The 2020 meeting of the demo is German only: its texts are marked as German."""
    seed = next(p for p in site["pages"] if p.name == "rescheduled event")
    page.goto(site["url"] + "/en" + seed.path.removeprefix("/en"))

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#event-title span").first).to_have_attribute("lang", "de")
    expect(page.locator(".event-body p").first).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Registration", exact=True)).not_to_have_attribute(
        "lang", "de"
    )


def test_english_event_text_is_not_marked_german(site, page):
    """The upcoming meeting of the demo has English texts: shown unmarked on the English page;
    what has no English (the venue) is still marked as German."""
    upcoming = next(p for p in site["pages"] if p.name == "upcoming event")
    page.goto(site["url"] + "/en" + upcoming.path.removeprefix("/en"))

    title = page.locator("#event-title span").first
    expect(title).to_have_text(re.compile(r"^Difu Members' Annual Meeting \d{4}$"))
    expect(title).not_to_have_attribute("lang", "de")
    expect(page.locator(".event-body p").first).not_to_have_attribute("lang", "de")
    expect(page.locator("span", has_text="Stadthaus 1").first).to_have_attribute("lang", "de")
