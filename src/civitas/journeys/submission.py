"""Sending an application: the one way the pages and the API make a case.

The whole application is checked again as the API receives it (flow.check_submission),
the fee (or the rules' estimate) is worked out, and the case is stored with its audit
event, log entry and email (cases.public.submit_application).
"""

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from civitas.cases.public import SubmittedFile, submit_application
from civitas.catalogue.public import Service, file_error, is_file_question
from civitas.journeys import flow
from civitas.journeys.uploads import discard_upload, find_upload, read_upload
from civitas.platform.crypto import DecryptionError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """The application was stored as a case."""

    reference: str
    status: str
    fee: flow.Fee | None
    estimate: flow.Estimate | None = None


@dataclass(frozen=True)
class NotSubmitted:
    """The answers do not make an application; nothing was stored."""

    errors: dict[str, str]
    """Messages by answer id; "" for the application as a whole (its route ends on an
    exit page)."""
    page_id: str | None
    """The page that asks the first answer in error, if a question's answer is."""


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
        first = next(iter(checked.errors))
        # An item's answer is named `<group>/<n>/<answer>`: the group's page asks it.
        page = service.page_for_answer(first.split("/")[0])
        return NotSubmitted(errors=checked.errors, page_id=page.id if page else None)
    files = _files_named(service, checked.answers, files_sent=files_sent)
    if isinstance(files, NotSubmitted):
        return files
    fee = flow.fee_for(service, checked.answers, today=today)
    estimate = flow.estimate_for(service, checked.answers, today=today)
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
    return Submitted(reference=case.reference, status=case.status, fee=fee, estimate=estimate)


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
