"""Questions answered with an amount of money in pounds and pence."""

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
    typed_text_problem,
)
from civitas.platform.templating import format_pence
from civitas.rules.public import MISSING, MONEY_TYPE, ValueType

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

MONEY_ERRORS: Mapping[str, str] = {
    "required": "Enter an amount in pounds and pence, like 12.50",
    "invalid": "Enter an amount in pounds and pence, like 12.50",
    "too_small": "The amount must be {min} or more",
    "too_large": "The amount must be {max} or less",
}
# Pounds in digits 0-9 with commas only between groups of three ("1,250"), then no pence
# or one or two digits of them; a leading £ is allowed, as people type it anyway.
AMOUNT = re.compile(r"£?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]{1,2}))?")
MAX_POUND_DIGITS = 13


@register
class Money(QuestionType):
    """An amount in pounds and pence, stored as whole pence ("1250"), shown as £12.50;
    `min` and `max` are in pence."""

    name = "money"
    default_errors = MONEY_ERRORS
    own_keys = frozenset({"min", "max"})

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        text = (fields.get(question.id) or "").strip()
        problem = typed_text_problem(question, text)
        if problem:
            return self._error(question, problem)
        match = AMOUNT.fullmatch(text)
        pounds = match.group(1).replace(",", "") if match else ""
        if not match or len(pounds.lstrip("0")) > MAX_POUND_DIGITS:
            return self._error(question, "invalid")
        pence = int(pounds) * 100 + int((match.group(2) or "0").ljust(2, "0"))
        if question.min is not None and pence < question.min:
            return self._error(question, "too_small")
        if question.max is not None and pence > question.max:
            return self._error(question, "too_large")
        return Cleaned(str(pence))

    def _error(self, question: Question, kind: str) -> Cleaned:
        if kind not in MONEY_ERRORS:
            return Cleaned(None, FieldError(error_message(question, kind), question.id))
        values = {
            "min": format_pence(int(question.min)) if question.min is not None else "",
            "max": format_pence(int(question.max)) if question.max is not None else "",
        }
        # Filled in each language the message is written in (the definition's, or the
        # type's own wording with its Welsh).
        return Cleaned(None, FieldError(error_message(question, kind, **values), question.id))

    def fields_for(self, question: Question, value: object) -> dict[str, str]:
        # A stored answer is pence: shown again as pounds and pence. An API client sends
        # pence too; anything else goes through as typed, for `clean` to refuse.
        if not isinstance(value, str):
            return {}
        if not re.fullmatch(r"[0-9]{1,15}", value):
            return {question.id: "not pence" if value.strip() else ""}
        pounds, pence = divmod(int(value), 100)
        return {question.id: f"{pounds}.{pence:02d}"}

    def display(self, question: Question, value: str) -> str:
        return format_pence(int(value)) if re.fullmatch(r"[0-9]{1,15}", value) else value

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
                "prefix": "£",
            },
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        bounds = []
        if question.min is not None:
            bounds.append(f"at least {int(question.min)}")
        if question.max is not None:
            bounds.append(f"at most {int(question.max)}")
        return {
            "type": "string",
            "pattern": "^(0|[1-9][0-9]{0,14})$",
            "description": "an amount in whole pence, as text"
            + (f", {' and '.join(bounds)}" if bounds else ""),
            "examples": ["1250"],
        }

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        return MONEY_TYPE

    def expression_value(self, question: Question, stored: object) -> object:
        """Pence, as stored."""
        if isinstance(stored, int) and not isinstance(stored, bool):
            return stored
        if isinstance(stored, str) and re.fullmatch(r"-?[0-9]{1,18}", stored):
            return int(stored)
        return MISSING
