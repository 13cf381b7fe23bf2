"""Files uploaded in a journey: received, checked, sealed, shown, replaced, handed over.

A file is refused, and nothing is kept of it, when it is empty, larger than its question
allows, not of a kind the question accepts by its content (platform.files.kinds), named
with an extension its content does not have, found infected by the virus scanner, or
when the scanner cannot be asked (fail closed). A file that passes is sealed on disk,
bound to its token, with a row (journeys.models.Upload) saying what it is; the answer
is the token. Submission hands the file to the case (submission.py), which seals it
again for itself; the sweep deletes the uploads of journeys nobody submitted. A journey
saved to come back to (saving.py) holds its uploads until the saved journey expires; its
link, once used, gives them back to the restored journey. Files sent through the API
with a whole application go through the same checks (receive_sent_files), and live only
as long as the request.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone

from civitas.catalogue.public import (
    FieldError,
    Question,
    Service,
    accepted_kinds,
    file_error,
    is_file_question,
    max_size_bytes,
)
from civitas.journeys.models import SavedJourney, Upload
from civitas.platform.crypto import file_binding
from civitas.platform.files.checks import check_uploaded_file
from civitas.platform.files.kinds import (
    FILE_KINDS,
    FILE_TOKEN,
    describe_size,
)
from civitas.platform.files.store import (
    delete_sealed_file,
    new_file_token,
    read_sealed_file,
    reseal_sealed_file,
    write_sealed_file,
)

logger = logging.getLogger(__name__)

FOLDER = "journeys"


@dataclass(frozen=True)
class UploadSummary:
    """What is shown of an upload: never the file."""

    token: str
    question_id: str
    file_name: str
    """Made safe to show and to offer as a download's name (kinds.safe_file_name)."""
    kind: str
    size_bytes: int

    @property
    def content_type(self) -> str:
        return FILE_KINDS[self.kind].content_type

    @property
    def description(self) -> str:
        """ "passport.pdf, 1.2MB", as check answers shows it."""
        return f"{self.file_name}, {describe_size(self.size_bytes)}"


def _binding(token: str) -> bytes:
    return file_binding(kind="journey upload", identity=token)


def receive_upload(
    *, service_path: str, question: Question, uploaded: UploadedFile | None
) -> UploadSummary | FieldError:
    """Checks a file posted for `question` and keeps it sealed, or says why not.

    Returns the new upload's summary (its token is the answer), or the field error to
    show; a refused file leaves nothing behind.
    """
    checked = check_uploaded_file(
        uploaded, accepted=accepted_kinds(question), max_bytes=max_size_bytes(question)
    )
    if isinstance(checked, str):
        return file_error(question, checked)
    content, kind = checked.content, checked.kind
    token = new_file_token()
    write_sealed_file(FOLDER, token, content, binding=_binding(token))
    try:
        upload = Upload.objects.create(
            token=token,
            service_path=service_path,
            question_id=question.id,
            file_name=checked.file_name,
            kind=kind.name,
            size_bytes=len(content),
            created_at=timezone.now(),
        )
    except BaseException:
        delete_sealed_file(FOLDER, token)
        raise
    return _summary(upload)


ONE_FILE_ONLY = "Send one file for this question"


@dataclass(frozen=True)
class SentFiles:
    """The files an API client sent with an application: all kept, or none."""

    tokens: dict[str, str]
    """The token of the file kept for each file question, by its id."""
    errors: dict[str, str]
    """Why each refused file was refused, by its question's id; none is kept then."""


def receive_sent_files(
    *, service: Service, sent: Mapping[str, Sequence[UploadedFile]]
) -> SentFiles:
    """Checks and keeps the files sent through the API with an application, by the file
    question each is for, exactly as a page's upload is (receive_upload): size, kind by
    content, virus scan, sealed at rest. More than one file for a question is refused.

    All or nothing: when any file is refused, those already kept are deleted again. The
    caller deletes the kept ones (discard_upload) once the application is stored or
    refused; a name in `sent` that is not a file question of `service` is a ValueError.
    """
    questions = {question.id: question for question in service.model.questions}
    tokens: dict[str, str] = {}
    errors: dict[str, str] = {}
    try:
        for question_id, files in sent.items():
            question = questions.get(question_id)
            if question is None or not is_file_question(question):
                raise ValueError(f"{question_id!r} is not a file question of {service.path}")
            if len(files) != 1:
                errors[question_id] = ONE_FILE_ONLY
                continue
            received = receive_upload(
                service_path=service.path, question=question, uploaded=files[0]
            )
            if isinstance(received, FieldError):
                errors[question_id] = received.message
            else:
                tokens[question_id] = received.token
    except BaseException:
        for token in tokens.values():
            discard_upload(token)
        raise
    if errors:
        for token in tokens.values():
            discard_upload(token)
        return SentFiles(tokens={}, errors=errors)
    return SentFiles(tokens=tokens, errors={})


def _summary(upload: Upload) -> UploadSummary:
    return UploadSummary(
        token=upload.token,
        question_id=upload.question_id,
        file_name=upload.file_name,
        kind=upload.kind,
        size_bytes=upload.size_bytes,
    )


def find_upload(token: object, *, service_path: str) -> UploadSummary | None:
    """The upload with this token made in a journey of this service, if it is still kept."""
    if not isinstance(token, str) or not FILE_TOKEN.fullmatch(token):
        return None
    upload = Upload.objects.filter(token=token, service_path=service_path).first()
    return None if upload is None else _summary(upload)


def read_upload(token: str) -> bytes:
    """The upload's bytes. DecryptionError if the file on disk was swapped or altered."""
    return read_sealed_file(FOLDER, token, binding=_binding(token))


def discard_upload(token: str) -> None:
    """Deletes an upload (replaced by another, or handed to its case) and its file."""
    if not FILE_TOKEN.fullmatch(token):
        return
    # The row first: a file without a row is never shown or handed on, and the sweep of
    # abandoned uploads cannot find it either, so the file goes straight after.
    Upload.objects.filter(token=token).delete()
    delete_sealed_file(FOLDER, token)


def hold_uploads(*, saved: SavedJourney, service_path: str, answers: Mapping[str, Any]) -> int:
    """Keeps the uploads the answers name (made in a journey of this service) for the
    saved journey, until it expires, however long the sweep would otherwise wait.
    Returns how many are held."""
    tokens = [
        value
        for value in answers.values()
        if isinstance(value, str) and FILE_TOKEN.fullmatch(value)
    ]
    if not tokens:
        return 0
    return Upload.objects.filter(token__in=tokens, service_path=service_path).update(
        saved_journey=saved, held_until=saved.expires_at
    )


def release_uploads(saved: SavedJourney, *, now: datetime.datetime | None = None) -> int:
    """Gives the uploads a saved journey holds back to the journey restored from it: the
    sweep counts UPLOAD_ABANDONED_AFTER_SECONDS again from now. Returns how many."""
    until = (now or timezone.now()) + datetime.timedelta(
        seconds=settings.UPLOAD_ABANDONED_AFTER_SECONDS
    )
    return Upload.objects.filter(saved_journey=saved).update(saved_journey=None, held_until=until)


def discard_held_uploads(saved_ids: Iterable[Any]) -> int:
    """Deletes the uploads held by these saved journeys (deleted, or expired) and their
    files. Returns how many."""
    tokens = list(
        Upload.objects.filter(saved_journey__in=list(saved_ids)).values_list("token", flat=True)
    )
    for token in tokens:
        discard_upload(token)
    return len(tokens)


def delete_abandoned_uploads(*, now: datetime.datetime | None = None) -> int:
    """Deletes the uploads of journeys nobody submitted in time (a periodic job): older
    than UPLOAD_ABANDONED_AFTER_SECONDS, when the session that held the answer has ended,
    or, for an upload held by a saved journey or given back by one, past its held_until.
    Safe to run in several workers at once. Returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.UPLOAD_ABANDONED_AFTER_SECONDS)
    tokens = list(
        Upload.objects.filter(
            Q(held_until__isnull=True, created_at__lt=cutoff) | Q(held_until__lte=now)
        ).values_list("token", flat=True)[:500]
    )
    for token in tokens:
        Upload.objects.filter(token=token).delete()
        delete_sealed_file(FOLDER, token)
    return len(tokens)


def reseal_uploads(cursor: str, limit: int) -> tuple[str, int]:
    """Key rotation: seals the uploads not yet submitted after `cursor` (an Upload id)
    again under the current key; returns the next cursor ("" when done) and how many
    files changed."""
    uploads = Upload.objects.only("pk", "token")
    if cursor:
        uploads = uploads.filter(pk__gt=int(cursor))
    batch = list(uploads.order_by("pk")[:limit])
    changed = sum(
        reseal_sealed_file(FOLDER, upload.token, binding=_binding(upload.token)) for upload in batch
    )
    return (str(batch[-1].pk) if len(batch) == limit else ""), changed


def uploads_left(cursor: str) -> int:
    """How many uploads a rotation at `cursor` has still to look at."""
    return Upload.objects.filter(pk__gt=int(cursor or 0)).count()
