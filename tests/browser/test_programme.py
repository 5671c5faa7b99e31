"""The programme of the upcoming demo meeting in the browser: by day under headings, breaks
named in text, the PDF link working, and no axe violations in German and English, on a desktop
and on a phone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from events.demo import UPCOMING_SLUG_PREFIX

pytestmark = pytest.mark.browser


def _path() -> str:
    return f"/veranstaltungen/{UPCOMING_SLUG_PREFIX}{timezone.localdate().year + 1}/"


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
@pytest.mark.parametrize("prefix", ["", "/en"], ids=["de", "en"])
def test_programme_by_day_is_accessible(demo, live_server, page, prefix, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + prefix + _path())

    programme = page.locator("section[aria-labelledby='agenda-heading']")
    expect(programme.get_by_role("heading", level=2)).to_have_text(
        "Programm" if not prefix else "Programme"
    )
    days = programme.get_by_role("heading", level=3)
    expect(days).to_have_count(2)
    # Each day's sessions are a list named by the day's heading.
    first_day = programme.get_by_role("list", name=days.first.inner_text())
    expect(first_day.locator(":scope > li")).to_have_count(7)
    lunch = first_day.locator(":scope > li.agenda-break").first
    expect(lunch.locator(".agenda-kind")).to_have_text("Pause" if not prefix else "break")
    expect(lunch.get_by_role("heading", level=4)).to_have_text("Mittagspause")
    expect(programme.get_by_text("Stadt Münster").first).to_be_visible()

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_programme_pdf_link_downloads_the_pdf(demo, live_server, page):
    page.goto(live_server.url + _path())
    link = page.get_by_role("link", name="Programm als PDF zum Ausdrucken")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
