"""Questions answered by choosing one of the definition's options."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING

from civitas.catalogue.questions.base import (
    FIELDS_TEMPLATE,
    Cleaned,
    FieldError,
    JSONSchema,
    QuestionType,
    Refusal,
    Widget,
    error_message,
    register,
    typed_text_problem,
)

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

NOT_AN_OPTION = Refusal(
    title="That answer is not one of the options",
    detail="Choose one of the options given. Nothing was saved.",
)


@register
class Radios(QuestionType):
    """One of the options, stored as its `value`; shown as its `label`."""

    name = "radios"
    takes_options = True

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        posted = fields.get(question.id) or ""
        text = posted.strip()
        if any(option.value == text for option in question.options):
            return Cleaned(text)
        problem = typed_text_problem(question, text) or "required"
        return Cleaned(
            None,
            FieldError(
                error_message(question, problem),
                question.id,
                # Nothing chosen is a field error; a value the page never offered is not.
                refusal=NOT_AN_OPTION if posted else None,
            ),
        )

    def fields_for(self, question: Question, value: object) -> dict[str, str]:
        return {question.id: value} if isinstance(value, str) else {}

    def display(self, question: Question, value: str) -> str:
        for option in question.options:
            if option.value == value:
                return option.label
        return value

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        return Widget(
            FIELDS_TEMPLATE,
            "radios",
            {
                "id": question.id,
                "legend": question.label,
                "options": question.options,
                "value": fields.get(question.id, ""),
                "hint": question.hint,
                "error": error.message if error else "",
            },
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        return {"type": "string", "enum": [option.value for option in question.options]}
