"""The kinds of file a question can accept, told by content, never by name alone.

A file's kind is what its first bytes say (the `filetype` library reads the magic
numbers), and its name's extension must be one of that kind's: a PNG renamed `.pdf`, or a
program renamed `.jpg`, is refused although one or the other looks right.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import filetype


@dataclass(frozen=True)
class FileKind:
    name: str
    """As a definition's `accept` names it."""
    label: str
    """As an error message names it: "The selected file must be a PDF or JPG"."""
    extensions: tuple[str, ...]
    """The name endings this kind's files have, lower case, without the dot."""
    detected_as: str
    """The extension `filetype` gives a file of this kind."""
    content_type: str
    """Served with this Content-Type (the detected one, never what the browser sent)."""


FILE_KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind("pdf", "PDF", ("pdf",), "pdf", "application/pdf"),
        FileKind("jpeg", "JPG", ("jpg", "jpeg"), "jpg", "image/jpeg"),
        FileKind("png", "PNG", ("png",), "png", "image/png"),
        FileKind("heic", "HEIC", ("heic", "heif"), "heic", "image/heic"),
        FileKind(
            "docx",
            "Word document (DOCX)",
            ("docx",),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        FileKind("odt", "ODT", ("odt",), "odt", "application/vnd.oasis.opendocument.text"),
    )
}

FILE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
"""A stored file's id wherever it is referred to (an answer) and its name in the store."""

MAX_NAME_LENGTH = 100
"""A file name longer than this is shortened (keeping its extension) before it is kept."""

# What a name may not keep: C0/C1 controls and NUL, bidirectional overrides and isolates
# ("invoice\u202efdp.exe" shows as "invoiceexe.pdf"), path separators, and the characters
# Windows refuses in names, so a downloaded file saves anywhere.
_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069/\\:*?"<>|]')


def detect_kind(head: bytes, accepted: Sequence[str]) -> FileKind | None:
    """The accepted kind that the content starting `head` is, if any."""
    guessed = filetype.guess(head)
    if guessed is None:
        return None
    for name in accepted:
        kind = FILE_KINDS[name]
        if guessed.extension == kind.detected_as:
            return kind
    return None


def extension_of(name: str) -> str:
    """The lower-case extension of a file name as the citizen's computer named it."""
    base = re.split(r"[/\\]", name)[-1]
    _, dot, extension = base.rpartition(".")
    return extension.lower() if dot else ""


def safe_file_name(name: str) -> str:
    """A file name fit to show on a page and to offer as a download's name: no directory
    part, no control or reordering characters, at most MAX_NAME_LENGTH characters with
    its extension kept; "file" (with the extension) when nothing is left."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = " ".join(_NOT_IN_NAMES.sub("", base).split()).strip(". ")
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    extension = extension[:10]
    suffix = f".{extension}" if extension else ""
    stem = stem[: MAX_NAME_LENGTH - len(suffix)].strip() or "file"
    return stem + suffix


def describe_kinds(names: Sequence[str]) -> str:
    """ "a PDF, JPG or PNG": the kinds as an error message lists them."""
    labels = [FILE_KINDS[name].label for name in names]
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    return f"an {listed}" if listed[0] in "AEIOU" else f"a {listed}"


def describe_size(size_bytes: int) -> str:
    """A size as GOV.UK writes one: 10MB, 500KB, 2.4MB; bytes below 1KB."""
    if size_bytes >= 1024 * 1024:
        megabytes = size_bytes / (1024 * 1024)
        return f"{megabytes:.1f}".removesuffix(".0") + "MB"
    if size_bytes >= 1024:
        return f"{size_bytes // 1024}KB"
    return f"{size_bytes} bytes"


_SIZE = re.compile(r"^([1-9][0-9]{0,5})(KB|MB)$")


def parse_size(text: str) -> int | None:
    """ "10MB" or "500KB" in bytes (binary multiples, as file managers count); None for
    anything else."""
    match = _SIZE.match(text)
    if match is None:
        return None
    return int(match.group(1)) * (1024 if match.group(2) == "KB" else 1024 * 1024)
