"""The manage page of an online participant of the demo's hybrid meeting, in the browser:
axe finds nothing (German and English, desktop and phone), and the join link is a real,
keyboard-reachable link with a clear name."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

from events.demo_online import DEMO_JOIN_URL
from events.models import Event
from registrations.models import Registration
from registrations.tokens import manage_tokens
from tests.site.pages import create_site_pages

pytestmark = pytest.mark.browser


@pytest.fixture
def online_participant(transactional_db):
    create_site_pages()
    call_command("load_demo", allow_demo_users=True, stdout=io.StringIO())
    registration = Registration.objects.filter(
        event__attendance_mode=Event.AttendanceMode.HYBRID,
        participation=Registration.Participation.ONLINE,
        status=Registration.Status.CONFIRMED,
    ).first()
    assert registration is not None, "the demo's upcoming meeting has online participants"
    return registration


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_manage_page_of_an_online_participant_passes_axe(
    live_server, browser, online_participant, prefix, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        token = manage_tokens.make_token(online_participant)
        page.goto(f"{live_server.url}{prefix}/anmeldung/{token}/")
        section = page.locator("#join-online")
        expect(section).to_be_visible()
        join = section.get_by_role("link", name="online" if not prefix else "Join the meeting")
        expect(join.first).to_have_attribute("href", DEMO_JOIN_URL)
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()


def test_the_join_link_is_reached_by_keyboard(live_server, page, online_participant):
    token = manage_tokens.make_token(online_participant)
    page.goto(f"{live_server.url}/en/anmeldung/{token}/")
    join = page.get_by_role("link", name="Join the meeting online")
    for _ in range(40):
        page.keyboard.press("Tab")
        if join.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the join link is not reachable with Tab")
    expect(join).to_be_focused()
