"""Questions answered by typing one line: text, email, postcode, vehicle registration."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import ngettext

from civitas.catalogue.definition import normalise_postcode
from civitas.catalogue.questions.base import (
    DEFAULT_MAX_LENGTH,
    FIELDS_TEMPLATE,
    Cleaned,
    FieldError,
    JSONSchema,
    TextLike,
    Widget,
    error_message,
    register,
    typed_text_problem,
)

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

# The UK postcode format (BS 7666), allowing a missing or extra space.
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
# Current (since 2001), prefix, suffix and dateless formats, without spaces.
REGISTRATION = re.compile(
    r"^([A-Z]{2}[0-9]{2}[A-Z]{3}|[A-Z][0-9]{1,3}[A-Z]{3}|[A-Z]{3}[0-9]{1,3}[A-Z]"
    r"|[0-9]{1,4}[A-Z]{1,3}|[A-Z]{1,3}[0-9]{1,4})$"
)
# How each format of registration is spaced on the plate: (letters and digits, the rest).
_PLATE_LAYOUTS = (
    re.compile(r"([A-Z]{2}[0-9]{2})([A-Z]{3})"),
    re.compile(r"([A-Z][0-9]{1,3})([A-Z]{3})"),
    re.compile(r"([A-Z]{3})([0-9]{1,3}[A-Z])"),
    re.compile(r"([0-9]{1,4})([A-Z]{1,3})"),
    re.compile(r"([A-Z]{1,3})([0-9]{1,4})"),
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\r\n?")


def _invalid(question: Question) -> Cleaned:
    return Cleaned(None, FieldError(error_message(question, "invalid"), question.id))


_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
_REPEATS |= {getattr(sre_constants, "POSSESSIVE_REPEAT", sre_constants.MAX_REPEAT)}


def _parts(parsed: Any) -> Iterator[tuple[Any, Any]]:
    """Every (operation, argument) in a parsed expression, the nested ones after their
    parent's."""
    for op, av in parsed:
        yield op, av
        for child in _children(op, av):
            yield from _parts(child)


def _children(op: Any, av: Any) -> list[Any]:
    if op in _REPEATS:
        return [av[2]]
    if op is sre_constants.SUBPATTERN:
        return [av[3]]
    if op is sre_constants.BRANCH:
        return list(av[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [av[1]]
    if op is getattr(sre_constants, "ATOMIC_GROUP", None):
        return [av]
    if op is sre_constants.GROUPREF_EXISTS:
        return [part for part in av[1:] if part is not None]
    return []


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a definition's `pattern`, if anything: it does not compile, it
    matches an empty answer, or it repeats a part that itself repeats a varying number of
    times (`(a+)+`, `(a*|b)*`), which can take exponentially long to refuse an answer that
    nearly matches. The check is cautious: `(ab+c)+` is refused though it is safe."""
    try:
        re.compile(pattern, re.ASCII)
        parsed = sre_parser.parse(pattern, re.ASCII)
    except (re.error, RecursionError, OverflowError) as error:
        return f"pattern does not compile: {error}"
    for op, av in _parts(parsed):
        if op in _REPEATS and av[1] > 1:
            for inner_op, inner_av in _parts(av[2]):
                if inner_op in _REPEATS and inner_av[0] != inner_av[1]:
                    return (
                        f"pattern '{pattern}' repeats a part that itself repeats (like "
                        "'(a+)+'), which can take too long to check: repeat it once"
                    )
    if re.fullmatch(pattern, "", re.ASCII):
        return f"pattern '{pattern}' matches an empty answer: make it match what is typed"
    return None


@register
class Text(TextLike):
    """Free text, stored as typed (without surrounding spaces); with a `pattern`, only text
    that the pattern matches as a whole. Patterns are read with ASCII `\\d`, `\\w` and `\\s`,
    as JSON Schema (ECMAScript) reads the same pattern in the API's answer schema."""

    name = "text"
    own_keys: ClassVar[frozenset[str]] = frozenset({"pattern"})

    def clean_text(self, question: Question, text: str) -> Cleaned:
        if question.pattern and not re.fullmatch(question.pattern, text, re.ASCII):
            return _invalid(question)
        return Cleaned(text)

    def answer_schema(self, question: Question) -> JSONSchema:
        schema = super().answer_schema(question)
        if question.pattern:
            # JSON Schema patterns match anywhere in the string: anchored, it is the whole.
            schema["pattern"] = f"^(?:{question.pattern})$"
        return schema

    def definition_problems(self, question: Mapping[str, object]) -> list[tuple[str, str]]:
        pattern = question.get("pattern")
        problem = pattern_problem(pattern) if isinstance(pattern, str) else None
        return [("pattern", problem)] if problem else []


@register
class Email(TextLike):
    name = "email"
    input_type: ClassVar[str] = "email"
    spellcheck: ClassVar[bool | None] = False
    # GOV.UK's email address pattern.
    default_errors: ClassVar[Mapping[str, str]] = {
        "required": "Enter an email address",
        "invalid": "Enter an email address in the correct format, like name@example.com",
    }

    def clean_text(self, question: Question, text: str) -> Cleaned:
        return Cleaned(text) if EMAIL.match(text) else _invalid(question)

    def answer_schema(self, question: Question) -> JSONSchema:
        return {**super().answer_schema(question), "format": "email"}


@register
class Postcode(TextLike):
    """A UK postcode, stored in capitals with one space before the last three characters."""

    name = "postcode"
    input_classes: ClassVar[str] = "govuk-input--width-10"
    spellcheck: ClassVar[bool | None] = False
    default_errors: ClassVar[Mapping[str, str]] = {
        "required": "Enter a postcode",
        "invalid": "Enter a real postcode",
    }

    def clean_text(self, question: Question, text: str) -> Cleaned:
        compact = _SPACES.sub("", text).upper()
        if not POSTCODE.match(compact):
            return _invalid(question)
        return Cleaned(normalise_postcode(compact))

    def answer_schema(self, question: Question) -> JSONSchema:
        return {**super().answer_schema(question), "examples": ["SW1A 1AA"]}


@register
class VehicleRegistration(TextLike):
    """A UK vehicle registration, stored in capitals without spaces."""

    name = "vehicle_registration"
    input_classes: ClassVar[str] = "govuk-input--width-10 govuk-input--extra-letter-spacing"
    spellcheck: ClassVar[bool | None] = False

    def clean_text(self, question: Question, text: str) -> Cleaned:
        compact = _SPACES.sub("", text).upper()
        return Cleaned(compact) if REGISTRATION.match(compact) else _invalid(question)

    def display(self, question: Question, value: str) -> str:
        """As the plate shows it: CU57 ABC, A123 BCD, ABC 123D, 1234 AB."""
        for layout in _PLATE_LAYOUTS:
            match = layout.fullmatch(value)
            if match:
                return f"{match.group(1)} {match.group(2)}"
        return value

    def answer_schema(self, question: Question) -> JSONSchema:
        return {**super().answer_schema(question), "examples": ["CU57 ABC"]}


@register
class LongText(TextLike):
    """Free text over several lines, in a textarea with GOV.UK's character count; stored
    as typed (without surrounding spaces), with line breaks as \\n."""

    name = "long_text"

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        # Browsers post line breaks as \r\n; they are the one control character allowed.
        text = _LINE_BREAKS.sub("\n", fields.get(question.id) or "").strip()
        problem = typed_text_problem(question, text.replace("\n", " "))
        if problem:
            return Cleaned(None, FieldError(error_message(question, problem), question.id))
        return Cleaned(text)

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        limit = question.max_length or DEFAULT_MAX_LENGTH
        typed = _LINE_BREAKS.sub("\n", fields.get(question.id, ""))
        over = len(typed.strip()) - limit
        return Widget(
            FIELDS_TEMPLATE,
            "character_count",
            {
                "id": question.id,
                "label": question.label,
                "maxlength": limit,
                "value": fields.get(question.id, ""),
                "hint": question.hint,
                "error": error.message if error else "",
                # Without JavaScript the count is the server's, shown after an error.
                "count_message": _too_many(over) if error and over > 0 else "",
            },
        )


def _too_many(over: int) -> str:
    # The same words as the character count's own script writes, so the message does
    # not change when JavaScript takes over.
    return ngettext(
        "You have %(count)s character too many", "You have %(count)s characters too many", over
    ) % {"count": over}
