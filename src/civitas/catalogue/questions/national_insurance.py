"""A National Insurance number, as the GOV.UK Design System asks for one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from civitas.catalogue.questions.base import (
    Cleaned,
    FieldError,
    JSONSchema,
    TextLike,
    error_message,
    register,
)

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

# HMRC's format: two prefix letters, six digits and a suffix A to D. The first letter is
# never D, F, I, Q, U or V; the second never D, F, I, O, Q, U or V; and BG, GB, KN, NK,
# NT, TN and ZZ are never issued as prefixes. (So the documentation example QQ is refused.)
NATIONAL_INSURANCE_NUMBER = (
    r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]"
)
_NUMBER = re.compile(NATIONAL_INSURANCE_NUMBER)
_SPACES = re.compile(r"\s+")


@register
class NationalInsuranceNumber(TextLike):
    """Typed with or without spaces, in either case; stored as `AB123456C`, shown as
    `AB 12 34 56 C`."""

    name = "national_insurance_number"
    input_classes: ClassVar[str] = "govuk-input--width-10 govuk-input--extra-letter-spacing"
    spellcheck: ClassVar[bool | None] = False
    default_errors: ClassVar[dict[str, str]] = {
        "required": "Enter a National Insurance number",
        "invalid": "Enter a National Insurance number in the correct format",
        # Hundreds of characters are not a number typed in the wrong format, but the fix
        # is the same, and a count of characters would not help.
        "too_long": "Enter a National Insurance number in the correct format",
    }
    default_hint: ClassVar[str] = (
        "It's on your National Insurance card, benefit letter, payslip or P60. "
        "For example, 'QQ 12 34 56 C'."
    )

    def clean_text(self, question: Question, text: str) -> Cleaned:
        compact = _SPACES.sub("", text)
        # ASCII first: "ﬅ".upper() is "ST", and unicode digits are not a number on a card.
        if not compact.isascii() or not _NUMBER.fullmatch(compact.upper()):
            return Cleaned(None, FieldError(error_message(question, "invalid"), question.id))
        return Cleaned(compact.upper())

    def display(self, question: Question, value: str) -> str:
        if not _NUMBER.fullmatch(value):
            return value
        return f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"

    def answer_schema(self, question: Question) -> JSONSchema:
        return {
            "type": "string",
            "pattern": f"^{NATIONAL_INSURANCE_NUMBER}$",
            "examples": ["AB123456C"],
            "description": (
                "Two prefix letters, six digits and a suffix A to D, in capitals without "
                "spaces; sent with spaces or in lower case, it is stored like this."
            ),
        }
