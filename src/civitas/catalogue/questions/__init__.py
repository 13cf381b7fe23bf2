"""The question types, registered by name: see base.py for what a type owns.

Importing this package registers the built-in types.
"""

from civitas.catalogue.questions import (
    address,
    choice,
    date,
    money,
    national_insurance,
    number,
    phone,
    text,
    time_of_day,
)
from civitas.catalogue.questions.base import (
    DEFAULT_ERRORS,
    FIELDS_TEMPLATE,
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
    "Cleaned",
    "FieldError",
    "JSONSchema",
    "QuestionType",
    "Refusal",
    "TextLike",
    "Widget",
    "address",
    "all_question_types",
    "choice",
    "date",
    "error_message",
    "money",
    "national_insurance",
    "number",
    "phone",
    "question_type",
    "question_type_names",
    "register",
    "registered",
    "text",
    "time_of_day",
]
