"""Questions answered by choosing one of the definition's options."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from civitas.catalogue.questions.base import (
    FIELDS_TEMPLATE,
    Cleaned,
    FieldError,
    JSONSchema,
    QuestionType,
    Refusal,
    Widget,
    chosen_among,
    error_message,
    register,
    typed_text_problem,
)
from civitas.catalogue.questions.welsh import in_both_languages
from civitas.catalogue.texts import Text
from civitas.rules.public import BOOLEAN_TYPE, MISSING, ValueType, choice_type

if TYPE_CHECKING:
    from civitas.catalogue.model import Option, Question

NOT_AN_OPTION = Refusal(
    title=in_both_languages("That answer is not one of the options"),
    detail=in_both_languages("Choose one of the options given. Nothing was saved."),
)


@register
class Radios(QuestionType):
    """One of the options, stored as its `value`; shown as its `label`."""

    name = "radios"
    takes_options = True
    inline: ClassVar[bool] = False

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        posted = fields.get(question.id) or ""
        text = posted.strip()
        if any(option.value == text for option in self.options(question)):
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

    def options(self, question: Question) -> tuple[Option, ...]:
        """What the question offers: by default, the definition's options."""
        return question.options

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        options = question.get("options")
        values = [str(o["value"]) for o in options] if isinstance(options, list) else []
        return choice_type(values)

    def fields_for(self, question: Question, value: object) -> dict[str, str]:
        return {question.id: value} if isinstance(value, str) else {}

    def display(self, question: Question, value: str) -> str:
        for option in self.options(question):
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
                "options": self.options(question),
                "value": fields.get(question.id, ""),
                "hint": question.hint,
                "error": error.message if error else "",
                "inline": self.inline,
            },
            markup_key=chosen_among(self.options(question), _chosen(fields, question)),
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        return {"type": "string", "enum": [option.value for option in self.options(question)]}


@register
class YesNo(Radios):
    """Yes or no, as GOV.UK's inline radios; stored as "yes" or "no", shown as Yes or No.
    A definition lists no options."""

    name = "yes_no"
    takes_options = False
    inline = True

    def options(self, question: Question) -> tuple[Option, ...]:
        return _yes_no()

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        return BOOLEAN_TYPE

    def expression_value(self, question: Question, stored: object) -> object:
        """Yes is true and no is false, so conditions read `has_badge and ...`."""
        if isinstance(stored, bool):
            return stored
        if not isinstance(stored, str):
            return MISSING
        return {"yes": True, "no": False}.get(stored, MISSING)


@cache
def _yes_no() -> tuple[Option, ...]:
    from civitas.catalogue.model import Option  # the model imports the question types

    # Welsh answers yes and no with the question's own verb ("Ydw", "Oes"); a built-in
    # question cannot know it, so it uses the neutral "Ie" and "Na".
    return (
        Option("yes", Text({"en": "Yes", "cy": "Ie"})),
        Option("no", Text({"en": "No", "cy": "Na"})),
    )


@register
class Select(Radios):
    """One of a long list of options, as a GOV.UK select with a blank first choice;
    stored and refused as radios are."""

    name = "select"

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        return Widget(
            FIELDS_TEMPLATE,
            "select",
            {
                "id": question.id,
                "label": question.label,
                "options": self.options(question),
                "value": fields.get(question.id, ""),
                "hint": question.hint,
                "error": error.message if error else "",
            },
            markup_key=chosen_among(self.options(question), _chosen(fields, question)),
        )


def _chosen(fields: Mapping[str, str], question: Question) -> list[str]:
    value = fields.get(question.id, "")
    return [value] if value else []
