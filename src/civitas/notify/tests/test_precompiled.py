"""Precompiled letters: a sender's own PDF is checked as GOV.UK Notify checks it, then
kept sealed and queued for the printer."""

import io

import pypdf
import pytest
import weasyprint

from civitas.notify.letters import FOLDER, LetterContent, letter_pdf, render_letter_pdf
from civitas.notify.models import Message
from civitas.notify.precompiled import check_precompiled, queue_precompiled_letter
from civitas.notify.rendering import SendingRefused
from civitas.notify.tests.letters_support import make_sending_service
from civitas.platform.files.store import sealed_file_path


def _letter(body: str = "Dear resident,\n\nYour permit is ready.", address=None) -> bytes:
    return render_letter_pdf(
        LetterContent(
            address_lines=address or ["Ms A Resident", "1 High Street", "Exampleton", "eb1 1aa"],
            heading="Your permit",
            body=body,
        )
    )


def _pdf_from_html(html: str) -> bytes:
    return bytes(weasyprint.HTML(string=html).write_pdf())


def _refusal(content: bytes) -> str:
    with pytest.raises(SendingRefused) as refused:
        check_precompiled(content)
    return refused.value.message


def test_it_reads_the_address_from_the_address_block_and_counts_the_pages():
    letter = check_precompiled(_letter(body="One\n\n***\n\nTwo"))
    assert letter.address_lines == ["Ms A Resident", "1 High Street", "Exampleton", "EB1 1AA"]
    assert letter.page_count == 2


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"Dear resident, this is a text file",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,  # a program
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        b"%PDF-1.7\n this is not a PDF after its first line",
    ],
    ids=["empty", "text", "renamed-exe", "png", "pdf-header-only"],
)
def test_it_refuses_what_is_not_a_pdf_by_its_content(content):
    assert _refusal(content) == "Letter content is not a valid PDF"


def test_it_refuses_an_encrypted_pdf():
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(_letter()))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert _refusal(out.getvalue()) == "Letter content is not a valid PDF"


def test_it_refuses_a_file_over_2mb_before_reading_it():
    assert _refusal(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)) == "File is larger than 2MB"


def test_it_refuses_more_than_10_pages():
    message = _refusal(_letter(body="\n\n***\n\n".join(f"Page {n}" for n in range(11))))
    assert message == (
        "Letters must be 10 pages or less (5 double-sided sheets of paper). "
        "Your letter is 11 pages long."
    )


def test_it_accepts_10_pages():
    assert (
        check_precompiled(_letter(body="\n\n***\n\n".join(f"P{n}" for n in range(10)))).page_count
        == 10
    )


@pytest.mark.parametrize("size", ["letter", "A4 landscape", "A5"])
def test_it_refuses_pages_that_are_not_a4_portrait(size):
    html = f"<style>@page {{ size: {size}; }}</style><p>Hello</p>"
    assert _refusal(_pdf_from_html(html)) == "Your letter is not A4 portrait size"


def test_it_refuses_a_letter_whose_address_is_not_in_the_address_block():
    html = (
        "<style>@page { size: A4; margin: 0 } p { position: absolute; left: 30mm; top: 150mm }"
        "</style><p>Ms A Resident<br>1 High Street<br>EB1 1AA</p>"
    )
    assert _refusal(_pdf_from_html(html)) == "The address block is empty"


def test_it_refuses_an_address_that_cannot_be_posted():
    pdf = _letter(address=["Ms A Resident", "1 High Street", "Nowhere"])
    assert _refusal(pdf) == "Last line of the address must be a real UK postcode or another country"


def test_a_good_letter_is_queued_sealed_with_its_address_as_the_recipient(db):
    service = make_sending_service()
    pdf = _letter()
    message = queue_precompiled_letter(
        sending_service=service,
        reference="batch-1",
        content=pdf,
        postage="first",
        idempotency_key="api:1",
    )
    message.refresh_from_db()
    assert message.channel == Message.Channel.LETTER
    assert message.precompiled
    assert message.recipient == "Ms A Resident\n1 High Street\nExampleton\nEB1 1AA"
    assert (message.postage, message.client_reference, message.status) == (
        "first",
        "batch-1",
        "created",
    )
    # Kept encrypted: the stored bytes are not the PDF, which comes back whole.
    stored = sealed_file_path(FOLDER, message.stored_file).read_bytes()
    assert b"%PDF" not in stored
    assert letter_pdf(message) == pdf


def test_the_same_idempotency_key_queues_one_letter(db):
    service = make_sending_service()
    first = queue_precompiled_letter(
        sending_service=service, reference="r", content=_letter(), idempotency_key="api:same"
    )
    again = queue_precompiled_letter(
        sending_service=service, reference="r", content=_letter(), idempotency_key="api:same"
    )
    assert first.id == again.id
    assert Message.objects.count() == 1
    assert first.postage == "second"


def test_a_refused_letter_writes_nothing(db):
    service = make_sending_service()
    with pytest.raises(SendingRefused):
        queue_precompiled_letter(
            sending_service=service, reference="r", content=b"MZ", idempotency_key="api:bad"
        )
    with pytest.raises(SendingRefused, match="postage invalid"):
        queue_precompiled_letter(
            sending_service=service,
            reference="r",
            content=_letter(),
            postage="fast",
            idempotency_key="api:bad",
        )
    with pytest.raises(SendingRefused, match="team api key"):
        queue_precompiled_letter(
            sending_service=service,
            reference="r",
            content=_letter(),
            key_type=Message.KeyType.TEAM,
            idempotency_key="api:bad",
        )
    assert not Message.objects.exists()


def test_a_key_rotation_re_seals_kept_letters_that_still_open(db, settings):
    from civitas.notify.public import letter_files_left, reseal_letter_files

    message = queue_precompiled_letter(
        sending_service=make_sending_service(),
        reference="r",
        content=_letter(),
        idempotency_key="k",
    )
    assert letter_files_left("") == 1
    assert reseal_letter_files("", 10) == ("", 0)  # already under the current key
    assert letter_pdf(message).startswith(b"%PDF-")


def test_a_letter_the_virus_scanner_flags_is_refused_and_not_kept(db, clamd):
    from civitas.platform.tests.clamd_sandbox import EICAR

    infected = _letter() + b"\n%" + EICAR + b"\n"
    assert check_precompiled(infected).page_count == 1  # a PDF, and a good one otherwise
    with pytest.raises(SendingRefused, match="File did not pass the virus scan"):
        queue_precompiled_letter(
            sending_service=make_sending_service(),
            reference="r",
            content=infected,
            idempotency_key="k",
        )
    assert not Message.objects.exists()


def test_a_small_file_whose_first_page_inflates_past_any_letters_is_refused_quickly():
    import time

    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(595.28, 841.89)
    drawing = DecodedStreamObject()
    drawing.set_data(b"BT /F1 9 Tf 70 700 Td (x) Tj ET\n" * 1_000_000)  # 32 MB
    page[NameObject("/Contents")] = writer._add_object(drawing.flate_encode(level=9))
    helvetica = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): helvetica})}
    )
    out = io.BytesIO()
    writer.write(out)
    assert len(out.getvalue()) < 200_000
    started = time.monotonic()
    assert _refusal(out.getvalue()) == "Letter content is not a valid PDF"
    assert time.monotonic() - started < 2


def test_a_precompiled_letter_abroad_is_posted_in_its_zone(db):
    message = queue_precompiled_letter(
        sending_service=make_sending_service(),
        reference="r",
        content=_letter(address=["M. A Resident", "1 rue de la Paix", "75002 Paris", "France"]),
        postage="first",
        idempotency_key="abroad",
    )
    assert (message.recipient.splitlines()[-1], message.postage) == ("France", "europe")
