"""A file upload, as the GOV.UK Design System's file upload pattern asks for one.

The type itself only checks the answer: the id of an upload, never the file. Receiving a
file (its size, its kind by content, the virus scan, sealing it at rest) is the journey's
work (journeys/uploads.py), done before the answer is cleaned, and shown as this type's
field errors in the messages below.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings

from civitas.catalogue.questions.base import (
    Cleaned,
    FieldError,
    JSONSchema,
    QuestionType,
    Widget,
    error_message,
    register,
)
from civitas.catalogue.questions.welsh import kinds_of_file
from civitas.platform.files.kinds import (
    FILE_KINDS,
    FILE_TOKEN,
    describe_kinds,
    describe_size,
    parse_size,
)

if TYPE_CHECKING:
    from civitas.catalogue.model import Question

DEFAULT_ACCEPT = ("pdf", "jpeg", "png")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def _accepted_kinds(question: Question) -> tuple[str, ...]:
    """The kinds of file the question takes (a PDF, JPG or PNG unless it says)."""
    return question.accept or DEFAULT_ACCEPT


def _max_size_bytes(question: Question) -> int:
    """The largest file the question takes: its own max_size, or 10MB, never more than
    the platform's UPLOAD_MAX_BYTES."""
    return min(question.max_size_bytes or DEFAULT_MAX_BYTES, settings.UPLOAD_MAX_BYTES)


@register
class FileUpload(QuestionType):
    """One file, answered with the id of the upload that holds it."""

    name = "file"
    own_keys: ClassVar[frozenset[str]] = frozenset({"accept", "max_size"})
    default_errors: ClassVar[Mapping[str, str]] = {
        "required": "Select a file",
        "empty": "The selected file is empty",
        "too_large": "The selected file must be smaller than {max_size}",
        "wrong_type": "The selected file must be {kinds}",
        "infected": "The selected file contains a virus",
        "not_checked": "The file could not be checked. Try again later",
    }

    def clean(
        self, question: Question, fields: Mapping[str, str], *, today: datetime.date
    ) -> Cleaned:
        token = fields.get(question.id) or ""
        if not isinstance(token, str) or not FILE_TOKEN.fullmatch(token):
            return Cleaned(None, FieldError(error_message(question, "required"), question.id))
        return Cleaned(token)

    def fields_for(self, question: Question, value: object) -> dict[str, str]:
        return {question.id: value} if isinstance(value, str) else {}

    def display(self, question: Question, value: str) -> str:
        # The pages and the case page show the file's name and size, which only the row
        # of the upload knows; this is what is shown where that row is not at hand.
        return "File uploaded"

    def widget(
        self, question: Question, fields: Mapping[str, str], error: FieldError | None
    ) -> Widget:
        kinds = [FILE_KINDS[name] for name in _accepted_kinds(question)]
        return Widget(
            "catalogue/file_upload.html",
            "file_upload",
            {
                "id": question.id,
                "label": question.label,
                "hint": question.hint
                or f"The file must be {_describe_kinds(question)}, smaller than "
                f"{describe_size(_max_size_bytes(question))}",
                "error": error.message if error else "",
                "accept": ",".join(
                    [f".{extension}" for kind in kinds for extension in kind.extensions]
                    + [kind.content_type for kind in kinds]
                ),
                "current": fields.get(f"{question.id}-current", ""),
                # An optional question's file can be removed, leaving it blank.
                "removable": question.optional,
            },
        )

    def answer_schema(self, question: Question) -> JSONSchema:
        return {
            "type": "string",
            "pattern": FILE_TOKEN.pattern,
            "description": (
                "The id of the file kept for this answer. Through the API, send the file "
                "as the multipart part named by the question's id, and no value here"
            ),
        }

    def definition_problems(self, question: Mapping[str, object]) -> list[tuple[str, str]]:
        problems = []
        size = question.get("max_size")
        if isinstance(size, str):
            size_bytes = parse_size(size)
            if size_bytes is None:
                problems.append(("max_size", f"max_size '{size}' is not a size like 10MB"))
            elif size_bytes > settings.UPLOAD_MAX_BYTES:
                problems.append(
                    (
                        "max_size",
                        f"max_size {size} is more than the platform's largest upload, "
                        f"{describe_size(settings.UPLOAD_MAX_BYTES)} (UPLOAD_MAX_BYTES)",
                    )
                )
        return problems


def _describe_kinds(question: Question) -> str:
    """ "a PDF, JPG or PNG" for the question's accepted kinds."""
    return describe_kinds(_accepted_kinds(question))


def _file_error(question: Question, kind: str) -> FieldError:
    """A field error about a file for `question` in the definition's words or GOV.UK's:
    `kind` is one of required, empty, too_large, wrong_type, infected, not_checked."""
    message = error_message(
        question,
        kind,
        max_size=describe_size(_max_size_bytes(question)),
        kinds=kinds_of_file(_describe_kinds(question)),
    )
    return FieldError(message, question.id)
