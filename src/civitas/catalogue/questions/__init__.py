"""The question types, registered by name: see base.py for what a type owns.

Importing this package registers the built-in types.
"""

from civitas.catalogue.questions import choice, date, money, number, text
from civitas.catalogue.questions.base import (
    DEFAULT_ERRORS,
    FIELDS_TEMPLATE,
    TYPE_KEYS,
    Cleaned,
    FieldError,
    JSONSchema,
    QuestionType,
    Refusal,
    TextLike,
    Widget,
    all_question_types,
    error_message,
    question_type,
    question_type_names,
    register,
    registered,
)

__all__ = [
    "DEFAULT_ERRORS",
    "FIELDS_TEMPLATE",
    "TYPE_KEYS",
    "Cleaned",
    "FieldError",
    "JSONSchema",
    "QuestionType",
    "Refusal",
    "TextLike",
    "Widget",
    "all_question_types",
    "choice",
    "date",
    "error_message",
    "money",
    "number",
    "question_type",
    "question_type_names",
    "register",
    "registered",
    "text",
]
