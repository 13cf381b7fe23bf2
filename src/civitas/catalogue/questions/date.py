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
from civitas.catalogue.questions.welsh import date_parts
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


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LIMIT_KEYS = ("earliest_date", "latest_date")


def date_limits(
    question: Question, today: datetime.date
) -> tuple[datetime.date | None, datetime.date | None]:
    """The earliest and latest dates a question takes on `today`: where a fixed date
    and a number of days from today are both given, the tighter of the two."""
    earliest = [question.earliest_date] if question.earliest_date else []
    if question.earliest_days_from_today is not None:
        earliest.append(today + datetime.timedelta(days=question.earliest_days_from_today))
    latest = [question.latest_date] if question.latest_date else []
    if question.latest_days_from_today is not None:
        latest.append(today + datetime.timedelta(days=question.latest_days_from_today))
    return (max(earliest) if earliest else None, min(latest) if latest else None)


def _limit(text: object) -> datetime.date | None:
    if not isinstance(text, str) or not ISO_DATE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


@register
class Date(QuestionType):
    """A calendar date, posted as `<id>-day`, `-month` and `-year` and stored as
    YYYY-MM-DD (the form an API client sends), within the question's bounds from today."""

    name = "date"
    own_keys = frozenset(
        {"earliest_days_from_today", "latest_days_from_today", "earliest_date", "latest_date"}
    )

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        parts = {part: (fields.get(_field(question, part)) or "").strip() for part in PARTS}
        if not any(parts.values()):
            return self._error(question, "required", "day")
        missing = [part for part in PARTS if not parts[part]]
        if missing:
            # GOV.UK's pattern: say which part is missing ("... must include a year").
            message = error_message(question, "incomplete", part=date_parts(missing))
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
        earliest, latest = date_limits(question, today)
        if earliest is not None and value < earliest:
            return self._error(question, "too_early", "day", date=self._written(earliest))
        if latest is not None and value > latest:
            return self._error(question, "too_late", "day", date=self._written(latest))
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

    def definition_problems(self, question: Mapping[str, object]) -> list[tuple[str, str]]:
        problems = [
            (key, f"{key} '{question[key]}' is not a real date: write it as YYYY-MM-DD")
            for key in LIMIT_KEYS
            if key in question and _limit(question[key]) is None
        ]
        earliest, latest = (_limit(question.get(key)) for key in LIMIT_KEYS)
        if earliest and latest and earliest > latest:
            problems.append(
                ("earliest_date", f"earliest_date ({earliest}) is after latest_date ({latest})")
            )
        return problems

    def error_field(self, question: Question) -> str:
        return _field(question, "day")

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        return DATE_TYPE

    def expression_value(self, question: Question, stored: object) -> object:
        try:
            return datetime.date.fromisoformat(stored) if isinstance(stored, str) else MISSING
        except ValueError:
            return MISSING
