"""Questions answered with a date typed as day, month and year."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from civitas.catalogue.questions.base import (
    FIELDS_TEMPLATE,
    Cleaned,
    FieldError,
    JSONSchema,
    QuestionType,
    Widget,
    error_message,
    register,
)
from civitas.platform.formats import written_date
from civitas.rules.public import DATE_TYPE, MISSING, ValueType

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

PARTS = ("day", "month", "year")
# Each part of a date as digits 0-9 (int() also reads other scripts' digits), checked
# before int() and date(), which overflow on a year such as 9999999999.
PART_FORMATS = {
    "day": re.compile(r"[0-9]{1,2}"),
    "month": re.compile(r"[0-9]{1,2}"),
    "year": re.compile(r"[0-9]{4}"),
}


def _field(question: Question, part: str) -> str:
    return f"{question.id}-{part}"


@register
class Date(QuestionType):
    """A calendar date, posted as `<id>-day`, `-month` and `-year` and stored as
    YYYY-MM-DD (the form an API client sends), within the question's bounds from today."""

    name = "date"

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        parts = {part: (fields.get(_field(question, part)) or "").strip() for part in PARTS}
        if not any(parts.values()):
            return self._error(question, "required", "day")
        missing = [part for part in PARTS if not parts[part]]
        if missing:
            # GOV.UK's pattern: say which part is missing ("... must include a year").
            message = error_message(question, "incomplete", part=" and a ".join(missing))
            return Cleaned(None, FieldError(message, _field(question, missing[0])))
        wrong = next(
            (part for part, value in parts.items() if not PART_FORMATS[part].fullmatch(value)),
            None,
        )
        if wrong:
            return self._error(question, "invalid", wrong)
        try:
            value = datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            return self._error(question, "invalid", "day")
        earliest = question.earliest_days_from_today
        if earliest is not None:
            limit = today + datetime.timedelta(days=earliest)
            if value < limit:
                return self._error(question, "too_early", "day", date=self._written(limit))
        latest = question.latest_days_from_today
        if latest is not None:
            limit = today + datetime.timedelta(days=latest)
            if value > limit:
                return self._error(question, "too_late", "day", date=self._written(limit))
        return Cleaned(value.isoformat())

    @staticmethod
    def _error(question: Question, kind: str, part: str, **values: str) -> Cleaned:
        message = error_message(question, kind, **values)
        return Cleaned(None, FieldError(message, _field(question, part)))

    @staticmethod
    def _written(day: datetime.date) -> str:
        """A date as GOV.UK writes it, in the page's language: 3 March 2027."""
        return written_date(day)

    def fields_for(self, question: Question, value: object) -> dict[str, str]:
        if not isinstance(value, str):
            return {}
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            # Not a date at all: fields that `clean` reports as a date to correct.
            return {_field(question, part): "x" for part in PARTS}
        return {
            _field(question, "day"): str(day.day),
            _field(question, "month"): str(day.month),
            _field(question, "year"): str(day.year),
        }

    def display(self, question: Question, value: str) -> str:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            return value
        return self._written(day)

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        return Widget(
            FIELDS_TEMPLATE,
            "date_input",
            {
                "id": question.id,
                "legend": question.label,
                "parts": {part: fields.get(_field(question, part), "") for part in PARTS},
                "hint": question.hint,
                "error": error.message if error else "",
                # The part the error is about; "day" marks the whole date.
                "error_part": error.field.rsplit("-", 1)[1] if error else "",
            },
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        return {"type": "string", "format": "date"}

    def error_field(self, question: Question) -> str:
        return _field(question, "day")

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        return DATE_TYPE

    def expression_value(self, question: Question, stored: object) -> object:
        try:
            return datetime.date.fromisoformat(stored) if isinstance(stored, str) else MISSING
        except ValueError:
            return MISSING
