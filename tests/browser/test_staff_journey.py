"""Staff without superuser rights at work: the Veranstaltungsteam exports the upcoming event's
lists (XLSX and PDF) and checks in an attendee on a phone."""

import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from events.demo import UPCOMING_SLUG_PREFIX
from events.models import Event
from registrations.demo import DEMO_STAFF_PASSWORD
from registrations.models import Attendance, Registration

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def log_in(page, live_server, username, next_path):
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_STAFF_PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(live_server.url + next_path)


def download(page, selector) -> bytes:
    with page.expect_download() as info:
        page.locator(selector).first.click()
    with open(info.value.path(), "rb") as file:
        return file.read()


def test_team_exports_lists_and_checks_in_on_a_phone(demo, live_server, page):
    event = Event.objects.get(slug=f"{UPCOMING_SLUG_PREFIX}{timezone.localdate().year + 1}")
    confirmed = Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
    public = confirmed.filter(visibility=Registration.Visibility.PUBLIC).first()
    attendee = confirmed.exclude(pk=public.pk).order_by("last_name").first()
    expected = confirmed.count()
    change_path = f"/admin/events/event/{event.pk}/change/"

    # The demo user "team" is in the Veranstaltungsteam group and no superuser.
    log_in(page, live_server, "team", change_path)

    # The attendee list as XLSX, with the demo registrants in it.
    workbook = load_workbook(io.BytesIO(download(page, "a[href$='?format=xlsx']")))
    cells = {
        str(value) for row in workbook.worksheets[0].iter_rows(values_only=True) for value in row
    }
    assert attendee.last_name in cells and public.last_name in cells

    # The list of participants as PDF: those who agreed to be on it.
    pdf = download(page, "a[href$='?format=pdf-list']")
    assert pdf.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert public.last_name in text

    # On site, on a phone: find the attendee, mark present, undo, mark again.
    page.set_viewport_size(PHONE)
    page.locator(f"a[href='/admin/events/event/{event.pk}/checkin/']").click()
    expect(page).to_have_url(re.compile(rf"/admin/events/event/{event.pk}/checkin/$"))
    count = page.locator("#checkin-count strong")
    expect(count).to_have_text("0")
    expect(page.locator("#checkin-count")).to_contain_text(str(expected))

    page.fill("#checkin-q", attendee.last_name)
    page.locator(".checkin-search [type=submit]").click()
    row = page.locator(f"#r{attendee.pk}")
    expect(row).to_be_visible()
    present = row.locator("button[value=present]")
    box = present.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    # One column, nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    present.click()
    expect(count).to_have_text("1")
    expect(row.locator("button[value=undo]")).to_be_visible()
    expect(page.locator("#checkin-q")).to_have_value(attendee.last_name)  # search kept

    row.locator("button[value=undo]").click()
    expect(count).to_have_text("0")
    row.locator("button[value=present]").click()
    expect(count).to_have_text("1")

    [attendance] = Attendance.objects.filter(registration__event=event)
    assert attendance.registration_id == attendee.pk
    assert attendance.checked_in_by.username == "team"

    # The overview counts the check-in.
    page.goto(f"{live_server.url}/admin/events/event/{event.pk}/overview/")
    first_day = page.locator("#overview-attendance-table tbody tr").first
    expect(first_day.locator("td").first).to_have_text("1")
