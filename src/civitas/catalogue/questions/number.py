"""Questions answered with a number typed in one input."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
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
    typed_text_problem,
)
from civitas.rules.public import INTEGER_TYPE, MISSING, NUMBER_TYPE, ValueType

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

# GOV.UK's error messages for numbers; a definition's `error_messages` replace them.
NUMBER_ERRORS: Mapping[str, str] = {
    "required": "Enter a number",
    "invalid": "The answer must be a number",
    "not_whole": "The answer must be a whole number",
    "too_many_decimal_places": "The answer must have {decimal_places} decimal places or fewer",
    "too_small": "The answer must be {min} or more",
    "too_large": "The answer must be {max} or less",
}
DEFAULT_DECIMAL_PLACES = 2
MAX_WHOLE_DIGITS = 15
# Digits 0-9 only (Decimal() also reads other scripts' digits, exponents, NaN and
# Infinity), an optional minus, commas only between groups of three ("1,000"), and a point.
NUMBER = re.compile(r"(-?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
_PLACEHOLDER = re.compile(r"\{(min|max|decimal_places)\}")


def plain(number: Decimal) -> str:
    """A bound as people write it: 5, 2.5, -10 (never 5E+1 or 5.0)."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _decimal_places(question: Question) -> int:
    if not question.decimal:
        return 0
    return question.decimal_places or DEFAULT_DECIMAL_PLACES


LARGEST = Decimal(10) ** 18
"""Beyond any answer the type takes: a stored value past it is not read as a number."""


@register
class Number(QuestionType):
    """A number: whole unless `decimal: true`, within `min` and `max`; stored as its
    canonical text ("12", "-3", or "3.50" with two decimal places)."""

    name = "number"
    default_errors = NUMBER_ERRORS
    own_keys = frozenset({"min", "max", "decimal", "decimal_places", "prefix", "suffix"})

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        text = (fields.get(question.id) or "").strip()
        problem = typed_text_problem(question, text)
        if problem == "required":
            return self._error(question, "required")
        if problem:
            return Cleaned(None, FieldError(error_message(question, problem), question.id))
        match = NUMBER.fullmatch(text)
        whole = match.group(2).replace(",", "") if match else ""
        if not match or len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
            return self._error(question, "invalid")
        sign, fraction = match.group(1), match.group(3) or ""
        places = _decimal_places(question)
        if fraction.rstrip("0") and not places:
            return self._error(question, "not_whole")
        if len(fraction.rstrip("0")) > places:
            return self._error(question, "too_many_decimal_places")
        number = Decimal(f"{sign}{whole}.{fraction or '0'}")
        if question.min is not None and number < question.min:
            return self._error(question, "too_small")
        if question.max is not None and number > question.max:
            return self._error(question, "too_large")
        number = number.quantize(Decimal(1).scaleb(-places))
        # abs() of zero: "-0" is stored as "0".
        return Cleaned(format(number if number else abs(number), "f"))

    def message(self, question: Question, kind: str) -> str:
        """The definition's message for an error of this kind, or GOV.UK's, with the
        question's bounds in place of {min}, {max} and {decimal_places}."""
        values = {
            "min": plain(question.min) if question.min is not None else "",
            "max": plain(question.max) if question.max is not None else "",
            "decimal_places": str(_decimal_places(question)),
        }
        text = question.error_messages.get(kind) or NUMBER_ERRORS[kind]
        return _PLACEHOLDER.sub(lambda found: values[found.group(1)], text)

    def _error(self, question: Question, kind: str) -> Cleaned:
        return Cleaned(None, FieldError(self.message(question, kind), question.id))

    def fields_for(self, question: Question, value: object) -> dict[str, str]:
        return {question.id: value} if isinstance(value, str) else {}

    def display(self, question: Question, value: str) -> str:
        suffix = f" {question.suffix}" if question.suffix else ""
        return f"{question.prefix}{value}{suffix}"

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        return Widget(
            FIELDS_TEMPLATE,
            "text_input",
            {
                "id": question.id,
                "label": question.label,
                "value": fields.get(question.id, ""),
                "hint": question.hint,
                "error": error.message if error else "",
                "classes": "govuk-input--width-10",
                "spellcheck": False,
                # GOV.UK: the numeric keypad for whole numbers; decimals need a point,
                # which some numeric keypads lack.
                "inputmode": "" if question.decimal else "numeric",
                "prefix": question.prefix,
                "suffix": question.suffix,
            },
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        places = _decimal_places(question)
        sign = "" if question.min is not None and question.min >= 0 else "-?"
        fraction = rf"\.[0-9]{{{places}}}" if places else ""
        schema: JSONSchema = {"type": "string", "pattern": rf"^{sign}(0|[1-9][0-9]*){fraction}$"}
        bounds = []
        if question.min is not None:
            bounds.append(f"at least {plain(question.min)}")
        if question.max is not None:
            bounds.append(f"at most {plain(question.max)}")
        kind = f"a number with {places} decimal places" if places else "a whole number"
        schema["description"] = f"{kind}, as text" + (f", {' and '.join(bounds)}" if bounds else "")
        return schema

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        return NUMBER_TYPE if question.get("decimal") else INTEGER_TYPE

    def expression_value(self, question: Question, stored: object) -> object:
        """A whole number as an int, a decimal as the Decimal it was written as."""
        if isinstance(stored, bool) or not isinstance(stored, (str, int)):
            return MISSING
        try:
            number = Decimal(stored)
        except ArithmeticError:
            return MISSING
        if not number.is_finite() or abs(number) > LARGEST:
            return MISSING
        return number if question.decimal else int(number)
