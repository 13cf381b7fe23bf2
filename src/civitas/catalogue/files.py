"""What the journey needs to know of a file question to receive a file for it."""

from civitas.catalogue.model import Question
from civitas.catalogue.questions import FieldError
from civitas.catalogue.questions.upload import (
    FileUpload,
    _accepted_kinds,
    _file_error,
    _max_size_bytes,
)


def is_file_question(question: Question) -> bool:
    """Whether the question is answered with a file (its page posts multipart)."""
    return isinstance(question.kind, FileUpload)


def accepted_kinds(question: Question) -> tuple[str, ...]:
    """The kinds of file the question takes (platform.files.kinds): pdf, jpeg and png
    unless its `accept` says."""
    return _accepted_kinds(question)


def max_size_bytes(question: Question) -> int:
    """The largest file the question takes: its own max_size, or 10MB, and never more
    than the platform's UPLOAD_MAX_BYTES."""
    return _max_size_bytes(question)


def file_error(question: Question, kind: str) -> FieldError:
    """The field error about a file for `question`, in the definition's words or GOV.UK's:
    `kind` is required, empty, too_large, wrong_type, infected or not_checked."""
    return _file_error(question, kind)
