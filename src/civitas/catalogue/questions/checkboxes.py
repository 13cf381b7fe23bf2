"""Questions answered by choosing any number of the definition's options."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING

from civitas.catalogue.questions.base import (
    FIELDS_TEMPLATE,
    Cleaned,
    FieldError,
    FormFields,
    JSONSchema,
    QuestionType,
    Widget,
    chosen_among,
    error_message,
    posted_list,
    register,
)
from civitas.catalogue.questions.choice import NOT_AN_OPTION
from civitas.rules.public import ValueType, choice_type, list_type

if TYPE_CHECKING:
    from civitas.catalogue.model import Option, Question
    from civitas.platform.jsontypes import JSONValue


@register
class Checkboxes(QuestionType):
    """Any of the options, stored as the list of their values in the options' order;
    shown as their labels, one a line.

    An optional `none_option` ("None of these") comes after the others, below an "or":
    it is exclusive, so choosing it with any other option is a field error (with
    JavaScript, govuk-frontend unticks the others). `min_selected` and `max_selected`
    bound how many of the other options may be chosen.
    """

    name = "checkboxes"
    takes_options = True
    own_keys = frozenset({"none_option", "min_selected", "max_selected"})
    default_errors = {
        "required": "Select at least one option",
        "invalid": "Select from the options given",
        "not_exclusive": 'Select "{none}", or select one or more of the other options, not both',
        "too_few_selected": "Select at least {min_selected} options",
        "too_many_selected": "Select no more than {max_selected} options",
    }

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        chosen = {value.strip() for value in posted_list(fields, question.id)} - {""}
        offered = {option.value for option in self.choices(question)}
        if not chosen <= offered:
            # A value the page never offered: a forged request, not a mistake.
            return self._error(question, "invalid", refusal=True)
        if not chosen:
            return self._error(question, "required")
        none = question.none_option
        if none is not None and none.value in chosen:
            if len(chosen) > 1:
                return self._error(question, "not_exclusive", none=none.label)
            return Cleaned([none.value])
        if question.min_selected is not None and len(chosen) < question.min_selected:
            return self._error(question, "too_few_selected")
        if question.max_selected is not None and len(chosen) > question.max_selected:
            return self._error(question, "too_many_selected")
        return Cleaned([option.value for option in question.options if option.value in chosen])

    def _error(
        self, question: Question, kind: str, *, refusal: bool = False, **values: str
    ) -> Cleaned:
        values = {
            "min_selected": str(question.min_selected or ""),
            "max_selected": str(question.max_selected or ""),
            **values,
        }
        return Cleaned(
            None,
            FieldError(
                error_message(question, kind, **values),
                question.id,
                refusal=NOT_AN_OPTION if refusal else None,
            ),
        )

    def choices(self, question: Question) -> tuple[Option, ...]:
        """Every option a citizen may tick, the exclusive one last."""
        none = question.none_option
        return (*question.options, none) if none is not None else question.options

    def fields_for(self, question: Question, value: object) -> Mapping[str, str]:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return FormFields({question.id: [item for item in value if isinstance(item, str)]})
        return {}

    def display(self, question: Question, value: str) -> str:
        for option in self.choices(question):
            if option.value == value:
                return option.label
        return value

    def display_value(self, question: Question, value: JSONValue) -> str:
        if isinstance(value, list):
            return "\n".join(self.display(question, str(item)) for item in value)
        return super().display_value(question, value)

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        return Widget(
            FIELDS_TEMPLATE,
            "checkboxes",
            {
                "id": question.id,
                "legend": question.label,
                "options": question.options,
                "values": posted_list(fields, question.id),
                "none_option": question.none_option,
                "hint": question.hint or "Select all that apply",
                "error": error.message if error else "",
            },
            markup_key=chosen_among(self.choices(question), posted_list(fields, question.id)),
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        values: list[JSONValue] = [option.value for option in self.choices(question)]
        return {
            "type": "array",
            "items": {"type": "string", "enum": values},
            "uniqueItems": True,
            "minItems": 1,
            "maxItems": len(values),
        }

    def definition_problems(self, question: Mapping[str, object]) -> list[tuple[str, str]]:
        problems = []
        listed = question.get("options")
        options = listed if isinstance(listed, list) else []
        count = len(options)
        low, high = question.get("min_selected"), question.get("max_selected")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append(("min_selected", f"min_selected ({low}) is more than max_selected"))
        for key, bound in (("min_selected", low), ("max_selected", high)):
            if isinstance(bound, int) and bound > count:
                problems.append((key, f"{key} ({bound}) is more than the {count} options"))
        none = question.get("none_option")
        values = [o.get("value") for o in options if isinstance(o, dict)] if options else []
        if isinstance(none, dict) and none.get("value") in values:
            problems.append(("none_option", "the none option's value is also an option's value"))
        return problems

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        """The list of the chosen values (the none option's among them, when chosen)."""
        options = question.get("options")
        listed = options if isinstance(options, list) else []
        values = [str(option["value"]) for option in listed]
        none = question.get("none_option")
        if isinstance(none, dict):
            values.append(str(none["value"]))
        return list_type(choice_type(values))

    def expression_value(self, question: Question, stored: object) -> object:
        """The chosen values; an answer left blank is an empty list."""
        if not isinstance(stored, list):
            return []
        return [value for value in stored if isinstance(value, str)]
