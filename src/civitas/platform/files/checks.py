"""Checking a file someone uploads before anything of it is kept: its size, its kind by
content (kinds.py), its name's extension against that kind, and the virus scanner, which
must answer (a scanner that cannot be asked refuses the file: fail closed)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile

from civitas.platform.files.kinds import FileKind, detect_kind, extension_of, safe_file_name
from civitas.platform.files.scanners import ScannerUnavailable, file_scanner

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: its content, its kind, its name made safe to show."""

    file_name: str
    kind: FileKind
    content: bytes = field(repr=False)


def check_uploaded_file(
    uploaded: UploadedFile | None, *, accepted: Sequence[str], max_bytes: int
) -> CheckedFile | str:
    """The checked file, or why it is refused: `required` (none sent), `empty`,
    `too_large`, `wrong_type`, `infected` or `not_checked` (the scanner did not answer).
    Reads no more than `max_bytes` + 1 of it."""
    if uploaded is None or not uploaded.name:
        return "required"
    size = uploaded.size or 0
    if size == 0:
        return "empty"
    if size > max_bytes:
        return "too_large"
    content = uploaded.read(max_bytes + 1)
    if len(content) == 0:
        return "empty"
    if len(content) > max_bytes:
        return "too_large"
    kind = detect_kind(content, accepted)
    if kind is None or extension_of(uploaded.name) not in kind.extensions:
        # Not an accepted kind, or content its name does not admit to: a PNG called .pdf,
        # a program called .jpg.
        return "wrong_type"
    try:
        verdict = file_scanner().scan(content)
    except ScannerUnavailable as error:
        logger.warning("upload refused: the virus scanner is unavailable (%s)", error)
        return "not_checked"
    if verdict.is_infected:
        logger.warning("upload refused: the virus scanner found %s", verdict.signature)
        return "infected"
    return CheckedFile(file_name=safe_file_name(uploaded.name), kind=kind, content=content)
