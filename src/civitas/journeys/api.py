"""The services as an API: read a definition, submit a whole application at once.

Errors are RFC 9457 problem documents. Reading definitions is open to anyone; submitting
takes an API key of the service's organisation with the `submit` scope (docs/decisions/
0025), checked before the body is read. An application is JSON, or multipart/form-data
when it carries files (docs/decisions/0028): its JSON in the part `application`, and one
file part for each file question, named by the question's id. Each file is checked as a
page's upload is (journeys.uploads), and lives only as long as the request.

A submission is answered 201 Created with its case. A client that sends `Prefer:
respond-async` (RFC 7240) with an application without files is answered 202 Accepted as
soon as the application is checked and kept, with its reference and fee; the case is
made moments later, and the status endpoint says so (docs/decisions/0037).

Neither needs a CSRF token. A cross-site HTML form can post multipart/form-data (not
`application/json`), but it cannot send an `Authorization` header, and without the API
key in it nothing is read or stored; the browser never holds a key to attach, as the API
uses no cookie.
"""

import contextlib
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from civitas.cases.public import (
    absolute_pay_url,
    discard_unstored_case_files,
    find_case_status,
)
from civitas.catalogue.public import (
    LANGUAGES,
    Service,
    ServiceNotFound,
    get_live_service,
    in_language,
    is_file_question,
    list_live_services,
    max_size_bytes,
)
from civitas.identity.public import ApiKeyRef, ApiRequest, api_key_required
from civitas.journeys.idempotency import (
    Replay,
    SentFileDigest,
    find_replay,
    is_valid_key,
    remember,
    request_fingerprint,
)
from civitas.journeys.submission import (
    Accepted,
    NotSubmitted,
    Submitted,
    accept_answers,
    find_accepted_application,
    submit_answers,
)
from civitas.journeys.uploads import discard_upload, receive_sent_files
from civitas.platform.files.kinds import describe_size
from civitas.platform.input_guards import JSONTooDeep, parse_json
from civitas.platform.jsontypes import JSONObject
from civitas.platform.middleware import bounds_its_own_body
from civitas.platform.problems import problem_response
from civitas.platform.references import is_accepted_reference, normalise_reference
from civitas.platform.security_log import security_event

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
"""The largest application JSON: the whole body, or the application part of multipart."""
PART_OVERHEAD_BYTES = 4 * 1024
"""Room for each multipart part's boundary and headers, its file name among them."""
APPLICATION_PART = "application"
"""The multipart part holding the application's JSON; each other part is a file."""
SEND_A_FILE = "Send a file for this question, as a part with a file name"


def _live_service(organisation: str, slug: str) -> Service | None:
    try:
        return get_live_service(organisation, slug)
    except ServiceNotFound:
        return None


def _service_not_found(organisation: str, slug: str) -> JsonResponse:
    return problem_response(
        status=404,
        title="Service not found",
        problem_type="not-found",
        detail=f"There is no live service '{slug}' of organisation '{organisation}'.",
    )


def _forbidden(key: ApiKeyRef, action: str, service: Service) -> JsonResponse | None:
    """A 403 problem unless the key is of the service's organisation and may `action` it."""
    if key.organisation.slug == service.organisation and key.allows(action, service.slug):
        return None
    security_event("access.refused", reason="api_key_scope", api_key=key.public_id, action=action)
    return problem_response(
        status=403,
        title="Not allowed with this key",
        problem_type="forbidden",
        detail=f"This key may not {action} to '{service.slug}' of '{service.organisation}'.",
    )


@require_GET
def list_services(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "services": [
                {
                    "organisation": v.organisation.slug,
                    "organisation_name": v.organisation.name,
                    "slug": v.slug,
                    "version": v.version,
                    "title": v.title,
                    "href": f"/api/v1/services/{v.organisation.slug}/{v.slug}",
                }
                for v in list_live_services()
            ]
        }
    )


@require_GET
def service_detail(request: HttpRequest, organisation: str, slug: str) -> JsonResponse:
    service = _live_service(organisation, slug)
    if service is None:
        return _service_not_found(organisation, slug)
    # The definition as published, without what the catalogue embeds (data tables, rules).
    definition = {k: v for k, v in service.definition.items() if not k.startswith("_")}
    return JsonResponse(
        {
            "organisation": service.organisation,
            "organisation_name": service.organisation_name,
            "slug": service.slug,
            "version": service.version,
            "sha256": service.sha256,
            "definition": definition,
            "answers_schema": service.model.answers_schema(),
        }
    )


@bounds_its_own_body
@csrf_exempt
@require_POST
@api_key_required
def submit(request: ApiRequest, organisation: str, slug: str) -> JsonResponse:
    key = request.api_key
    service = _live_service(organisation, slug)
    if service is None:
        return _service_not_found(organisation, slug)
    if forbidden := _forbidden(key, "submit", service):
        return forbidden
    sent = _read_application(request, service)
    if isinstance(sent, JsonResponse):
        return sent
    idempotency_key = request.headers.get("Idempotency-Key")
    fingerprint = ""  # of the request, only needed to answer a key again
    if idempotency_key is not None:
        if not is_valid_key(idempotency_key):
            return problem_response(
                status=400,
                title="Invalid Idempotency-Key",
                problem_type="invalid-idempotency-key",
                detail="An Idempotency-Key is 1 to 255 printable ASCII characters, "
                "for example a UUID.",
            )
        fingerprint = request_fingerprint(sent.body, _digests(sent.files))
        replay = find_replay(api_key_id=key.id, key=idempotency_key, fingerprint=fingerprint)
        if replay is not None:
            return _replayed(replay)
    try:
        body = parse_json(sent.body)
    except JSONTooDeep as error:
        return problem_response(
            status=400,
            title="JSON nested too deeply",
            problem_type="json-too-deep",
            detail=f"An application is a flat document: {error}.",
        )
    except (ValueError, UnicodeDecodeError):
        return problem_response(
            status=400,
            title="Malformed JSON",
            problem_type="malformed-json",
            detail="The application is not valid JSON.",
        )
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return problem_response(
            status=400,
            title="Missing answers",
            problem_type="invalid-body",
            detail="Send an object with 'version', 'answers' and 'declaration'.",
        )
    # bool is a kind of int in Python, and 1.0 == 1: neither is a version number.
    if type(body.get("version")) is not int:
        return problem_response(
            status=400,
            title="Invalid version",
            problem_type="invalid-body",
            detail="Set 'version' to the number of the live version of the service.",
            errors=[{"detail": "must be a whole number", "pointer": "#/version"}],
        )
    if body["version"] != service.version:
        return problem_response(
            status=409,
            title="Service version is not live",
            problem_type="version-not-live",
            detail=f"The live version of '{slug}' is {service.version}.",
            live_version=service.version,
        )
    language = body.get("language", "en")
    if language not in LANGUAGES:
        return problem_response(
            status=400,
            title="Invalid language",
            problem_type="invalid-body",
            detail="Set 'language' to the applicant's language, which their messages are "
            f"written in: one of {', '.join(LANGUAGES)}.",
            errors=[{"detail": f"must be one of {', '.join(LANGUAGES)}", "pointer": "#/language"}],
        )
    if body.get("declaration") is not True:
        return problem_response(
            status=422,
            title="Declaration not accepted",
            problem_type="declaration-required",
            detail="Set 'declaration' to true to confirm the answers are correct.",
        )
    if not sent.files and _prefers_async(request):
        return _store(
            service,
            body["answers"],
            files={},
            language=str(language),
            key=key,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            later=True,
        )
    files = receive_sent_files(service=service, sent=sent.files)
    try:
        if files.errors:
            return _invalid_answers(files.errors)
        return _store(
            service,
            body["answers"],
            files=files.tokens,
            language=str(language),
            key=key,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
        )
    finally:
        _discard_request_files(list(files.tokens.values()))


def _discard_request_files(tokens: list[str]) -> None:
    """The files of a request live only as long as it: the case, if one was stored, has
    its own copies; if none was, whatever was written for it goes too."""
    if not tokens:
        return  # most applications carry no file: not even a query to build
    try:
        for token in tokens:
            discard_upload(token)
        discard_unstored_case_files(tokens)
    except DatabaseError:
        # Never hide the error the request failed with; the sweep takes the uploads.
        logger.exception("the files of a failed API submission could not all be deleted")


def _store(
    service: Service,
    answers: JSONObject,
    *,
    files: dict[str, str],
    language: str,
    key: ApiKeyRef,
    idempotency_key: str | None,
    fingerprint: str,
    later: bool = False,
) -> JsonResponse:
    """Stores the application as a case (a 201), or, `later`, keeps it for its case to be
    made by a job (a 202); or says why not (a 422)."""
    # The case and the record of its response commit together: a second request with the
    # same key, racing this one, fails on the key and makes no case. Without a key or
    # files there is nothing to commit beside the case, which is its own transaction: an
    # outer one would only add a savepoint, two round trips (docs/decisions/0034).
    together = idempotency_key is not None or bool(files)
    status_code = 202 if later else 201
    try:
        with transaction.atomic() if together else contextlib.nullcontext():
            result: Submitted | Accepted | NotSubmitted
            if later:
                result = accept_answers(
                    service,
                    answers,
                    today=timezone.localdate(),
                    language=language,
                    api_key=key.public_id,
                )
            else:
                result = submit_answers(
                    service,
                    answers,
                    channel="api",
                    today=timezone.localdate(),
                    language=language,
                    files_sent=files,
                    api_key=key.public_id,
                )
            if isinstance(result, NotSubmitted):
                return _invalid_answers(result.errors)
            response = _submitted(result, service, language=str(language))
            if idempotency_key is not None:
                remember(
                    api_key_id=key.id,
                    key=idempotency_key,
                    fingerprint=fingerprint,
                    response=response,
                    status_code=status_code,
                )
    except IntegrityError:
        replay = (
            find_replay(api_key_id=key.id, key=idempotency_key, fingerprint=fingerprint)
            if idempotency_key is not None
            else None
        )
        if replay is None:
            raise
        return _replayed(replay)
    return _answered(response, status_code)


def _answered(body: JSONObject, status_code: int) -> JsonResponse:
    """The response to a submission: 201 with the case, or 202 with the application
    accepted, which says where its status is and that the preference was applied."""
    response = JsonResponse(body, status=status_code)
    if status_code == 202:
        response["Location"] = f"/api/v1/applications/{body['reference']}"
        response["Preference-Applied"] = "respond-async"
    return response


def _prefers_async(request: HttpRequest) -> bool:
    """Whether the request's `Prefer` header (RFC 7240) asks for `respond-async`: its
    preferences are separated by commas, each a token with optional `=value` and
    `;`-separated parameters; names are case-insensitive."""
    header = request.headers.get("Prefer", "")
    return any(
        preference.split(";")[0].split("=")[0].strip().lower() == "respond-async"
        for preference in header.split(",")
    )


def _invalid_answers(errors: Mapping[str, str]) -> JsonResponse:
    return problem_response(
        status=422,
        title="Invalid answers",
        problem_type="invalid-answers",
        detail="Some answers are missing or not valid.",
        errors=answer_errors(errors),
    )


@dataclass(frozen=True)
class _SentApplication:
    """What a submission carries: the application's JSON, and the files sent beside it
    (multipart) by the file question each part names."""

    body: bytes
    files: dict[str, list[UploadedFile]]


def max_multipart_bytes(service: Service) -> int:
    """The largest multipart submission `service` takes: the application's JSON and the
    largest file of each of its file questions, with room for each part's boundary and
    headers. Bounded by the service's own limits, so never more than UPLOAD_MAX_BYTES for
    each file question it has."""
    sizes = [max_size_bytes(q) for q in service.model.questions if is_file_question(q)]
    return MAX_BODY_BYTES + sum(sizes) + PART_OVERHEAD_BYTES * (len(sizes) + 1)


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _too_large(limit_bytes: int) -> JsonResponse:
    return problem_response(
        status=413,
        title="Application too large",
        problem_type="request-too-large",
        detail=f"A submission to this service must be smaller than {describe_size(limit_bytes)}.",
    )


def _read_application(request: HttpRequest, service: Service) -> _SentApplication | JsonResponse:
    """The application as sent, JSON alone or multipart with its files; a problem when
    it is too large (by its declared length, before any of it is read), malformed, or
    of another type."""
    if request.content_type == "application/json":
        if _declared_length(request) > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
            return _too_large(MAX_BODY_BYTES)
        return _SentApplication(body=request.body, files={})
    if request.content_type == "multipart/form-data":
        return _read_multipart(request, service)
    return problem_response(
        status=415,
        title="Unsupported media type",
        detail="Send the application as application/json, or as multipart/form-data with "
        f"its files: a part named '{APPLICATION_PART}' holding the JSON and a file part "
        "for each file question, named by its id.",
    )


def _read_multipart(request: HttpRequest, service: Service) -> _SentApplication | JsonResponse:
    limit = max_multipart_bytes(service)
    if _declared_length(request) > limit:
        return _too_large(limit)
    try:
        fields, files = request.POST, request.FILES
    except RequestDataTooBig:
        return _too_large(limit)
    except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError):
        return problem_response(
            status=400,
            title="Malformed multipart body",
            problem_type="malformed-multipart",
            detail="The request body is not multipart/form-data as its Content-Type says.",
        )
    file_questions = [q.id for q in service.model.questions if is_file_question(q)]
    unknown = sorted({*fields, *files} - {APPLICATION_PART, *file_questions})
    if unknown:
        expected = ", ".join(f"'{name}'" for name in (APPLICATION_PART, *file_questions))
        return problem_response(
            status=400,
            title="Unknown part",
            problem_type="unknown-part",
            detail=f"The part named {unknown[0][:64]!a} is not one this service takes: "
            f"the parts are {expected}.",
        )
    if not_files := [name for name in file_questions if name in fields]:
        return _invalid_answers({name: SEND_A_FILE for name in not_files})
    sent: list[str | UploadedFile] = [
        *fields.getlist(APPLICATION_PART),
        *files.getlist(APPLICATION_PART),
    ]
    if len(sent) != 1:
        return problem_response(
            status=400,
            title="Missing application",
            problem_type="invalid-body",
            detail=f"Send the application's JSON as one part named '{APPLICATION_PART}'.",
        )
    [application] = sent
    if isinstance(application, str):
        body = application.encode("utf-8", "surrogatepass")
    else:
        body = application.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _too_large(MAX_BODY_BYTES)
    return _SentApplication(
        body=body,
        files={name: files.getlist(name) for name in files if name != APPLICATION_PART},
    )


def _digests(files: Mapping[str, list[UploadedFile]]) -> list[SentFileDigest]:
    """Each file's part, name and content hash, for the request's fingerprint."""
    digests = []
    for part, uploaded in files.items():
        for file in uploaded:
            content = hashlib.sha256()
            for chunk in file.chunks():
                content.update(chunk)
            file.seek(0)  # to be read again when it is checked
            digests.append(SentFileDigest(part, file.name or "", content.hexdigest()))
    return digests


def _submitted(result: Submitted | Accepted, service: Service, *, language: str) -> JSONObject:
    fee = result.fee
    body: JSONObject = {
        "reference": result.reference,
        "status": result.status,
        "fee_pence": fee.pence if fee else None,
        "service_version": service.version,
    }
    if fee and fee.decided_on:
        # How the fee was worked out, in the words the citizen's pages use, and the exact
        # rules (by content hash) and date that decided it.
        body["fee_explanation"] = list(fee.explanation)
        body["fee_rules"] = {
            "name": fee.rules_name,
            "version": fee.rules_version,
            "sha256": fee.rules_sha256,
            "on": fee.decided_on.isoformat(),
        }
    if service.model.payment is not None and fee is not None and fee.pence > 0:
        # The fee is paid online: the amount due and the page the applicant pays it on
        # (its link works from anywhere: an email, the client's own pages).
        body["payment"] = {
            "amount_due_pence": fee.pence,
            "status": "waiting-for-payment",
            "pay_url": absolute_pay_url(service, result.reference),
        }
    estimate = result.estimate
    if estimate is not None:
        # What the rules estimate the applicant will get, explained as on check answers.
        body["estimate"] = {
            "variable": estimate.variable,
            "pence": estimate.pence,
            # In the applicant's language, as their messages are.
            "label": in_language(estimate.label, language),
            "explanation": list(estimate.explanation),
            "rules": {
                "name": estimate.rules_name,
                "version": estimate.rules_version,
                "sha256": estimate.rules_sha256,
                "on": estimate.decided_on.isoformat(),
            },
        }
    return body


def _replayed(replay: Replay) -> JsonResponse:
    """The first response to a request sent again with its Idempotency-Key; a different
    request under a key already used is refused."""
    if not replay.same_request:
        return problem_response(
            status=422,
            title="Idempotency-Key already used",
            problem_type="idempotency-key-reused",
            detail="This Idempotency-Key was sent with a different application. Use a new "
            "key for each application, and the same key only to send one again.",
        )
    response = _answered(replay.response, replay.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


@require_GET
@api_key_required
def application_status(request: ApiRequest, reference: str) -> JsonResponse:
    """Where an application of the key's organisation stands. Another organisation's
    reference, or one of a service the key may not read, is as unknown as a made-up one."""
    key = request.api_key
    if not any(scope.partition(":")[0] == "read" for scope in key.scopes):
        security_event("access.refused", reason="api_key_scope", api_key=key.public_id)
        return problem_response(
            status=403,
            title="Not allowed with this key",
            problem_type="forbidden",
            detail="This key may not read applications.",
        )
    canonical = normalise_reference(reference) if len(reference) <= 32 else None
    if canonical is not None and is_accepted_reference(canonical):
        # Read before the case: a row not yet recorded then has no case yet; read after,
        # a case made in between would be missed.
        accepted = find_accepted_application(canonical, organisation_id=key.organisation.id)
        if accepted is not None and not accepted.recorded:
            if not key.allows("read", accepted.service_slug):
                security_event("access.refused", reason="not_found", api_key=key.public_id)
                return _application_not_found()
            return JsonResponse(
                {
                    "reference": accepted.reference,
                    "status": "accepted",
                    "status_label": ACCEPTED_LABEL,
                    "organisation": key.organisation.slug,
                    "service": accepted.service_slug,
                    "submitted_at": accepted.accepted_at.isoformat(),
                }
            )
    case = find_case_status(canonical, organisation_id=key.organisation.id) if canonical else None
    if case is None or not key.allows("read", case.service_slug):
        # Another organisation's reference looks exactly like this: recorded, by the key.
        security_event("access.refused", reason="not_found", api_key=key.public_id)
        return _application_not_found()
    return JsonResponse(
        {
            "reference": case.reference,
            "status": case.status,
            "status_label": case.status_label,
            "organisation": key.organisation.slug,
            "service": case.service_slug,
            "submitted_at": case.submitted_at.isoformat(),
        }
    )


# The status of an application accepted whose case is not made yet, as the workflow's
# states are labelled: by language.
ACCEPTED_LABEL = {"en": "Accepted, being recorded", "cy": "Derbyniwyd, wrthi'n cael ei gofnodi"}


def _application_not_found() -> JsonResponse:
    return problem_response(
        status=404,
        title="Application not found",
        problem_type="not-found",
        detail="There is no application with this reference that this key may read.",
    )


def answer_errors(errors: Mapping[str, str]) -> list[dict[str, str]]:
    """Each error of the answers with the JSON Pointer (RFC 6901) to what it is about in
    the body, as RFC 9457's `errors` lists them: `#/answers/email`; `#/answers` for the
    application as a whole; `#/answers/neighbours/0/neighbour_name` for an item of a
    repeating group, named `neighbours/1/neighbour_name` (items count from 1 on pages)."""
    listed = []
    for name, detail in errors.items():
        parts = [str(int(part) - 1) if part.isdigit() else part for part in name.split("/") if part]
        escaped = [part.replace("~", "~0") for part in ("answers", *parts)]
        listed.append({"detail": detail, "pointer": "#/" + "/".join(escaped)})
    return listed
