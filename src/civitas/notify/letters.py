"""Letters as PDFs: rendered from a template with WeasyPrint, laid out as GOV.UK Notify
lays out its letters, so the address shows through a C5 envelope's window.

The layout is Notify's letter specification (notifications-template-preview's
measurements, millimetres from the page's top left corner):

- A4 portrait, 210 × 297 mm; nothing printed within 15 mm of the left and right edges or
  5 mm of the top and bottom (the printer's border);
- the recipient's address in the window area: 24.6 mm to 120 mm from the left, 39.5 mm
  to 66.3 mm from the top, at most 7 lines;
- the sender's contact block and the date to the right of it, from 125 mm from the left,
  above 95 mm;
- the body from 95 mm from the top on the first page, the heading first.

The body uses Notify's letter formatting: `# ` a heading, `* `, `- ` or `• ` bullets,
`1. ` numbered lists, `---` a horizontal line and `***` a page break. Web addresses stay
text (paper has no links). No markup from a template or a value filled into it reaches
the page: markdown-it renders with HTML off.

The font is DejaVu Sans, loaded from its file and embedded (subset) in every PDF, so the
printer prints what was previewed. The same letter gives the same bytes: nothing in the
PDF depends on when or where it was rendered (no creation date, a fixed identifier).
"""

import datetime
import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django.utils.html import escape
from markdown_it import MarkdownIt
from markdown_it.token import Token

from civitas.notify.models import Message
from civitas.platform.crypto import file_binding
from civitas.platform.files.store import (
    delete_sealed_file,
    new_file_token,
    read_sealed_file,
    reseal_sealed_file,
    write_sealed_file,
)
from civitas.platform.formats import written_date

# Notify's letter specification, in millimetres.
A4_WIDTH_MM, A4_HEIGHT_MM = 210.0, 297.0
ADDRESS_LEFT_MM, ADDRESS_RIGHT_MM = 24.6, 120.0
ADDRESS_TOP_MM, ADDRESS_BOTTOM_MM = 39.5, 66.3
CONTACT_LEFT_MM = 125.0
BORDER_SIDE_MM, BORDER_TOP_MM = 15.0, 5.0
BODY_TOP_MM = 95.0
# Later pages: the body starts below the border, and the page number sits above the
# bottom border.
LATER_PAGE_TOP_MM = 20.0
BOTTOM_MARGIN_MM = 20.0
# The address is set at 8 pt with 8.5 pt lines in the Notify layout; 9 pt on 10.5 pt lines
# here (DejaVu is larger than Arial): 7 lines take 25.9 mm of the window's 26.8 mm.
ADDRESS_FONT_PT, ADDRESS_LINE_PT = 9.0, 10.5
BODY_FONT_PT = 11.0

MM_PER_PT = 25.4 / 72

_BULLET = re.compile(r"^(\s*)•\s", re.MULTILINE)
_PAGE_BREAK = re.compile(r"^\*\*\*\s*$", re.MULTILINE)
_PAGE_BREAK_MARK = "\x00page-break\x00"


@dataclass(frozen=True)
class LetterContent:
    """Everything printed on a letter."""

    address_lines: list[str]
    heading: str
    body: str
    """The filled-in template, in Notify's letter formatting."""
    contact_block: str = ""
    """The sender's address and contact details, one item a line."""
    date: datetime.date | None = None
    language: str = "en"


def letter_date(date: datetime.date, language: str = "en") -> str:
    """The date as a letter shows it: "3 December 2026", in Welsh "3 Rhagfyr 2026"."""
    return written_date(date, language="cy" if language == "cy" else "en")


@functools.cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Paper has no links or images; code blocks would print a template's indentation as
    # code. What is left: paragraphs, headings, lists, rules.
    parser.disable(
        ["image", "link", "autolink", "code", "fence", "html_block", "html_inline", "table"],
        True,
    )
    return parser


def _letter_tokens(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h2"  # the letter's heading is its one h1


def body_html(body: str) -> str:
    """The body's HTML in Notify's letter formatting; `***` on a line of its own starts a
    new page."""
    parts = _PAGE_BREAK.split(_BULLET.sub(r"\1* ", body))
    parser = _parser()
    rendered = []
    for part in parts:
        tokens = parser.parse(part)
        _letter_tokens(tokens)
        rendered.append(str(parser.renderer.render(tokens, parser.options, {})))
    return '<div class="page-break"></div>'.join(rendered)


def _font_file(name: str) -> Path:
    path = Path(settings.NOTIFY_LETTER_FONT_DIR) / name
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The letter font {name} is not in NOTIFY_LETTER_FONT_DIR "
            "(install the Debian package fonts-dejavu-core)"
        )
    return path


def _css(language: str) -> str:
    regular = _font_file("DejaVuSans.ttf").as_uri()
    bold = _font_file("DejaVuSans-Bold.ttf").as_uri()
    page_word, of_word = ("Tudalen", "o") if language == "cy" else ("Page", "of")
    return f"""
@font-face {{ font-family: "Letter"; src: url("{regular}"); font-weight: normal; }}
@font-face {{ font-family: "Letter"; src: url("{bold}"); font-weight: bold; }}
@page {{
  size: A4 portrait;
  margin: {LATER_PAGE_TOP_MM}mm {BORDER_SIDE_MM}mm {BOTTOM_MARGIN_MM}mm {ADDRESS_LEFT_MM}mm;
  @bottom-center {{
    content: "{page_word} " counter(page) " {of_word} " counter(pages);
    font-family: "Letter"; font-size: 9pt; vertical-align: middle; font-kerning: none;
  }}
}}
@page :first {{ margin-top: {BODY_TOP_MM}mm; }}
/* No kerning or ligatures: the text read back from the PDF (a screen reader, a search, the
   printer's checks) is then the text written. */
html {{
  font-family: "Letter"; font-size: {BODY_FONT_PT}pt; line-height: 1.35; color: #000;
  font-kerning: none; font-variant-ligatures: none;
}}
body {{ margin: 0; }}
/* Placed against the page, whatever the first page's margins: left and top are from the
   page area's corner, so subtract the margins. */
.address {{
  position: absolute;
  left: {ADDRESS_LEFT_MM - ADDRESS_LEFT_MM}mm;
  top: {ADDRESS_TOP_MM - BODY_TOP_MM}mm;
  width: {ADDRESS_RIGHT_MM - ADDRESS_LEFT_MM}mm;
  height: {ADDRESS_BOTTOM_MM - ADDRESS_TOP_MM}mm;
  font-size: {ADDRESS_FONT_PT}pt; line-height: {ADDRESS_LINE_PT}pt;
  overflow: hidden; white-space: nowrap;
}}
.contact {{
  position: absolute;
  left: {CONTACT_LEFT_MM - ADDRESS_LEFT_MM}mm;
  top: {BORDER_TOP_MM + 5 - BODY_TOP_MM}mm;
  width: {A4_WIDTH_MM - BORDER_SIDE_MM - CONTACT_LEFT_MM}mm;
  font-size: 9pt; line-height: 11pt;
}}
.contact p {{ margin: 0; }}
.contact .date {{ margin-top: 4mm; }}
h1 {{ font-size: 14pt; margin: 0 0 4mm 0; }}
h2 {{ font-size: 12pt; margin: 5mm 0 2mm 0; }}
p {{ margin: 0 0 3mm 0; }}
ul, ol {{ margin: 0 0 3mm 0; padding-left: 6mm; }}
li {{ margin-bottom: 1mm; }}
hr {{ border: 0; border-top: 0.3mm solid #000; margin: 4mm 0; }}
.page-break {{ break-after: page; }}
"""


def letter_html(content: LetterContent) -> str:
    """The letter as one HTML document, for WeasyPrint."""
    address = "".join(f"<div>{escape(line)}</div>" for line in content.address_lines)
    contact = "".join(
        f"<p>{escape(line)}</p>" for line in content.contact_block.splitlines() if line.strip()
    )
    if content.date is not None:
        contact += f'<p class="date">{escape(letter_date(content.date, content.language))}</p>'
    return (
        f'<!DOCTYPE html><html lang="{escape(content.language)}"><head><meta charset="utf-8">'
        f"<title>{escape(content.heading)}</title><style>{_css(content.language)}</style>"
        f'</head><body><div class="address">{address}</div>'
        f'<div class="contact">{contact}</div>'
        f"<h1>{escape(content.heading)}</h1>{body_html(content.body)}</body></html>"
    )


def render_letter_pdf(content: LetterContent) -> bytes:
    """The letter as a PDF, the same bytes for the same content."""
    import weasyprint  # loads the pango libraries: only where letters are rendered

    html = letter_html(content)
    document = weasyprint.HTML(string=html, base_url=None).render()
    # A fixed identifier (the content's hash) rather than a random one, and no dates:
    # the PDF is the same however often it is rendered.
    document.metadata.created = None
    document.metadata.modified = None
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    pdf = document.write_pdf(pdf_identifier=identifier)
    assert pdf is not None
    return bytes(pdf)


# Letters' PDFs in the platform's file store (sealed, bound to their message).
FOLDER = "letters"


def _binding(message_id: str) -> bytes:
    return file_binding(kind="letter", identity=message_id)


def store_letter_pdf(message_id: str, pdf: bytes) -> str:
    """Seals a letter's PDF in the file store; returns its token for Message.stored_file."""
    token = new_file_token()
    write_sealed_file(FOLDER, token, pdf, binding=_binding(message_id))
    return token


def letter_content(message: Message) -> LetterContent:
    """What a letter written from a template prints: its address, the sender's contact
    block, the day it was sent (in the UK), its heading and body."""
    service = message.sending_service
    return LetterContent(
        address_lines=message.recipient.splitlines(),
        heading=message.subject,
        body=message.body_text,
        contact_block=service.letter_contact_block if service is not None else "",
        date=timezone.localtime(message.created_at).date(),
        language=message.language,
    )


def letter_pdf(message: Message) -> bytes:
    """A letter's PDF: the one kept (a precompiled letter, or one already handed to the
    printer), else rendered now, which gives the same bytes as long as the sending
    service's contact block is unchanged. Raises ValueError for a message not a letter."""
    if message.channel != Message.Channel.LETTER:
        raise ValueError("only a letter has a PDF")
    if message.stored_file:
        return read_sealed_file(FOLDER, message.stored_file, binding=_binding(str(message.id)))
    return render_letter_pdf(letter_content(message))


def printed_letter_pdf(message: Message) -> bytes:
    """The PDF to print, kept in the file store on first use: what the API returns later is
    then what was printed, even after the service changes its contact block."""
    if message.stored_file:
        return letter_pdf(message)
    pdf = letter_pdf(message)
    token = store_letter_pdf(str(message.id), pdf)
    kept = Message.objects.filter(id=message.id, stored_file="").update(stored_file=token)
    if not kept:
        # Another worker kept one first: use that, and drop this copy.
        delete_sealed_file(FOLDER, token)
        message.refresh_from_db(fields=["stored_file"])
        return letter_pdf(message)
    message.stored_file = token
    return pdf


def delete_letter_files(tokens: list[str]) -> None:
    """Removes kept letters' PDFs (their messages deleted)."""
    for token in tokens:
        delete_sealed_file(FOLDER, token)


def _kept_letters(cursor: str) -> models.QuerySet[Message]:
    letters = Message.objects.filter(channel=Message.Channel.LETTER).exclude(stored_file="")
    return letters.filter(id__gt=cursor) if cursor else letters


def reseal_letter_files(cursor: str, limit: int) -> tuple[str, int]:
    """Key rotation: seals the kept letters after `cursor` (a message id) again under the
    current key, `limit` at a time; returns the next cursor ("" when done) and how many
    files changed."""
    batch = list(_kept_letters(cursor).only("id", "stored_file").order_by("id")[:limit])
    changed = sum(
        reseal_sealed_file(FOLDER, found.stored_file, binding=_binding(str(found.id)))
        for found in batch
    )
    return (str(batch[-1].id) if len(batch) == limit else ""), changed


def letter_files_left(cursor: str) -> int:
    """How many kept letters a rotation at `cursor` has still to look at."""
    return _kept_letters(cursor).count()
