"""The question types, registered by name: see base.py for what a type owns.

Importing this package registers the built-in types.
"""

from civitas.catalogue.questions import (
    checkboxes,
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
    FormFields,
    JSONSchema,
    QuestionType,
    Refusal,
    TextLike,
    Widget,
    all_question_types,
    error_message,
    posted_list,
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
    "FormFields",
    "JSONSchema",
    "QuestionType",
    "Refusal",
    "TextLike",
    "Widget",
    "all_question_types",
    "checkboxes",
    "choice",
    "date",
    "error_message",
    "money",
    "national_insurance",
    "number",
    "phone",
    "posted_list",
    "question_type",
    "question_type_names",
    "register",
    "registered",
    "text",
    "time_of_day",
]
