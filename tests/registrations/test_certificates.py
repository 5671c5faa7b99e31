"""Certificates of attendance: who gets one and when, what the PDF says, the public code
check, sending them all once, and reissuing after a correction."""

import email
import email.policy
import io
import re
from datetime import date, time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from events.models import EventDay
from registrations import services
from registrations.mail.certificate import certificate_pdf
from registrations.models import Attendance, Certificate, OutboxMessage, Registration
from registrations.models.certificate import CODE_ALPHABET, CODE_LENGTH, certificate_code
from registrations.tokens import manage_tokens
from tests.factories import (
    AttendanceFactory,
    EventFactory,
    MemberOrganisationFactory,
    RegistrationFactory,
    manage_url,
)

pytestmark = pytest.mark.django_db

DAYS = [date(2019, 6, 12), date(2019, 6, 13)]
CHECK_URL = "/bescheinigung/pruefen/"


@pytest.fixture
def past_event():
    event = EventFactory(days=[], title="Jahrestreffen 2019", lead_theme="Klimaanpassung")
    EventDay.objects.create(event=event, date=DAYS[0], start_time=time(10), end_time=time(17))
    EventDay.objects.create(event=event, date=DAYS[1], start_time=time(9), end_time=time(12, 30))
    return event


@pytest.fixture
def attendee(past_event):
    registration = RegistrationFactory(
        event=past_event,
        academic_title="Dr.",
        first_name="Anna",
        last_name="Schmidt",
        organisation=MemberOrganisationFactory(name="Stadt Leipzig"),
    )
    AttendanceFactory(registration=registration, day=DAYS[0])
    AttendanceFactory(registration=registration, day=DAYS[1])
    return registration


def _certificate_url(registration) -> str:
    return reverse(
        "registrations:certificate", kwargs={"token": manage_tokens.make_token(registration)}
    )


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_checked_in_person_downloads_the_certificate_after_the_event(client, attendee):
    page = client.get(manage_url(attendee)).content.decode()
    assert _certificate_url(attendee) in page
    response = client.get(_certificate_url(attendee))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    text = _text(response.content)
    certificate = Certificate.objects.get(registration=attendee)
    for expected in (
        "Teilnahmebescheinigung",
        "Dr. Anna Schmidt",
        "Stadt Leipzig",
        "Jahrestreffen 2019",
        "Klimaanpassung",
        "12. Juni 2019",
        "13. Juni 2019",
        "10:00–17:00",
        "09:00–12:30",
        "10,5 Stunden",  # 7 h + 3.5 h of programme
        "Rathaus, Leipzig",
        "Deutsches Institut für Urbanistik",
        certificate.display_code,
    ):
        assert expected in text, expected


def test_only_the_days_attended_are_certified(client, past_event):
    registration = RegistrationFactory(event=past_event, language="en")
    AttendanceFactory(registration=registration, day=DAYS[1])
    text = _text(client.get(_certificate_url(registration)).content)
    assert "Certificate of attendance" in text
    assert "13 June 2019" in text and "12 June 2019" not in text
    assert "3.5 hours" in text


def test_no_certificate_before_the_event_is_over(client):
    event = EventFactory()  # days in the future
    registration = RegistrationFactory(event=event)
    AttendanceFactory(registration=registration)
    assert (
        _certificate_url(registration) not in client.get(manage_url(registration)).content.decode()
    )
    assert client.get(_certificate_url(registration)).status_code == 404
    assert not Certificate.objects.exists()


def test_no_certificate_without_a_check_in(client, past_event):
    registration = RegistrationFactory(event=past_event)
    assert (
        _certificate_url(registration) not in client.get(manage_url(registration)).content.decode()
    )
    assert client.get(_certificate_url(registration)).status_code == 404
    with pytest.raises(ValidationError):
        services.certificate_issue(registration=registration)


def test_a_tampered_link_gets_no_certificate(client, attendee):
    url = _certificate_url(attendee)
    token = manage_tokens.make_token(attendee)
    assert client.get(url.replace(token, token[:-1] + "x")).status_code == 404


def test_downloading_again_gives_the_same_certificate(client, attendee):
    client.get(_certificate_url(attendee))
    client.get(_certificate_url(attendee))
    assert Certificate.objects.filter(registration=attendee).count() == 1


def test_codes_are_long_random_and_unambiguous():
    codes = {certificate_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01IOL") & set(CODE_ALPHABET)


# The public check ------------------------------------------------------------------------


def test_a_valid_code_confirms_name_event_and_days_and_nothing_else(client, attendee):
    attendee.email = "anna.schmidt@leipzig.example.org"
    attendee.save()
    certificate = services.certificate_issue(registration=attendee)
    typed = certificate.display_code.lower().replace("-", " ")
    response = client.post(CHECK_URL, {"code": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dr. Anna Schmidt" in page
    assert "Jahrestreffen 2019" in page
    assert "12. Juni 2019" in page and "13. Juni 2019" in page
    for private in ("Stadt Leipzig", "anna.schmidt", "Rathaus", manage_tokens.make_token(attendee)):
        assert private not in page
    assert "no-store" in response["Cache-Control"]
    assert 'name="robots" content="noindex"' in page


def test_an_unknown_and_a_malformed_code_get_the_same_generic_answer(client, attendee):
    services.certificate_issue(registration=attendee)

    def answer(code):
        page = client.post(CHECK_URL, {"code": code}).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page).replace(code, "")

    unknown, malformed = answer("ZZZZZ-ZZZZZ"), answer("xyz")
    assert "können wir keine Bescheinigung bestätigen" in unknown
    assert "Dr. Anna Schmidt" not in unknown
    assert unknown == malformed


def test_the_check_is_rate_limited_per_client(client, settings, attendee):
    settings.SIGN_IN_RATE_PER_IP = 3
    certificate = services.certificate_issue(registration=attendee)
    for _ in range(3):
        assert client.post(CHECK_URL, {"code": "ZZZZZZZZZZ"}).status_code == 200
    response = client.post(CHECK_URL, {"code": certificate.code})
    assert response.status_code == 429
    assert "Dr. Anna Schmidt" not in response.content.decode()


def test_the_check_page_in_english(client, attendee):
    certificate = services.certificate_issue(registration=attendee)
    page = client.post("/en" + CHECK_URL, {"code": certificate.code}).content.decode()
    assert "Days attended" in page and "12 June 2019" in page


def test_the_check_page_query_count(client, attendee, django_assert_max_num_queries):
    certificate = services.certificate_issue(registration=attendee)
    with django_assert_max_num_queries(2):
        client.post(CHECK_URL, {"code": certificate.code})


# Sending all, reissuing ------------------------------------------------------------------


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_sending_all_mails_each_checked_in_person_once_with_the_pdf(
    committed, past_event, attendee
):
    RegistrationFactory(event=past_event)  # not checked in: no certificate
    other = RegistrationFactory(event=past_event, language="en")
    AttendanceFactory(registration=other, day=DAYS[0])

    with committed():
        assert services.certificates_send(event=past_event) == (2, 0)
    with committed():
        assert services.certificates_send(event=past_event) == (0, 2)

    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CERTIFICATE).count() == 2
    assert len(mail.outbox) == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    german, english = by_recipient[attendee.email], by_recipient[other.email]
    assert german.subject == "Teilnahmebescheinigung: Jahrestreffen 2019"
    assert english.subject == "Certificate of attendance: Jahrestreffen 2019"
    [(filename, content, mimetype)] = german.attachments
    assert mimetype == "application/pdf" and filename.endswith(".pdf")
    assert "Dr. Anna Schmidt" in _text(content)
    assert manage_url(attendee) in german.body


def test_sending_before_the_event_is_over_is_refused(committed):
    event = EventFactory()
    AttendanceFactory(registration=RegistrationFactory(event=event))
    with pytest.raises(ValidationError):
        services.certificates_send(event=event)
    assert not OutboxMessage.objects.exists()


def test_reissue_after_a_correction_keeps_the_code_and_mails_the_corrected_pdf(
    client, committed, past_event, attendee
):
    with committed():
        services.certificates_send(event=past_event)
    certificate = Certificate.objects.get(registration=attendee)
    code = certificate.code
    # Staff correct the name and remove the check-in of the second day.
    Registration.objects.filter(pk=attendee.pk).update(last_name="Schmidt-Weber")
    Attendance.objects.filter(registration=attendee, day=DAYS[1]).delete()

    with committed():
        reissued = services.certificate_reissue(certificate=certificate)

    assert reissued.code == code
    assert reissued.version == 2
    assert reissued.name == "Dr. Anna Schmidt-Weber"
    assert [d["date"] for d in reissued.days] == ["2019-06-12"]
    assert reissued.minutes == 7 * 60
    corrected = mail.outbox[-1]
    assert "korrigierte Teilnahmebescheinigung" in corrected.body
    assert "Schmidt-Weber" in _text(corrected.attachments[0][1])
    page = client.post(CHECK_URL, {"code": code}).content.decode()
    assert "Schmidt-Weber" in page and "13. Juni 2019" not in page


def test_a_certificate_not_yet_sent_is_reissued_without_a_mail(committed, attendee):
    certificate = services.certificate_issue(registration=attendee)
    with committed():
        services.certificate_reissue(certificate=certificate)
    assert not mail.outbox


def test_anonymising_removes_the_certificate(attendee):
    services.certificate_issue(registration=attendee)
    services.registrations_anonymise_expired()
    assert not Certificate.objects.exists()


def test_the_mail_parses_without_defects(committed, past_event, attendee):
    with committed():
        services.certificates_send(event=past_event)
    [message] = mail.outbox
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    assert not parsed.defects
    assert all(not parsed[h].defects for h in ("Subject", "From", "To"))
    kinds = [p.get_content_type() for p in parsed.walk()]
    assert "text/plain" in kinds and "text/html" in kinds and "application/pdf" in kinds


def test_english_pdf_for_an_english_registration(attendee):
    attendee.language = "en"
    attendee.save()
    certificate = services.certificate_issue(registration=attendee)
    with translation.override("de"):
        text = _text(certificate_pdf(certificate))
    assert "Certificate of attendance" in text and "This is to certify that" in text
