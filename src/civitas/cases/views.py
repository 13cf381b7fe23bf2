import datetime
from collections.abc import Mapping

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from civitas.cases.models import Case
from civitas.cases.queries import find_case, list_cases
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
from civitas.platform.jsontypes import JSONValue


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


def _computed_rows(service: Service, case: Case) -> list[dict[str, str]]:
    """The definition's computed values for the case's answers, as of the day it was
    submitted, reading the rules' values from the decision recorded with it."""
    model = service.model
    if not model.computed:
        return []
    decided = (case.fee_decision or {}).get("values", {})

    def rule(name: str) -> object:
        value = decided.get(name)
        if isinstance(value, str) and model.rule_types[name].kind == "date":
            return datetime.date.fromisoformat(value)
        return value

    values = model.expression_values(case.answers, today=case.submitted_at.date(), rule=rule)
    return [{"key": key, "value": value} for key, value in model.computed_display(values)]
