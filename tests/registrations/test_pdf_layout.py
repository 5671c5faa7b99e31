"""PDFs staff print: sign-in sheets repeat the day and the column heads on every page; badges
wrap a long event title between words, never inside one.

Text is read back from the PDF (pypdf): each line of the extracted text is a line WeasyPrint laid
out, so a word cut by hyphenation or `word-break`/`overflow-wrap` shows up as two fragments on
two lines and no longer as one whole word."""

import io
import re
from datetime import date

import pytest
from django.utils import translation
from pypdf import PdfReader

from registrations.exports import pdf
from registrations.models import Registration
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

LONG_TITLE = (
    "Jahrestreffen der Zuwenderinnen und Zuwender des Deutschen Instituts für Urbanistik: "
    "Stadtentwicklungsplanungsgrundsätze"
)


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _line_words(text: str) -> set[str]:
    """Every whitespace-separated word of every laid-out line."""
    return {word for line in text.splitlines() for word in line.split()}


def test_sign_in_sheets_repeat_day_and_heads_on_every_page():
    event = EventFactory(days=[date(2031, 6, 2)])
    RegistrationFactory.create_batch(45, event=event)

    pages = _pages(pdf.pdf_sign_in_sheet(event, Registration.objects.filter(event=event)))

    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "Tag: Montag, 2. Juni 2031" in text, f"page {number}"
        heads = re.search(r"Nr\.\s+Name\s+Organisation\s+Unterschrift", text)
        assert heads, f"page {number} lacks the column heads:\n{text}"


def test_sign_in_sheet_days_each_start_with_their_day():
    event = EventFactory(days=[date(2031, 6, 2), date(2031, 6, 3)])
    RegistrationFactory.create_batch(45, event=event)

    pages = _pages(pdf.pdf_sign_in_sheet(event, Registration.objects.filter(event=event)))

    days = [("Tag: Montag, 2. Juni" in text, "Tag: Dienstag, 3. Juni" in text) for text in pages]
    assert (True, False) in days and (False, True) in days
    assert all(first != second for first, second in days)  # never both days on one page


@pytest.mark.parametrize("language", ["de", "en"])
def test_badges_never_cut_the_event_title_mid_word(language):
    """In German the PDF says lang="de", where WeasyPrint would hyphenate if CSS let it."""
    event = EventFactory(title=LONG_TITLE)
    person = ContactPersonFactory(
        first_name="Maximiliane",
        last_name="Leutheusser-Schnarrenberger",
        organisation__name="Landeshauptstadt Düsseldorf – Stadtplanungsamt und Bauaufsicht",
    )
    RegistrationFactory.create_batch(3, event=event)
    RegistrationFactory(event=event, registered_by=person)

    with translation.override(language):
        pages = _pages(pdf.pdf_badges(event, Registration.objects.filter(event=event)))

    [text] = pages
    words = _line_words(text)
    for word in LONG_TITLE.split():
        assert word in words, f"{word!r} is cut across lines:\n{text}"
    # Every badge carries the whole title, not only the first.
    assert text.count("Stadtentwicklungsplanungsgrundsätze") == 4
