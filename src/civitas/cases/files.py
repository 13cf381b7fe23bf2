"""The files of a case: kept sealed when the application is stored, read by staff.

A file comes with the application (SubmittedFile, from the journey that received and
checked it) and is sealed again for the case, bound to the case's reference and the
file's token: the journey's copy opens only as the journey's. Staff read a file only
through their organisation's case, and every read is audited (CaseFileDownloaded).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction

from civitas.cases.events import CaseFileDownloaded
from civitas.cases.models import Case, CaseFile, CaseMessage
from civitas.identity.public import StaffContext
from civitas.platform.crypto import file_binding
from civitas.platform.events import publish
from civitas.platform.files.store import (
    delete_sealed_file,
    read_sealed_file,
    reseal_sealed_file,
    write_sealed_file,
)

FOLDER = "cases"


@dataclass(frozen=True)
class SubmittedFile:
    """A checked, scanned file that an answer names, handed over with the application."""

    token: str
    answer_id: str
    file_name: str
    content_type: str
    content: bytes = field(repr=False)


class CaseFileNotFound(LookupError):
    """No such file on a case of the acting organisation (or no such case)."""


def _binding(reference: str, token: str) -> bytes:
    return file_binding(kind="case file", identity=f"{reference}/{token}")


def store_case_files(
    case: Case, files: Sequence[SubmittedFile], *, message: CaseMessage | None = None
) -> None:
    """Seals and records the files of a case being stored (or of the applicant's reply
    `message`), inside its transaction.

    The files are written first; if anything fails before the rows are in, the files
    written are removed again, so a refused submission leaves no file behind."""
    written: list[str] = []
    try:
        for submitted in files:
            write_sealed_file(
                FOLDER,
                submitted.token,
                submitted.content,
                binding=_binding(case.reference, submitted.token),
            )
            written.append(submitted.token)
            CaseFile.objects.create(
                token=submitted.token,
                case=case,
                answer_id=submitted.answer_id,
                file_name=submitted.file_name,
                content_type=submitted.content_type,
                size_bytes=len(submitted.content),
                message=message,
            )
    except BaseException:
        for token in written:
            delete_sealed_file(FOLDER, token)
        raise


def discard_unstored_case_files(tokens: Iterable[str]) -> None:
    """Deletes the sealed files written for a case whose transaction then rolled back (a
    handler of its event failed, or the caller's own transaction did): a file whose row is
    not in the database is no case's. Call it once the transaction that wrote them has
    ended; a file whose case was stored is left alone."""
    tokens = list(tokens)
    stored = set(CaseFile.objects.filter(token__in=tokens).values_list("token", flat=True))
    for token in tokens:
        if token not in stored:
            delete_sealed_file(FOLDER, token)


def list_case_files(case: Case) -> dict[str, CaseFile]:
    """The case's files by token."""
    return {file.token: file for file in CaseFile.objects.filter(case=case)}


def read_case_file(
    *, case: Case, token: str, staff: StaffContext, sensitive_ids: Collection[str] = ()
) -> tuple[CaseFile, bytes]:
    """A file of the case and its bytes, for a member of staff of the case's organisation.

    The read is audited before the bytes are returned. CaseFileNotFound for a file that
    is not this case's, or a case of another organisation; PermissionDenied for the file
    of a sensitive question (`sensitive_ids`) to a role that may not see sensitive
    answers; DecryptionError when the file on disk was swapped or altered."""
    if case.organisation_id != staff.organisation.id:
        raise CaseFileNotFound(token)
    case_file = CaseFile.objects.filter(case=case, token=token).first()
    if case_file is None:
        raise CaseFileNotFound(token)
    if case_file.answer_id in sensitive_ids and not staff.can("cases.sensitive"):
        raise PermissionDenied("cases.sensitive")
    content = read_sealed_file(FOLDER, token, binding=_binding(case.reference, token))
    with transaction.atomic():
        publish(
            CaseFileDownloaded(
                reference=case.reference,
                token=token,
                organisation=staff.organisation.slug,
                staff_user_id=str(staff.user.pk),
            )
        )
    return case_file, content


def reseal_case_files(cursor: str, limit: int) -> tuple[str, int]:
    """Key rotation: seals the case files after `cursor` (a CaseFile id) again under the
    current key, `limit` at a time; returns the next cursor ("" when done) and how many
    files changed. A file already under the current key is left as it is."""
    files = CaseFile.objects.select_related("case").only("pk", "token", "case__reference")
    if cursor:
        files = files.filter(pk__gt=int(cursor))
    batch = list(files.order_by("pk")[:limit])
    changed = sum(
        reseal_sealed_file(FOLDER, found.token, binding=_binding(found.case.reference, found.token))
        for found in batch
    )
    return (str(batch[-1].pk) if len(batch) == limit else ""), changed


def case_files_left(cursor: str) -> int:
    """How many case files a rotation at `cursor` has still to look at."""
    return CaseFile.objects.filter(pk__gt=int(cursor or 0)).count()
