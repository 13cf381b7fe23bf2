"""A telephone number, as the GOV.UK Design System asks for one, checked with
libphonenumber (`phonenumberslite`: the metadata without the carrier and place names)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import phonenumbers

from civitas.catalogue.questions.base import (
    Cleaned,
    FieldError,
    JSONSchema,
    TextLike,
    Widget,
    error_message,
    register,
)

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

UK_COUNTRY_CODE = 44
"""The United Kingdom's, shared by the Isle of Man, Jersey and Guernsey."""
_LIKE = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
# What people write in a number: digits (any script; the library reads them as 0 to 9),
# spaces, a leading +, brackets, dashes and dots. Letters are refused rather than read as
# a keypad's (1-800-FLOWERS), which the library would do.
_WRITTEN = re.compile(r"[\d\s+().-]+")


@register
class Phone(TextLike):
    """A UK telephone number (or, with `international: true`, one with + and any country
    code), stored in E.164 (`+447700900982`) and shown as the country writes it.

    A number is taken when it is *possible* (the right length for its country and range),
    not only when it is *valid* (in a range libphonenumber knows to be allocated): as
    GOV.UK Notify does, so that a range Ofcom allocates after the pinned library's metadata
    is not refused, and so that the 07700 900xxx numbers Ofcom keeps for drama and examples
    (possible, never valid) can be used in testing. Typos that change the length are still
    caught."""

    name = "phone"
    input_type: ClassVar[str] = "tel"
    input_classes: ClassVar[str] = "govuk-input--width-20"
    spellcheck: ClassVar[bool | None] = False
    own_keys: ClassVar[frozenset[str]] = frozenset({"international"})
    default_errors: ClassVar[Mapping[str, str]] = {
        "required": "Enter a telephone number",
        "invalid": _LIKE,
        "too_long": _LIKE,
    }

    def clean_text(self, question: Question, text: str) -> Cleaned:
        number = _possible_number(text)
        if number is None or (
            number.country_code != UK_COUNTRY_CODE and not question.international
        ):
            return Cleaned(None, FieldError(error_message(question, "invalid"), question.id))
        return Cleaned(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def display(self, question: Question, value: str) -> str:
        number = _possible_number(value)
        if number is None:
            return value
        style = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if number.country_code == UK_COUNTRY_CODE
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return phonenumbers.format_number(number, style)

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        drawn = super().widget(question, fields, error)
        arguments = {**drawn.arguments, "autocomplete": question.autocomplete or "tel"}
        return Widget(drawn.template, drawn.macro, arguments)

    def answer_schema(self, question: Question) -> JSONSchema:
        if question.international:
            return {
                "type": "string",
                "pattern": r"^\+[1-9][0-9]{6,14}$",
                "examples": ["+447700900982", "+33123456789"],
                "description": "E.164: + and the country code, then the number",
            }
        return {
            "type": "string",
            "pattern": r"^\+44[1-9][0-9]{6,9}$",
            "examples": ["+447700900982"],
            "description": "A UK number in E.164: +44, then the number without its 0",
        }


def _possible_number(text: str) -> phonenumbers.PhoneNumber | None:
    """The number written in `text` (UK unless it starts with +), if it is a possible one."""
    if not _WRITTEN.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    # Possible is about length only: no number, once its own 0 is dropped, starts with 0.
    if phonenumbers.national_significant_number(number).startswith("0"):
        return number if phonenumbers.is_valid_number(number) else None
    return number
