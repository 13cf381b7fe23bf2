"""Letters rendered to PDF as GOV.UK Notify lays them out: the address in the envelope's
window, the font embedded, the same bytes every time."""

import datetime
import io

import pypdf
import pytest

from civitas.notify.letters import (
    ADDRESS_BOTTOM_MM,
    ADDRESS_LEFT_MM,
    ADDRESS_RIGHT_MM,
    ADDRESS_TOP_MM,
    CONTACT_LEFT_MM,
    LetterContent,
    letter_date,
    letter_pdf,
    render_letter_pdf,
)
from civitas.notify.sending import send_from_template
from civitas.notify.tests.letters_support import (
    ADDRESS,
    fonts,
    make_letter_template,
    make_sending_service,
    text_positions,
)

LETTER = LetterContent(
    address_lines=[
        "Ms A Resident",
        "Flat 7, The Longest Named Building",
        "1 High Street",
        "Exampleton",
        "Exampleshire",
        "Somewhere",
        "EB1 1AA",
    ],
    heading="Your parking permit",
    body="Dear resident,\n\n# What happens next\n\n* one\n* two\n\n1. first\n2. second",
    contact_block="Example Borough Council\nTown Hall\nEB1 1ZZ",
    date=datetime.date(2026, 12, 3),
)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_letter_pdf(LETTER)


def test_every_address_line_sits_in_the_envelope_window(pdf):
    positions = {text: (x, y) for x, y, text in text_positions(pdf)}
    for line in LETTER.address_lines:
        x, y = positions[line]
        assert abs(x - ADDRESS_LEFT_MM) < 0.2, line
        # The baseline inside the window, with room for the letters above it.
        assert ADDRESS_TOP_MM + 2 < y < ADDRESS_BOTTOM_MM, line
    _first_x, first_y = positions[LETTER.address_lines[0]]
    assert first_y < ADDRESS_TOP_MM + 4  # starts at the top of the window


def test_the_contact_block_and_date_are_right_of_the_window_and_the_body_below_it(pdf):
    positions = {text: (x, y) for x, y, text in text_positions(pdf)}
    assert positions["Example Borough Council"][0] == pytest.approx(CONTACT_LEFT_MM, abs=0.2)
    assert positions["3 December 2026"][0] == pytest.approx(CONTACT_LEFT_MM, abs=0.2)
    assert CONTACT_LEFT_MM > ADDRESS_RIGHT_MM
    assert positions["Your parking permit"][1] > 95
    assert positions["What happens next"][1] > positions["Dear resident,"][1]


def test_the_font_is_embedded(pdf):
    used = fonts(pdf)
    assert used, "no fonts found"
    assert all(used.values()), used
    assert all("Letter" in name for name in used)


def test_the_same_letter_gives_the_same_bytes(pdf):
    assert render_letter_pdf(LETTER) == pdf
    metadata = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert "/CreationDate" not in metadata
    assert "/ModDate" not in metadata


def test_pages_are_a4_and_numbered(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert "Page 1 of 1" in reader.pages[0].extract_text()


def test_three_asterisks_start_a_new_page():
    content = LetterContent(
        address_lines=["A", "B", "EB1 1AA"], heading="H", body="First page\n\n***\n\nSecond page"
    )
    reader = pypdf.PdfReader(io.BytesIO(render_letter_pdf(content)))
    assert len(reader.pages) == 2
    assert "Second page" in reader.pages[1].extract_text()
    assert "Page 2 of 2" in reader.pages[1].extract_text()


def test_markup_in_a_letter_is_printed_as_text_not_obeyed():
    content = LetterContent(
        address_lines=["<b>A</b>", "B", "EB1 1AA"],
        heading="<script>x</script>",
        body='<img src="file:///etc/passwd"> [link](https://example.com)',
    )
    text = pypdf.PdfReader(io.BytesIO(render_letter_pdf(content))).pages[0].extract_text()
    assert "<b>A</b>" in text
    assert '<img src="file:///etc/passwd">' in text
    assert "[link](https://example.com)" in text


def test_a_welsh_letter_is_dated_in_welsh():
    assert letter_date(datetime.date(2026, 12, 3), "cy") == "3 Rhagfyr 2026"
    assert letter_date(datetime.date(2027, 7, 1), "cy") == "1 Gorffennaf 2027"
    content = LetterContent(
        address_lines=["A", "B", "EB1 1AA"],
        heading="H",
        body="Annwyl",
        date=datetime.date(2026, 12, 3),
        language="cy",
    )
    text = pypdf.PdfReader(io.BytesIO(render_letter_pdf(content))).pages[0].extract_text()
    assert "3 Rhagfyr 2026" in text
    assert "Tudalen 1 o 1" in text


def test_a_letter_sent_from_a_welsh_template_in_welsh_is_rendered_in_welsh(db):
    service = make_sending_service()
    template = make_letter_template(
        service,
        welsh_subject="Eich trwydded",
        welsh_body="Annwyl ((name)),\n\nMae eich trwydded yn barod.",
    )
    message = send_from_template(
        sending_service=service,
        template=template,
        recipient=ADDRESS,
        personalisation={"name": "Alys"},
        idempotency_key="welsh-letter",
        language="cy",
        now=datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC),
    )
    text = pypdf.PdfReader(io.BytesIO(letter_pdf(message))).pages[0].extract_text()
    assert "2 Mawrth 2026" in text
    assert "Annwyl Alys" in text


def test_a_letter_sent_in_english_is_dated_in_english_with_the_contact_block(db):
    service = make_sending_service()
    template = make_letter_template(service, welsh_body="Annwyl ((name))")
    message = send_from_template(
        sending_service=service,
        template=template,
        recipient=ADDRESS,
        personalisation={"name": "Alys"},
        idempotency_key="english-letter",
        now=datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC),
    )
    pdf = letter_pdf(message)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "2 March 2026" in text
    assert "Town Hall" in text
    assert pdf == letter_pdf(message)
