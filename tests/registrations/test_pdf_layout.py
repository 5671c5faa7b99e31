"""PDFs staff print: sign-in sheets repeat the day and the column heads on every page; badges
wrap a long event title between words instead of clipping it."""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from registrations.exports import pdf
from registrations.models import Registration
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_sign_in_sheets_repeat_day_and_heads_on_every_page():
    event = EventFactory(days=[date(2031, 6, 2)])
    RegistrationFactory.create_batch(45, event=event)

    pages = _pages(pdf.pdf_sign_in_sheet(event, Registration.objects.filter(event=event)))

    assert len(pages) >= 2
    for text in pages:
        assert "2. Juni 2031" in text
        assert "Unterschrift" in text


def test_badges_never_cut_the_event_title_mid_word():
    title = "Jahrestreffen der Zuwender: Stadtentwicklung zwischen Klimaanpassung und Wohnungsbau"
    event = EventFactory(title=title)
    RegistrationFactory(event=event)

    [text] = _pages(pdf.pdf_badges(event, Registration.objects.filter(event=event)))

    words = re.sub(r"\s+", " ", text)
    for word in ("Klimaanpassung", "Wohnungsbau"):
        assert word in words
