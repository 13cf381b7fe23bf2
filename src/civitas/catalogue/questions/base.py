"""What a question type is, and the registry of them by name.

A question type owns everything about one kind of question: how the fields a page posts
become the one string stored as the answer (and the errors on the way), how a stored or
API value goes back into those fields, how an answer is shown on check answers and on the
case page, which template macro draws it, and the JSON Schema of its answer in the API.
Adding a type is one subclass, registered with `@register`.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeVar

from civitas.catalogue.questions.welsh import in_both_languages
from civitas.catalogue.texts import Text, join_texts
from civitas.platform.input_guards import has_unsafe_characters, is_only_invisible
from civitas.platform.jsontypes import JSONObject, JSONValue
from civitas.rules.public import MISSING, TEXT_TYPE, ValueType

if TYPE_CHECKING:
    from civitas.catalogue.model import Option, Question

JSONSchema = JSONObject
"""A JSON Schema, as JSON."""

FIELDS_TEMPLATE = "platform/fields.html"
"""The hand-written GOV.UK question components (see tests/architecture/test_component_parity.py)."""

DEFAULT_ERRORS: Mapping[str, str] = {
    "required": "Answer this question",
    "invalid": "Enter a valid answer",
    "unsafe_characters": (
        "Your answer includes characters that cannot be used. Try typing it rather than pasting it"
    ),
    "too_long": "Your answer must be {max_length} characters or fewer",
    "incomplete": "The date must include a {part}",
    "too_early": "The date must be on or after {date}",
    "too_late": "The date must be on or before {date}",
}
DEFAULT_MAX_LENGTH = 500


@dataclass(frozen=True)
class Refusal:
    """A page's refusal of a whole request that its form could not have produced."""

    title: str
    detail: str


@dataclass(frozen=True)
class FieldError:
    """An error for one question; `field` is the input the error summary links to."""

    message: str
    field: str
    refusal: Refusal | None = None
    """Set when the answer is one the page never offered (a value that is not among the
    options): a page refuses the request instead of showing a field error. The API, which
    offers nothing, reports `message` like any other error."""


@dataclass(frozen=True)
class Cleaned:
    """What a question type made of the fields posted for one question."""

    value: JSONValue
    """The answer to store, as a JSON value: a string for most types, a list of strings
    for checkboxes. None when there is an error, for an optional question left blank, or
    when the post was a step within the question rather than an answer (see `pending`)."""
    error: FieldError | None = None
    pending: Mapping[str, str] | None = None
    """Set when the post moved the question on a step without answering it (the address
    question's "Find address"): the fields to draw its page with again, showing the next
    step. Not an error: the page is shown without one, and nothing is stored. Only a page
    posts steps: an answer given whole (from the API or a stored answer) is never pending."""


@dataclass(frozen=True)
class Widget:
    """How a question is drawn: a macro of a template, called with these arguments."""

    template: str
    macro: str
    arguments: Mapping[str, object] = field(default_factory=dict)
    has_own_buttons: bool = False
    """Whether the macro draws the page's buttons itself (the address question's "Find
    address"), so the page leaves out its own Continue."""
    markup_key: tuple[str, ...] | None = None
    """Set by a type whose markup shows nothing but its question and a choice among the
    question's own options: that choice. With the question, it determines the markup, so
    a page may keep the markup under it (journeys/web.py). Never set from anything a
    citizen typed."""


def chosen_among(options: tuple[Option, ...], chosen: list[str]) -> tuple[str, ...] | None:
    """`chosen` as a widget's markup key when every value is one of `options`, else None."""
    offered = {option.value for option in options}
    return tuple(chosen) if all(value in offered for value in chosen) else None


def error_message(question: Question, kind: str, **values: str) -> str:
    """The definition's message for an error of this kind, or the type's own wording, or
    the platform's default, with `{max_length}` and any `values` filled in.

    Filled by plain replacement, not str.format: a definition's own text may hold any
    braces, and must show them as written rather than fail when an answer is checked.
    """
    text = question.error_messages.get(kind) or in_both_languages(
        question.kind.default_errors.get(kind) or DEFAULT_ERRORS[kind]
    )
    fills = {"max_length": str(question.max_length or ""), **values}
    for name, value in fills.items():
        text = _filled(text, "{" + name + "}", value)
    return text


def _filled(text: str, placeholder: str, value: str) -> str:
    """`placeholder` replaced by `value` in each language: a value written in several
    languages (a date's missing parts, an option's label) fills each with its own."""
    if isinstance(text, Text) and isinstance(value, Text):
        return Text(
            {
                code: version.replace(placeholder, value.in_language(code))
                for code, version in text.translations.items()
            }
        )
    return text.replace(placeholder, value)


class QuestionType(ABC):
    """One kind of question. Subclasses set `name` and are registered with `@register`."""

    name: ClassVar[str]
    """The `type` a definition gives its question."""
    takes_options: ClassVar[bool] = False
    """Whether the question lists `options` to choose from (and must list them)."""
    default_errors: ClassVar[Mapping[str, str]] = {}
    """This type's own wording of errors (GOV.UK's, for a standard kind of answer), used
    where the definition gives none; the platform's defaults otherwise."""
    default_hint: ClassVar[str] = ""
    """The hint shown where the definition gives none."""
    own_keys: ClassVar[frozenset[str]] = frozenset()
    """Definition keys only this type takes (`pattern`, `international`): validating a
    definition refuses them on a question of any other type."""

    @abstractmethod
    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        """The answer to store from the posted fields, or the error to show."""

    @abstractmethod
    def fields_for(self, question: Question, value: object) -> Mapping[str, str]:
        """The form fields that hold `value`: a stored answer shown again on its page, or
        a value an API client sent, which `clean` then checks as if it had been posted."""

    @abstractmethod
    def display(self, question: Question, value: str) -> str:
        """A stored answer as check answers and the case page show it (a type whose
        answer is not a string shows it with `display_value`)."""

    def display_value(self, question: Question, value: JSONValue) -> str:
        """Any stored answer as check answers and the case page show it; one line each
        for a list. By default a string answer is `display`ed."""
        if isinstance(value, str):
            return self.display(question, value)
        if isinstance(value, list):
            return join_texts("\n", [self.display_value(question, item) for item in value])
        return "" if value is None else str(value)

    def is_blank(self, question: Question, fields: Mapping[str, str]) -> bool:
        """Whether nothing was given for the question: every field it posts (the field
        named by its id, and `<id>-...` for a question of several inputs) is empty."""
        prefix = question.id + "-"
        return not any(
            (value or "").strip()
            for name in fields
            if name == question.id or name.startswith(prefix)
            for value in posted_list(fields, name)
        )

    @abstractmethod
    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        """The macro that draws the question, with what was typed and the error, if any."""

    @abstractmethod
    def answer_schema(self, question: Question) -> JSONSchema:
        """The JSON Schema of the answer in the API (a string, as every answer is)."""

    def error_field(self, question: Question) -> str:
        """The input an error about the answer as a whole links to."""
        return question.id

    def definition_problems(self, question: Mapping[str, object]) -> list[tuple[str, str]]:
        """What is wrong with this type's own keys in a definition's question (that passed
        the schema), as (key, problem); validating the definition reports each at its line."""
        return []

    def expression_type(self, question: Mapping[str, object]) -> ValueType:
        """The type of this question's answer in the definition's expressions (conditions,
        computed values, checks), from the definition's question (that passed the schema).
        Text by default; types whose answers are numbers, dates or choices say so."""
        return TEXT_TYPE

    def expression_value(self, question: Question, stored: object) -> object:
        """A stored answer as the typed value expressions see (of `expression_type`), or
        MISSING when there is none. Never raises: a value it cannot read is missing."""
        return stored if isinstance(stored, str) and stored else MISSING

    def lookup_key(self, question: Question, stored: str) -> str:
        """What a `derive` lookup finds a stored answer by in a data table: the answer
        itself, unless the type keeps several parts in one answer."""
        return stored


class TextLike(QuestionType):
    """A question answered in one text input: the checks every typed answer passes."""

    input_type: ClassVar[str] = "text"
    input_classes: ClassVar[str] = ""
    spellcheck: ClassVar[bool | None] = None

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        text = (fields.get(question.id) or "").strip()
        problem = typed_text_problem(question, text)
        if problem:
            return Cleaned(None, FieldError(error_message(question, problem), question.id))
        return self.clean_text(question, text)

    def clean_text(self, question: Question, text: str) -> Cleaned:
        """The answer from text that passed the common checks; by default, the text."""
        return Cleaned(text)

    def fields_for(self, question: Question, value: object) -> dict[str, str]:
        return {question.id: value} if isinstance(value, str) else {}

    def display(self, question: Question, value: str) -> str:
        return value

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
                "hint": question.hint or in_both_languages(self.default_hint),
                "error": error.message if error else "",
                "type": self.input_type,
                "classes": self.input_classes,
                "autocomplete": question.autocomplete,
                "spellcheck": self.spellcheck,
            },
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        return {"type": "string", "maxLength": question.max_length or DEFAULT_MAX_LENGTH}


def posted_list(fields: Mapping[str, str], name: str) -> list[str]:
    """Every value posted under `name`: a form posts one a ticked checkbox; a QueryDict
    and a FormFields keep them all, a plain mapping holds one."""
    getlist = getattr(fields, "getlist", None)
    if getlist is not None:
        return [value for value in getlist(name) if isinstance(value, str)]
    value = fields.get(name)
    return [value] if isinstance(value, str) else []


class FormFields(Mapping[str, str]):
    """Form fields where a name may hold several values, as a posted form's do: read
    like a QueryDict (the last value, or `getlist` for all)."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self._values = {name: list(items) for name, items in values.items()}

    def __getitem__(self, name: str) -> str:
        items = self._values[name]
        if not items:
            raise KeyError(name)
        return items[-1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def getlist(self, name: str) -> list[str]:
        return list(self._values.get(name, []))


def typed_text_problem(question: Question, text: str) -> str | None:
    """The kind of error in stripped typed text that no answer may have, if any: nothing
    visible, characters nobody types (platform/input_guards.py), or too many characters."""
    if is_only_invisible(text):
        return "required"
    if has_unsafe_characters(text):
        return "unsafe_characters"
    if len(text) > (question.max_length or DEFAULT_MAX_LENGTH):
        return "too_long"
    return None


_TYPES: dict[str, QuestionType] = {}

T = TypeVar("T", bound=type[QuestionType])


def register(cls: T) -> T:
    """Registers a question type under its `name` (a class decorator)."""
    if cls.name in _TYPES:
        raise ValueError(f"question type '{cls.name}' is already registered")
    _TYPES[cls.name] = cls()
    return cls


@contextmanager
def registered(cls: type[QuestionType]) -> Iterator[QuestionType]:
    """A question type registered only inside the `with` block (for tests)."""
    register(cls)
    try:
        yield _TYPES[cls.name]
    finally:
        del _TYPES[cls.name]


def question_type(name: str) -> QuestionType:
    """The registered type called `name`; KeyError for an unknown one."""
    return _TYPES[name]


def question_type_names() -> list[str]:
    """Every registered type's name, in the order they were registered."""
    return list(_TYPES)


def all_question_types() -> list[QuestionType]:
    return list(_TYPES.values())
