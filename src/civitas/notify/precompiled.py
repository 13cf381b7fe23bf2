"""Precompiled letters: a sender's own PDF, checked as GOV.UK Notify checks one, then kept
sealed in the file store and queued for the printer like any letter.

Notify's letter specification for a PDF: at most 2 MB, at most 10 pages (5 sheets printed
on both sides), every page A4 portrait, and the recipient's address as text in the address
block (24.6 to 120 mm from the left, 39.5 to 66.3 mm from the top of the first page),
where the envelope's window shows it. The address read from the block is checked as a
templated letter's is, and kept as the message's recipient: Notify returns it as the
letter's address lines.
"""

import datetime
import io
import logging
import uuid
from dataclasses import dataclass

import pypdf
from django.utils import timezone
from pypdf.errors import PyPdfError

from civitas.notify import addresses
from civitas.notify.letters import (
    A4_HEIGHT_MM,
    A4_WIDTH_MM,
    ADDRESS_BOTTOM_MM,
    ADDRESS_LEFT_MM,
    ADDRESS_RIGHT_MM,
    ADDRESS_TOP_MM,
    MM_PER_PT,
    store_letter_pdf,
)
from civitas.notify.models import Message, SendingService
from civitas.notify.rendering import SendingRefused
from civitas.notify.tasks import queue_deliveries
from civitas.platform.files.scanners import file_scanner

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_PAGES = 10
POSTAGE = ("first", "second", "economy")
# A letter's first page, text and vector drawing, decodes to tens of kilobytes (pictures
# are kept apart from it, as images).
MAX_FIRST_PAGE_CONTENT_BYTES = 256 * 1024
# How far a page may be from A4, and text from the address block, in millimetres: PDF
# makers round A4 differently (595 × 842 pt, 595.28 × 841.89 pt).
SIZE_TOLERANCE_MM = 1.0
BLOCK_TOLERANCE_MM = 1.0

NOT_A_PDF = "Letter content is not a valid PDF"
TOO_BIG = "File is larger than 2MB"
NOT_A4 = "Your letter is not A4 portrait size"
ADDRESS_EMPTY = "The address block is empty"
INFECTED = "File did not pass the virus scan"


@dataclass(frozen=True)
class PrecompiledLetter:
    """What was read from a precompiled letter that can be printed."""

    address_lines: list[str]
    page_count: int


def _too_long(page_count: int) -> str:
    return (
        f"Letters must be {MAX_PAGES} pages or less (5 double-sided sheets of paper). "
        f"Your letter is {page_count} pages long."
    )


def check_precompiled(content: bytes) -> PrecompiledLetter:
    """The letter's address and page count, or SendingRefused in Notify's words saying
    what is wrong with it. What it is, is read from its bytes, never from a name."""
    if len(content) > MAX_BYTES:
        raise SendingRefused(TOO_BIG, field="content")
    # A PDF starts with its header; a renamed program or picture does not.
    if not content.startswith(b"%PDF-"):
        raise SendingRefused(NOT_A_PDF, field="content")
    try:
        reader = pypdf.PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise SendingRefused(NOT_A_PDF, field="content")
        pages = list(reader.pages)
        if not pages:
            raise SendingRefused(NOT_A_PDF, field="content")
        if len(pages) > MAX_PAGES:
            raise SendingRefused(_too_long(len(pages)), field="content")
        if not all(_is_a4_portrait(page) for page in pages):
            raise SendingRefused(NOT_A4, field="content")
        # Reading text runs pypdf's content parser, about 3 s a megabyte: a first page whose
        # drawing instructions decode to more than a letter's ever do is refused, so that a
        # small file that inflates cannot hold a request for minutes.
        contents = pages[0].get_contents()
        if contents is not None and len(contents.get_data()) > MAX_FIRST_PAGE_CONTENT_BYTES:
            raise SendingRefused(NOT_A_PDF, field="content")
        lines = address_block_lines(pages[0])
    except SendingRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        # A file that is broken or made to break readers: the class name only.
        logger.info("precompiled letter unreadable: %s", type(error).__name__)
        raise SendingRefused(NOT_A_PDF, field="content") from error
    if not lines:
        raise SendingRefused(ADDRESS_EMPTY, field="content")
    lines, problem = addresses.check_address("\n".join(lines))
    if problem:
        raise SendingRefused(problem, field="content")
    return PrecompiledLetter(address_lines=lines, page_count=len(pages))


def _is_a4_portrait(page: pypdf.PageObject) -> bool:
    box = page.mediabox
    width_mm, height_mm = float(box.width) * MM_PER_PT, float(box.height) * MM_PER_PT
    if int(page.get("/Rotate", 0) or 0) % 180:
        width_mm, height_mm = height_mm, width_mm
    return (
        abs(width_mm - A4_WIDTH_MM) <= SIZE_TOLERANCE_MM
        and abs(height_mm - A4_HEIGHT_MM) <= SIZE_TOLERANCE_MM
    )


def address_block_lines(page: pypdf.PageObject) -> list[str]:
    """The text whose baseline starts in the address block, as lines from top to bottom."""
    top_pt = float(page.mediabox.top)
    left_pt = float(page.mediabox.left)
    found: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        matrix = pypdf.mult(tm, cm)
        x_mm = (matrix[4] - left_pt) * MM_PER_PT
        y_mm = (top_pt - matrix[5]) * MM_PER_PT
        if (
            ADDRESS_LEFT_MM - BLOCK_TOLERANCE_MM <= x_mm <= ADDRESS_RIGHT_MM
            and ADDRESS_TOP_MM <= y_mm <= ADDRESS_BOTTOM_MM + BLOCK_TOLERANCE_MM
        ):
            for offset, part in enumerate(text.splitlines()):
                # Several lines in one text object: each further line is lower.
                found.append((y_mm + offset * 0.01, x_mm, part))

    page.extract_text(visitor_text=visit)
    lines: list[list[tuple[float, float, str]]] = []
    for y_mm, x_mm, part in sorted(found):
        if lines and abs(lines[-1][0][0] - y_mm) < 1.0:  # within a millimetre: one line
            lines[-1].append((y_mm, x_mm, part))
        else:
            lines.append([(y_mm, x_mm, part)])
    return [
        text
        for line in lines
        if (
            text := " ".join(
                "".join(part for _, _, part in sorted(line, key=lambda item: item[1])).split()
            )
        )
    ]


def queue_precompiled_letter(
    *,
    sending_service: SendingService,
    reference: str,
    content: bytes,
    postage: str = "",
    key_type: str = Message.KeyType.LIVE,
    api_key_id: int | None = None,
    idempotency_key: str,
    now: datetime.datetime | None = None,
) -> Message:
    """Checks a precompiled letter and queues it for the printer, once per idempotency key
    (a repeat returns the first). Runs in the caller's transaction; raises SendingRefused,
    in Notify's words, and writes nothing when the letter cannot be printed or the virus
    scanner flags it; ScannerUnavailable when the scanner cannot be reached (a 503: try
    again later).

    The PDF is sealed in the file store before the message is written, so no message
    points at a missing file; a transaction rolled back after it leaves an unreferenced
    sealed file (an operator can remove files no message names).
    """
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if key_type == Message.KeyType.TEAM:
        raise SendingRefused("Cannot send letters with a team api key")
    if postage and postage not in POSTAGE:
        raise SendingRefused(
            "postage invalid. It must be either first, second or economy.", field="postage"
        )
    letter = check_precompiled(content)
    # The platform's virus scanner, as for uploads. ScannerUnavailable, when it cannot
    # tell, goes to the caller: the sender should try again later, nothing is kept.
    scan = file_scanner().scan(content)
    if scan.is_infected:
        logger.warning("precompiled letter refused by the virus scanner: %s", scan.signature)
        raise SendingRefused(INFECTED, field="content")
    now = now or timezone.now()
    message_id = uuid.uuid4()
    token = store_letter_pdf(str(message_id), content)
    message = Message(
        id=message_id,
        organisation_id=sending_service.organisation_id,
        sending_service=sending_service,
        channel=Message.Channel.LETTER,
        idempotency_key=idempotency_key,
        about="",
        template="precompiled",
        client_reference=reference,
        key_type=key_type,
        api_key_id=api_key_id,
        recipient="\n".join(letter.address_lines),
        # Notify's subject for a precompiled letter; its body is the PDF.
        subject="Pre-compiled PDF",
        body_text="",
        body_html="",
        # Abroad, the zone is the postage, whatever class was asked for (as Notify does).
        postage=addresses.postage_zone(letter.address_lines) or postage or "second",
        precompiled=True,
        stored_file=token,
        created_at=now,
        retry_at=now,  # due at once
    )
    message.save(force_insert=True)
    queue_deliveries([str(message.id)])
    return message
