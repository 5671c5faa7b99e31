import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from events.demo import UPCOMING_SLUG_PREFIX
from events.models import Event
from registrations.models import Registration
from registrations.tokens import manage_tokens

pytestmark = pytest.mark.browser

STAFF_USER, STAFF_PASSWORD = "difu-admin", "jahrestreffen-demo"
MANAGE_LINK = re.compile(r"http://127\.0\.0\.1:8000(/(?:en/)?anmeldung/[^/\s]+/)")


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def long_date(day, language):
    with translation.override(language):
        return date_format(day, "DATE_FORMAT")


def label(choice, language):
    with translation.override(language):
        return str(choice.label)


def log_in(page, live_server, next_path):
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", STAFF_USER)
    page.fill("#id_password", STAFF_PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(live_server.url + next_path)


def upcoming_event():
    return Event.objects.get(slug=f"{UPCOMING_SLUG_PREFIX}{timezone.localdate().year + 1}")


def test_staff_reschedule_registrant_confirms_staff_see_answer(demo, live_server, page, browser):
    event = upcoming_event()
    old_days = list(event.sorted_days)
    assert len(old_days) == 2
    new_dates = [d.date + timedelta(days=7) for d in old_days]
    deadline = timezone.localtime() + timedelta(days=3)
    admin_url = f"{live_server.url}/admin/events/event/{event.pk}"

    # Staff log in and open the upcoming event.
    log_in(page, live_server, f"/admin/events/event/{event.pk}/change/")
    admin_lang = page.locator("html").get_attribute("lang")

    # Reschedule: notice, both days a week later, an answer deadline in a few days.
    page.locator(f"a[href='/admin/events/event/{event.pk}/reschedule/']").click()
    expect(page).to_have_url(f"{admin_url}/reschedule/")
    page.fill("textarea[name='n-notice']", "Das Jahrestreffen findet eine Woche später statt.")
    for i, (old, new_date) in enumerate(zip(old_days, new_dates, strict=True)):
        page.fill(f"input[name='days-{i}-date']", new_date.isoformat())
        # Times are kept as they were.
        for name, value in (("start_time", old.start_time), ("end_time", old.end_time)):
            expect(page.locator(f"input[name='days-{i}-{name}']")).to_have_value(
                re.compile(rf"^{value:%H:%M}(:00)?$")
            )
    page.fill("input[name='a-answer_deadline']", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#content-main form [type=submit]").click()

    # Confirmation page: recipients and the mail as it will be sent (registrants' language: de).
    preview = page.locator("#mail-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text(re.compile(r"\b12\b"))
    expect(preview).to_contain_text(long_date(new_dates[0], "de"))
    expect(preview).to_contain_text(event.title)
    assert Event.objects.get(pk=event.pk).sorted_days[0].date == old_days[0].date  # not yet
    sent_before = len(mail.outbox)
    page.locator("#content-main form input[name=confirm] ~ [type=submit]").click()

    expect(page).to_have_url(f"{admin_url}/change/")
    expect(page.locator("ul.messagelist li.success")).to_contain_text(event.title)

    # Every active registrant got a mail with their personal link; the demo's invited who
    # have not answered were told too, as invited.
    registrants = set(Registration.objects.filter(event=event).values_list("email", flat=True))
    news = [m for m in mail.outbox[sent_before:] if event.title in m.subject]
    sent = [m for m in news if m.to[0] in registrants]
    assert len(sent) == 12, [m.subject for m in mail.outbox[sent_before:]]
    invited = [m for m in news if m.to[0] not in registrants]
    assert invited and all("eingeladen" in m.body for m in invited)
    message = sent[0]
    registration = Registration.objects.get(event=event, email=message.to[0])
    match = MANAGE_LINK.search(message.body)
    assert match, message.body
    assert manage_tokens.make_token(registration) in match.group(1)
    assert long_date(new_dates[0], "de") in message.body

    # The registrant opens the link in their own browser, not signed in, and confirms.
    context = browser.new_context()
    try:
        public = context.new_page()
        public.goto(live_server.url + match.group(1))
        public_lang = public.locator("html").get_attribute("lang")
        request = public.locator("#new-dates")
        expect(request).to_be_visible()
        expect(request).to_contain_text(long_date(new_dates[0], public_lang))
        expect(request).to_contain_text(long_date(new_dates[1], public_lang))
        assert_accessible(public)

        request.locator("button[name=attend]").click()
        expect(public.locator("#new-dates")).to_have_count(0)
        expect(public.locator("main .alert-success").first).to_contain_text(
            re.compile(r"new dates|neue[nm]? Termin", re.IGNORECASE)
        )
        expect(public.locator("button[name=attend]")).to_have_count(0)
        assert_accessible(public)
    finally:
        context.close()

    # Staff see the answer.
    page.goto(f"{admin_url}/answers/")
    counts = page.locator("#answer-counts li strong")
    expect(counts).to_have_text(["1", "0", "11"])
    # Demo names repeat across organisations: find the row by its link to the registration.
    link = page.locator(f"a[href='/admin/registrations/registration/{registration.pk}/change/']")
    expect(link).to_have_text(registration.full_name)
    row = page.locator("tbody tr", has=link)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(label(Registration.Reconfirmation.CONFIRMED, admin_lang))
    pending = label(Registration.Reconfirmation.PENDING, admin_lang)
    expect(page.locator("tbody tr", has_text=pending)).to_have_count(11)


def test_reschedule_form_prefills_current_dates(demo, live_server, page):
    event = upcoming_event()
    log_in(page, live_server, f"/admin/events/event/{event.pk}/reschedule/")
    for i, day in enumerate(event.sorted_days):
        expect(page.locator(f"input[name='days-{i}-date']")).to_have_value(
            day.date.isoformat(), timeout=1000
        )
