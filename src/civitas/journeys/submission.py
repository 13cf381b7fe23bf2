"""Sending an application: the one way the pages and the API make a case.

The whole application is checked again as the API receives it (flow.check_submission),
the fee (or the rules' estimate) is worked out, and the case is stored with its audit
event, log entry and email (cases.public.submit_application).

An API client that prefers it is answered as soon as its application is checked and
kept (accept_answers, decision 0037): one row holds it under the reference the client is
given, and a job makes its case from that row (record_accepted_application).
"""

import contextlib
import datetime
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from civitas.cases.public import AcceptedAs, SubmittedFile, submit_application
from civitas.catalogue.public import (
    WAITING_FOR_PAYMENT,
    Service,
    ServiceNotFound,
    file_error,
    get_service_version,
    is_file_question,
)
from civitas.journeys import flow
from civitas.journeys.models import AcceptedApplication
from civitas.journeys.uploads import discard_upload, find_upload, read_upload
from civitas.platform.crypto import DecryptionError
from civitas.platform.health import HealthResult
from civitas.platform.jsontypes import JSONObject, JSONValue
from civitas.platform.references import new_accepted_reference

# Draws of a reference before giving up: a clash is one in about 10**11.
REFERENCE_ATTEMPTS = 3

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """The application was stored as a case."""

    reference: str
    status: str
    fee: flow.Fee | None
    estimate: flow.Estimate | None = None
    awaiting_payment: bool = False
    """The case waits for its fee to be paid (its service takes payments)."""


@dataclass(frozen=True)
class Accepted:
    """The application was checked and kept; its case is made by a job, under this
    reference."""

    reference: str
    fee: flow.Fee | None
    estimate: flow.Estimate | None = None
    status: str = "accepted"


@dataclass(frozen=True)
class AcceptedStatus:
    """An application accepted through the API, and whether its case is made yet."""

    reference: str
    service_slug: str
    accepted_at: datetime.datetime
    recorded: bool


@dataclass(frozen=True)
class NotSubmitted:
    """The answers do not make an application; nothing was stored."""

    errors: dict[str, str]
    """Messages by answer id; "" for the application as a whole (its route ends on an
    exit page)."""
    page_id: str | None
    """The page that asks the first answer in error, if a question's answer is."""


def _fee_and_estimate(
    service: Service, answers: Mapping[str, JSONValue], *, today: datetime.date, language: str
) -> tuple[flow.Fee | None, flow.Estimate | None]:
    """The fee and the estimate, explained in the citizen's language: the language their
    pages were in, or the one an API client says is theirs, whatever the request's own."""
    with translation.override(language):
        return (
            flow.fee_for(service, answers, today=today),
            flow.estimate_for(service, answers, today=today),
        )


def submit_answers(
    service: Service,
    answers: Mapping[str, object],
    *,
    channel: str,
    today: datetime.date,
    language: str = "en",
    files_sent: Mapping[str, str] | None = None,
    api_key: str = "",
    assisted_by: int | None = None,
    account_id: str | None = None,
) -> Submitted | NotSubmitted:
    """Checks a whole application and, if it is complete and valid, stores it as a case.

    `answers` are the answers to the questions by id, as an API client sends them (values
    derived from them are worked out again, never taken as given); `channel` is how it
    came in ("online" for the pages, "api"); `language` the citizen's, which their
    messages are written in. The pages' answers to file questions name the journey's
    uploads; the API's come only from `files_sent`, the token of each file received with
    the request (uploads.receive_sent_files) by its question's id, and a file answer in
    `answers` is refused. `api_key` is the public id of the key that sent it, audited;
    `assisted_by` the member of staff who completed it for a caller (channel "assisted");
    `account_id` the signed-in citizen's account, which the case is joined to.
    """
    if channel not in ("online", "assisted") and files_sent is None:
        files_sent = {}  # only the pages' answers may name a journey's uploads
    if files_sent is not None:
        named = _file_answers_named(service, answers)
        if named:
            return NotSubmitted(errors=named, page_id=None)
        answers = {**answers, **files_sent}
    checked = flow.check_submission(service, answers, today=today)
    if checked.errors:
        return _not_submitted(service, checked.errors)
    files = _files_named(service, checked.answers, files_sent=files_sent)
    if isinstance(files, NotSubmitted):
        return files
    fee, estimate = _fee_and_estimate(service, checked.answers, today=today, language=language)
    # The rules decide once: the fee's decision and the estimate's are the same one.
    decision = fee.decision if fee else (estimate.decision if estimate else None)
    case = submit_application(
        service=service,
        answers=checked.answers,
        fee_pence=fee.pence if fee else None,
        decision=decision,
        estimate=estimate.record() if estimate else None,
        channel=channel,
        files=files,
        language=language,
        api_key=api_key,
        assisted_by=assisted_by,
        account_id=account_id,
    )
    # The case has its own sealed copy now.
    for submitted in files:
        discard_upload(submitted.token)
    return Submitted(
        reference=case.reference,
        status=case.status,
        fee=fee,
        estimate=estimate,
        awaiting_payment=case.status_kind == WAITING_FOR_PAYMENT,
    )


def accept_answers(
    service: Service,
    answers: Mapping[str, object],
    *,
    today: datetime.date,
    language: str,
    api_key: str,
) -> Accepted | NotSubmitted:
    """Checks a whole application sent through the API without files and, if it is
    complete and valid, keeps it to be made a case by a job: one INSERT, committed before
    this returns unless the caller's transaction holds it (docs/decisions/0066).

    The answers, the fee and the estimate are worked out now, as `submit_answers` works
    them out, and kept as they are: the case made later has exactly what the client was
    told. Once the row is committed the workers are nudged (a job that records every
    waiting application); should no job take it, the sweep
    (record_waiting_accepted_applications) makes the case.
    """
    named = _file_answers_named(service, answers)
    if named:
        return NotSubmitted(errors=named, page_id=None)
    checked = flow.check_submission(service, answers, today=today)
    if checked.errors:
        return _not_submitted(service, checked.errors)
    fee, estimate = _fee_and_estimate(service, checked.answers, today=today, language=language)
    decision = fee.decision if fee else (estimate.decision if estimate else None)
    kept: JSONObject = {
        "answers": dict(checked.answers),
        "fee_pence": fee.pence if fee else None,
        "decision": decision,
        "estimate": estimate.record() if estimate else None,
    }
    row = AcceptedApplication(
        organisation_id=service.organisation_id,
        service_slug=service.slug,
        service_version=service.version,
        language=language,
        api_key=api_key,
        answers=kept,
        accepted_at=timezone.now(),
    )
    # The row alone is one statement in its own transaction: no BEGIN, no COMMIT, and on
    # SQLite one turn of the writers' queue instead of a transaction's.
    for attempt in range(REFERENCE_ATTEMPTS):
        row.reference = new_accepted_reference()
        try:
            # In a caller's transaction, a clash must not undo the caller's work: a savepoint.
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                row.save(force_insert=True)
            break
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    transaction.on_commit(_nudge_recorder)
    return Accepted(reference=row.reference, fee=fee, estimate=estimate)


# A web process asks the workers to record what is waiting at most once in this many
# seconds, not once per application: under load one job takes many rows, and putting a job
# on a queue (an INSERT on the database's, 0.3 to 0.5 ms on RQ) was a fifth to a third of
# an accepted submission.
NUDGE_SECONDS = 0.1
_nudged_at = 0.0
_nudge_lock = threading.Lock()


def _nudge_recorder() -> None:
    """After an accepted application commits: queues a job that records every waiting
    application, unless this process queued one within NUDGE_SECONDS (that job, or the
    next, or the sweep, takes this one). Never raises: the application is kept, and the
    sweep records it should the queue not take the job."""
    global _nudged_at
    from civitas.journeys.tasks import record_waiting_applications_task

    with _nudge_lock:
        now = time.monotonic()
        if now - _nudged_at < NUDGE_SECONDS:
            return
        _nudged_at = now
    try:
        record_waiting_applications_task.enqueue()
    except Exception as error:
        logger.warning(
            "accepted applications not nudged (%s); the sweep will record them",
            type(error).__name__,
        )


def record_accepted_application(reference: str) -> bool:
    """Makes the case of an accepted application, in one transaction that marks the row
    recorded and clears its answers; False when there is nothing to do (made already, or
    being made by another worker). Safe to run any number of times, at once too.

    A case that cannot be made for a reason that will not pass (its service version gone,
    its reference taken by a case made before references were split) is held, with its
    answers, and logged for an operator; any other error rolls back, for a later try.
    """
    with transaction.atomic():
        row = (
            AcceptedApplication.objects.select_for_update(skip_locked=True)
            .filter(reference=reference, recorded_at__isnull=True, held_reason="")
            .first()
        )
        if row is None:
            return False
        kept = row.answers
        if not isinstance(kept, dict):
            return _hold(row, "its answers are missing")
        try:
            service = get_service_version(
                row.organisation_id, row.service_slug, row.service_version
            )
        except ServiceNotFound:
            return _hold(row, "its service version is not found")
        try:
            with transaction.atomic():
                submit_application(
                    service=service,
                    answers=_object(kept.get("answers")),
                    fee_pence=_whole(kept.get("fee_pence")),
                    decision=_object_or_none(kept.get("decision")),
                    estimate=_object_or_none(kept.get("estimate")),
                    channel="api",
                    language=row.language,
                    api_key=row.api_key,
                    accepted=AcceptedAs(reference=row.reference, at=row.accepted_at),
                )
        except IntegrityError:
            return _hold(row, "its reference is taken by another case")
        row.recorded_at = timezone.now()
        row.answers = None
        row.save(update_fields=["recorded_at", "answers"])
    return True


def record_waiting_accepted_applications(
    *, waited_seconds: float | None = None, budget_seconds: float = 0.0
) -> int:
    """Makes the case of each accepted application that has waited `waited_seconds`
    (ACCEPTED_APPLICATION_SWEEP_SECONDS unless given), oldest first, 100 at a time, and
    again while any are left and `budget_seconds` is not spent; returns how many it made.

    As the periodic sweep, it records what a lost or failed job left; as the job a web
    process queues (waited_seconds=0), it drains what is waiting. Rows another worker is
    recording are skipped."""
    wait = settings.ACCEPTED_APPLICATION_SWEEP_SECONDS if waited_seconds is None else waited_seconds
    started = time.monotonic()
    made = 0
    while True:
        waited = timezone.now() - datetime.timedelta(seconds=wait)
        waiting = list(
            AcceptedApplication.objects.filter(
                recorded_at__isnull=True, held_reason="", accepted_at__lte=waited
            )
            .order_by("accepted_at")
            .values_list("reference", flat=True)[:100]
        )
        made_now = sum(record_accepted_application(reference) for reference in waiting)
        made += made_now
        if not made_now or time.monotonic() - started >= budget_seconds:
            return made


def find_accepted_application(reference: str, *, organisation_id: int) -> AcceptedStatus | None:
    """The application of the organisation accepted under this (canonical) reference;
    None for none, and for another organisation's."""
    row = (
        AcceptedApplication.objects.filter(reference=reference, organisation_id=organisation_id)
        .values_list("service_slug", "accepted_at", "recorded_at")
        .first()
    )
    if row is None:
        return None
    return AcceptedStatus(
        reference=reference, service_slug=row[0], accepted_at=row[1], recorded=row[2] is not None
    )


def check_accepted_applications() -> HealthResult:
    """The part of /healthz for applications accepted through the API: "delayed" once the
    oldest not yet made a case has waited ACCEPTED_APPLICATION_DELAY_ALERT_SECONDS, "held"
    while any is held for an operator. Both read a partial index."""
    oldest = (
        AcceptedApplication.objects.filter(recorded_at__isnull=True, held_reason="")
        .order_by("accepted_at")
        .values_list("accepted_at", flat=True)
        .first()
    )
    waited = 0 if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    held = (
        AcceptedApplication.objects.filter(recorded_at__isnull=True)
        .exclude(held_reason="")
        .exists()
    )
    status = "held" if held else "ok"
    if waited > settings.ACCEPTED_APPLICATION_DELAY_ALERT_SECONDS:
        status = "delayed"
    return HealthResult(status, {"oldest_waiting_seconds": waited, "held": held})


def _hold(row: AcceptedApplication, reason: str) -> bool:
    logger.error("accepted application %s held: %s", row.reference, reason)
    row.held_reason = reason
    row.save(update_fields=["held_reason"])
    return False


def _object(value: JSONValue) -> JSONObject:
    return value if isinstance(value, dict) else {}


def _object_or_none(value: JSONValue) -> JSONObject | None:
    return value if isinstance(value, dict) else None


def _whole(value: JSONValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _not_submitted(service: Service, errors: dict[str, str]) -> NotSubmitted:
    first = next(iter(errors))
    # An item's answer is named `<group>/<n>/<answer>`: the group's page asks it.
    page = service.page_for_answer(first.split("/")[0])
    return NotSubmitted(errors=errors, page_id=page.id if page else None)


def send_as_part(question_id: str) -> str:
    """The error for a file answer given in the API's answers rather than as a file."""
    return f"Send the file as the multipart part named '{question_id}', not in the answers"


def _file_answers_named(service: Service, answers: Mapping[str, object]) -> dict[str, str]:
    """An error for each file question the API's answers give a value (other than null,
    for none): an id of a file, even a real one, is never taken from a client, so a
    leaked id cannot submit someone else's file."""
    return {
        question.id: send_as_part(question.id)
        for question in service.model.questions
        if is_file_question(question) and answers.get(question.id) is not None
    }


def _files_named(
    service: Service, answers: Mapping[str, object], *, files_sent: Mapping[str, str] | None
) -> list[SubmittedFile] | NotSubmitted:
    """The uploaded files the file answers name, to hand to the case: each must be an
    upload still kept for this service (a journey's files go when it is abandoned), or
    the application is not submitted. Through the API (`files_sent`), only a file
    received with the request is taken."""
    files = []
    for question in service.model.questions:
        token = answers.get(question.id)
        if not is_file_question(question) or token is None:
            continue
        if files_sent is not None and files_sent.get(question.id) != token:
            return NotSubmitted(errors={question.id: send_as_part(question.id)}, page_id=None)
        upload = find_upload(token, service_path=service.path)
        content = None
        if upload is not None:
            try:
                content = read_upload(upload.token)
            except (DecryptionError, FileNotFoundError):
                logger.error("upload %s does not open", upload.token)
        if upload is None or content is None:
            page = service.page_for_answer(question.id)
            return NotSubmitted(
                errors={question.id: file_error(question, "required").message},
                page_id=page.id if page else None,
            )
        files.append(
            SubmittedFile(
                token=upload.token,
                answer_id=question.id,
                file_name=upload.file_name,
                content_type=upload.content_type,
                content=content,
            )
        )
    return files
