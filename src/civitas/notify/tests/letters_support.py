"""What the letter tests share: a sending service with a letter template, and ways to
read a PDF back (where its text sits, which fonts it embeds)."""

import io

import pypdf

from civitas.notify.letters import MM_PER_PT
from civitas.notify.models import SendingService, Template
from civitas.notify.tests.factories import SendingServiceFactory, make_template

ADDRESS = "Ms A Resident\n1 High Street\nExampleton\nEB1 1AA"
CONTACT_BLOCK = "Example Borough Council\nTown Hall\nExampleton\nEB1 1ZZ"


def make_sending_service(*, contact_block: str = CONTACT_BLOCK) -> SendingService:
    return SendingServiceFactory(letter_contact_block=contact_block)


def make_letter_template(
    service: SendingService,
    *,
    subject: str = "Your parking permit",
    body: str = "Dear ((name)),\n\nYour permit is ready.",
    welsh_subject: str = "",
    welsh_body: str = "",
) -> Template:
    return make_template(
        service,
        "letter",
        subject=subject,
        body=body,
        welsh_subject=welsh_subject,
        welsh_body=welsh_body,
        name="Permit letter",
    )


def text_positions(pdf: bytes, page_number: int = 0) -> list[tuple[float, float, str]]:
    """Each piece of text on a page as (mm from the left, mm from the top to its baseline,
    text)."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[page_number]
    top = float(page.mediabox.top)
    found: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            matrix = pypdf.mult(tm, cm)
            found.append((matrix[4] * MM_PER_PT, (top - matrix[5]) * MM_PER_PT, text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the PDF uses, by name, and whether its glyphs are embedded."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: dict[str, bool] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font["/BaseFont"])] = embedded
    return found
