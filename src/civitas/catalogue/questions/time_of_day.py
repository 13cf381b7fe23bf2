"""A time of day, in one input read leniently.

GOV.UK Frontend has no time component. Two inputs like the date input's (hour and minute)
would need a third for am or pm, or would make people convert 2:30pm to 14:30; one input
takes a time as people write it ("14:30", "2:30pm", "2.30 pm", "2pm", "midday"), which is
what the GOV.UK Design System asks of questions: be lenient about format.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from civitas.catalogue.questions.base import (
    Cleaned,
    FieldError,
    JSONSchema,
    TextLike,
    error_message,
    register,
)
from civitas.platform.formats import clock_time
from civitas.rules.public import MISSING, TIME_TYPE, ValueType

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

STORED = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
# An hour, then minutes after ":", "." or nothing, then am or pm (with or without dots).
_WRITTEN = re.compile(r"([0-9]{1,2})(?:[:.]?([0-9]{2}))?\s*(?:([ap])\.?\s*m\.?)?")
_WORDS = {"midday": "12:00", "noon": "12:00", "12 noon": "12:00", "midnight": "00:00"}
_LIKE = "Enter a time in the correct format, like 2:30pm or 14:30"


def read_time(text: str) -> str | None:
    """`HH:MM` on the 24-hour clock from a time as written, or None. Without am or pm the
    hour is on the 24-hour clock (9:30 is 09:30); an hour alone needs am or pm."""
    written = " ".join(text.lower().split())
    if written in _WORDS:
        return _WORDS[written]
    found = _WRITTEN.fullmatch(written) if written.isascii() else None
    if found is None:
        return None
    hour, minutes, half = int(found[1]), int(found[2] or 0), found[3]
    if minutes > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    elif found[2] is None or hour > 23:
        return None
    return f"{hour:02d}:{minutes:02d}"


@register
class TimeOfDay(TextLike):
    """Stored as `HH:MM` on the 24-hour clock; shown as GOV.UK's style writes times: 2:30pm,
    2pm, midday and midnight."""

    name = "time"
    input_classes: ClassVar[str] = "govuk-input--width-5"
    spellcheck: ClassVar[bool | None] = False
    default_errors: ClassVar[Mapping[str, str]] = {
        "required": "Enter a time",
        "invalid": _LIKE,
        "too_long": _LIKE,
    }
    default_hint: ClassVar[str] = "For example, 2:30pm or 14:30"

    def clean_text(self, question: Question, text: str) -> Cleaned:
        value = read_time(text)
        if value is None:
            return Cleaned(None, FieldError(error_message(question, "invalid"), question.id))
        return Cleaned(value)

    def display(self, question: Question, value: str) -> str:
        found = STORED.fullmatch(value)
        if found is None:
            return value
        return clock_time(int(found[1]), int(found[2]))

    def answer_schema(self, question: Question) -> JSONSchema:
        return {
            "type": "string",
            "pattern": f"^{STORED.pattern}$",
            "examples": ["14:30"],
            "description": "HH:MM on the 24-hour clock",
        }

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        return TIME_TYPE

    def expression_value(self, question: Question, stored: object) -> object:
        found = STORED.fullmatch(stored) if isinstance(stored, str) else None
        if found is None:
            return MISSING
        return datetime.time(int(found[1]), int(found[2]))
