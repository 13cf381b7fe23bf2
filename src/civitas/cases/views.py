import logging
from collections.abc import Mapping

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civitas.cases.computed import case_computed_display
from civitas.cases.files import CaseFileNotFound, list_case_files, read_case_file
from civitas.cases.models import Case, CaseFile
from civitas.cases.queries import find_case, find_case_status, list_cases
from civitas.cases.search import MAX_QUERY_LENGTH, search_cases
from civitas.cases.services import (
    CaseNotFound,
    DecisionInvalid,
    DecisionNotLogged,
    case_subject,
    decide_case,
    record_personal_data_view,
)
from civitas.cases.workflow import Outcome, Status, TransitionNotAllowed
from civitas.catalogue.public import Service, get_service_version
from civitas.identity.public import StaffRequest, has_permission, staff_member_required
from civitas.ledger.public import LedgerUnavailable, list_entries_about
from civitas.notify.public import list_messages_about
from civitas.platform.audit import list_audit_events
from civitas.platform.crypto import DecryptionError
from civitas.platform.files.kinds import describe_size
from civitas.platform.jsontypes import JSONValue
from civitas.platform.references import normalise_reference

logger = logging.getLogger(__name__)


@require_GET
@staff_member_required("cases.view")
def case_list(request: StaffRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in (None, *[s.value for s in Status]):
        status = None
    page = list_cases(
        organisation_id=request.staff.organisation.id,
        status=status,
        cursor=request.GET.get("after"),
    )
    return render(
        request,
        "cases/list.html",
        {"page": page, "status": status, "statuses": [s.value for s in Status]},
    )


@require_GET
@staff_member_required("cases.view")
def case_search(request: StaffRequest) -> HttpResponse:
    """Finds cases by reference, or by the email address, postcode or name in them."""
    text = request.GET.get("q", "")[: MAX_QUERY_LENGTH + 1]
    error = ""
    page = None
    if text.strip():
        reference = normalise_reference(text)
        if reference is not None:
            found = find_case_status(reference, organisation_id=request.staff.organisation.id)
            if found is not None:
                return redirect(f"/staff/cases/{found.reference}/")
        if len(text) > MAX_QUERY_LENGTH:
            error = _("Search must be %(count)s characters or fewer") % {"count": MAX_QUERY_LENGTH}
        else:
            page = search_cases(text=text, staff=request.staff, cursor=request.GET.get("after"))
            if page is None:
                error = _("Enter a reference, an email address, a postcode or a name")
    elif "q" in request.GET:
        error = _("Enter a reference, an email address, a postcode or a name")
    return render(
        request,
        "cases/search.html",
        {"text": text, "page": page, "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_member_required("cases.view")
def case_detail(request: StaffRequest, reference: str) -> HttpResponse:
    staff = request.staff
    # Another organisation's case is "not found", exactly as a reference that does not exist.
    case = find_case(reference, organisation_id=staff.organisation.id)
    if case is None:
        raise Http404("no such case")
    errors: dict[str, str] = {}
    outcome_value = request.POST.get("outcome", "")
    reason = request.POST.get("reason", "")
    if request.method == "POST":
        if not has_permission(staff, "cases.decide"):
            return render(request, "platform/403.html", status=403)
        try:
            outcome = Outcome(outcome_value)
        except ValueError:
            errors["outcome"] = "Select whether to approve or refuse the application"
        else:
            try:
                decide_case(reference=case.reference, outcome=outcome, reason=reason, staff=staff)
            except CaseNotFound:
                raise Http404("no such case") from None
            except DecisionNotLogged as error:
                errors["outcome"] = str(error)
            except DecisionInvalid as error:
                errors["reason"] = str(error)
            except TransitionNotAllowed as error:
                errors["outcome"] = str(error)
            else:
                return redirect(f"/staff/cases/{case.reference}/")
    # Looking at a person's answers is itself recorded, publicly: no record, no answers.
    try:
        record_personal_data_view(case=case, staff=staff)
    except LedgerUnavailable:
        answers_hidden = True
    else:
        answers_hidden = False
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    rows = [] if answers_hidden else _answer_rows(service, case.answers)
    if not answers_hidden:
        _link_files(rows, service, case.answers, list_case_files(case), case.reference)
        rows.extend(_computed_rows(service, case))
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "service": service,
            "rows": rows,
            "errors": errors,
            "form_has_errors": bool(errors),
            "outcome": outcome_value,
            "reason": reason,
            "answers_hidden": answers_hidden,
            # An anonymous report: nobody to email, which the caseworker should know.
            "no_contact": not answers_hidden and not case.answers.get(service.contact_email_answer),
            "can_decide": case.status == Status.SUBMITTED
            and not answers_hidden
            and has_permission(staff, "cases.decide"),
            "messages_sent": list_messages_about(
                case.reference, organisation_id=staff.organisation.id
            ),
            "history": list_audit_events(object_type="case", object_id=case.reference),
            "ledger_entries": list_entries_about(case_subject(case.reference)),
        },
        status=503 if answers_hidden else 400 if errors else 200,
    )


def _answer_rows(service: Service, answers: Mapping[str, JSONValue]) -> list[dict[str, str]]:
    """The answers in page order, shown as check answers showed them, then the values
    derived from them."""
    rows = [{"key": row.key, "value": row.value} for row in service.model.summary(answers)]
    for name, value in answers.items():
        if not service.model.is_asked(name):
            shown = value if isinstance(value, str) else ""
            rows.append({"key": name.replace("_", " ").capitalize(), "value": shown})
    return rows


def _link_files(
    rows: list[dict[str, str]],
    service: Service,
    answers: Mapping[str, JSONValue],
    files: Mapping[str, CaseFile],
    reference: str,
) -> None:
    """Shows each file answer as the file's name and size, with a link to download it."""
    by_label = {question.summary_key: question for question in service.model.questions}
    for row in rows:
        question = by_label.get(row["key"])
        if question is None or question.type != "file":
            continue
        case_file = files.get(str(answers.get(question.id)))
        if case_file is None:
            continue
        row["value"] = f"{case_file.file_name}, {describe_size(case_file.size_bytes)}"
        row["download"] = f"/staff/cases/{reference}/files/{case_file.token}/"


@require_GET
@staff_member_required("cases.view")
def case_file(request: StaffRequest, reference: str, token: str) -> HttpResponse:
    """A file sent with a case, as a download: only to staff of the case's organisation
    (anyone else gets "not found", as for the case), and audited."""
    case = find_case(reference, organisation_id=request.staff.organisation.id)
    if case is None:
        raise Http404("no such case")
    try:
        found, content = read_case_file(case=case, token=token, staff=request.staff)
    except CaseFileNotFound:
        raise Http404("no such file") from None
    except DecryptionError:
        # Swapped or altered on disk: never served. Ids only in the log.
        logger.error("case file %s of case %s does not open", token, reference)
        return render(request, "platform/500.html", status=500)
    response = HttpResponse(content, content_type=found.content_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=found.file_name) or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Opened in the browser by mistake, it may run nothing and reach nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _computed_rows(service: Service, case: Case) -> list[dict[str, str]]:
    """The definition's computed values for the case's answers, as of the day it was
    submitted, reading the rules' values from the decision recorded with it."""
    shown = case_computed_display(
        service, case.answers, submitted_at=case.submitted_at, decision=case.fee_decision
    )
    return [{"key": key, "value": value} for key, value in shown]
