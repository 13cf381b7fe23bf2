import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civitas.cases.case_work import case_work
from civitas.cases.computed import case_computed_display
from civitas.cases.conversation import (
    MESSAGE_MAX_CHARS,
    REQUEST,
    MessageInvalid,
    message_email,
    send_message,
    thread_of,
)
from civitas.cases.files import CaseFileNotFound, list_case_files, read_case_file
from civitas.cases.labels import (
    channel_label,
    service_titles,
    service_versions,
    status_label,
    version_key,
)
from civitas.cases.messages import compose_message
from civitas.cases.models import Case, CaseFile
from civitas.cases.notes import NOTE_MAX_LENGTH
from civitas.cases.payments import payment_of_case
from civitas.cases.queries import find_case, find_case_status, list_cases
from civitas.cases.search import MAX_QUERY_LENGTH, search_cases
from civitas.cases.sensitive import PERMISSION as SENSITIVE_PERMISSION
from civitas.cases.sensitive import (
    SensitiveQuestionUnknown,
    has_sensitive_answers,
    show_sensitive_answers,
)
from civitas.cases.services import (
    CaseNotFound,
    DecisionInvalid,
    DecisionNotLogged,
    case_subject,
    contact_email_of,
    record_personal_data_view,
)
from civitas.cases.timeline import case_timeline
from civitas.cases.transitions import CaseChanged, make_transition
from civitas.cases.workflow import (
    TransitionNotAllowed,
    check_transition,
    message_for,
    missing_requirement,
)
from civitas.catalogue.public import (
    DEFAULT_WORKFLOW,
    WAITING_FOR_CITIZEN,
    Service,
    State,
    Transition,
    Workflow,
    get_service_version,
    list_live_services,
)
from civitas.identity.public import StaffContext, StaffRequest, staff_member_required
from civitas.ledger.public import LedgerUnavailable, kind_label, list_entries_about
from civitas.notify.public import list_messages_about
from civitas.pay.public import allow_payment_redirect
from civitas.platform.crypto import DecryptionError
from civitas.platform.files.kinds import describe_size
from civitas.platform.jsontypes import JSONValue
from civitas.platform.references import normalise_reference

logger = logging.getLogger(__name__)

VIEW_SITTING_SECONDS = 30 * 60
"""Drawing a case's answers again within this long of recording a view is the same view."""


@require_GET
@staff_member_required("cases.view")
def case_list(request: StaffRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status is not None and not STATE_ID.fullmatch(status):
        status = None
    page = list_cases(
        organisation_id=request.staff.organisation.id,
        status=status,
        cursor=request.GET.get("after"),
    )
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "status": status,
            "statuses": _filter_states(request.staff.organisation.id),
            **_shown(page.cases),
            "tag_classes": TAG_CLASSES,
        },
    )


STATE_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
TAG_CLASSES = {
    "open": "govuk-tag--blue",
    "waiting-for-citizen": "govuk-tag--yellow",
    "waiting-for-payment": "govuk-tag--yellow",
    "closed-approved": "govuk-tag--green",
    "closed-refused": "govuk-tag--red",
    "closed-other": "govuk-tag--grey",
}


def _filter_states(organisation_id: int) -> list[State]:
    """The states the organisation's live services' cases can be in, to filter the list
    by: the default workflow's first, then each service's own, each id once."""
    states = dict(DEFAULT_WORKFLOW.states)
    for live in list_live_services():
        if live.organisation.id != organisation_id:
            continue
        workflow = get_service_version(organisation_id, live.slug, live.version).model.workflow
        for state in workflow.states.values():
            states.setdefault(state.id, state)
    return list(states.values())


def _shown(cases: list[Case]) -> dict[str, object]:
    """Each case's state in its own service version's workflow and its service's title, by
    reference: one look-up per version on the page."""
    versions = service_versions(cases)
    states: dict[str, State] = {}
    for case in cases:
        service = versions.get(version_key(case))
        workflow = service.model.workflow if service else DEFAULT_WORKFLOW
        states[case.reference] = workflow.state(case.status)
    return {"states": states, "titles": service_titles(cases, versions)}


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
        {
            "text": text,
            "page": page,
            "error": error,
            **(_shown(page.cases) if page else {"states": {}, "titles": {}}),
            "tag_classes": TAG_CLASSES,
        },
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
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    workflow = service.model.workflow
    form = _TransitionForm.read(request, case)
    errors: dict[str, str] = {}
    preview: dict[str, object] | None = None
    conflict = False
    if request.method == "POST":
        # Only someone the workflow lets make some transition may post at all.
        if not any(set(t.roles) & staff.roles for t in workflow.transitions):
            return render(request, "platform/403.html", status=403)
        try:
            chosen = form.check(workflow, case, staff)
            if form.step == "confirm":
                make_transition(
                    reference=case.reference,
                    transition_id=chosen.id,
                    reason=form.reason,
                    staff=staff,
                    confirmed=form.confirmed,
                    expected_version=form.version,
                )
                return redirect(f"/staff/cases/{case.reference}/?done={chosen.id}")
            preview = _preview(service, case, chosen, form.reason)
        except CaseNotFound:
            raise Http404("no such case") from None
        except CaseChanged as error:
            errors["transition"] = str(error)
            conflict = True
            case = find_case(reference, organisation_id=staff.organisation.id) or case
            form = _TransitionForm(version=case.version)
        except (TransitionNotAllowed, DecisionNotLogged) as error:
            errors["transition"] = str(error)
        except DecisionInvalid as error:
            errors[form.field_for(str(error))] = str(error)
    # Looking at a person's answers is itself recorded, publicly: no record, no answers.
    # Once per opening: each GET opens the case; the page drawn again by a form in the same
    # sitting (a form error, the decision's preview) is the same look, not another.
    opened = f"cases:viewed:{case.reference}"
    now = int(time.time())
    answers_hidden = False
    if (
        request.method == "GET"
        or now - int(request.session.get(opened) or 0) > VIEW_SITTING_SECONDS
    ):
        try:
            record_personal_data_view(case=case, staff=staff)
        except LedgerUnavailable:
            answers_hidden = True
        else:
            request.session[opened] = now
    rows = [] if answers_hidden else _answer_rows(service, case.answers)
    if not answers_hidden:
        _link_files(rows, service, case.answers, list_case_files(case), case.reference)
        rows.extend(_computed_rows(service, case))
    has_sensitive = not answers_hidden and has_sensitive_answers(service, case.answers)
    no_contact = not answers_hidden and not case.answers.get(service.contact_email_answer)
    state = workflow.state(case.status)
    # The notes, labels and opinions (case_work.py).
    work = case_work(case, staff=staff, service=service)
    done = workflow.transition(request.GET.get("done", "")) if request.method == "GET" else None
    payment = payment_of_case(case, service)
    response = render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "service": service,
            "state": state,
            "tag_class": TAG_CLASSES.get(state.kind, ""),
            "rows": rows,
            "errors": errors,
            "form_has_errors": bool(errors),
            "form": form,
            "preview": None if answers_hidden else preview,
            "done": done,
            "answers_hidden": answers_hidden,
            "has_sensitive": has_sensitive,
            # An estimate from a household's income says what the income is.
            "estimate_hidden": service.model.rules_read_sensitive,
            "can_show_sensitive": staff.can(SENSITIVE_PERMISSION),
            # An anonymous report: nobody to email, which the caseworker should know.
            "no_contact": no_contact,
            "transitions": []
            if answers_hidden
            else workflow.transitions_from(case.status, staff.roles),
            "thread": [] if answers_hidden else thread_of(case),
            "can_message": staff.can("cases.work") and not no_contact,
            "overdue": case.due_at is not None and case.due_at < timezone.now(),
            "message_sent": request.GET.get("sent") == "message",
            "messages_sent": list_messages_about(
                case.reference, organisation_id=staff.organisation.id
            ),
            "history": case_timeline(case.reference, workflow, labels=service.model.labels),
            "status_label": status_label,
            "channel_label": channel_label,
            "ledger_kind_label": kind_label,
            "ledger_entries": list_entries_about(case_subject(case.reference)),
            "work": work,
            "case_payment": payment,
            "payment_notice": request.GET.get("payment", "")[:20],
            "can_take_telephone_payment": payment is not None
            and payment.waiting
            and payment.paid is None
            and staff.can("cases.assist"),
            "note_max_length": NOTE_MAX_LENGTH,
            "note_text": "",
            "note_error": "",
        },
        status=503 if answers_hidden else 409 if conflict else 400 if errors else 200,
    )
    return allow_payment_redirect(response) if payment is not None else response


@dataclass
class _TransitionForm:
    """What the case page's form posts: the transition, its reason and confirmation, and
    the version of the case the page was drawn for (to refuse a stale form)."""

    transition: str = ""
    reason: str = ""
    confirmed: bool = False
    version: int | None = None
    step: str = "preview"

    @classmethod
    def read(cls, request: StaffRequest, case: Case) -> "_TransitionForm":
        if request.method != "POST":
            return cls(version=case.version)
        transition = request.POST.get("transition", "")
        try:
            version: int | None = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        return cls(
            transition=transition,
            reason=request.POST.get(f"reason-{transition}", request.POST.get("reason", "")),
            confirmed=request.POST.get(f"confirm-{transition}") == "yes",
            version=version,
            step="confirm" if request.POST.get("step") == "confirm" else "preview",
        )

    def check(self, workflow: Workflow, case: Case, staff: StaffContext) -> Transition:
        """The chosen transition, if everything it needs is there, for this case as it is."""
        if self.version is None or self.version != case.version:
            raise CaseChanged
        if not self.transition:
            raise TransitionNotAllowed("Select what to do with the case")
        chosen = check_transition(
            workflow, status=case.status, transition_id=self.transition, roles=staff.roles
        )
        missing = missing_requirement(chosen, reason=self.reason, confirmed=self.confirmed)
        if missing:
            raise DecisionInvalid(missing)
        return chosen

    def field_for(self, message: str) -> str:
        """The field an error belongs to, for the error summary's link."""
        if message.startswith("Select the box"):
            return f"confirm-{self.transition}"
        return f"reason-{self.transition}"


def _preview(service: Service, case: Case, chosen: Transition, reason: str) -> dict[str, object]:
    """What the applicant will be sent if the transition is made, shown before it is."""
    state = service.model.workflow.state(chosen.to)
    name = message_for(state)
    email = None
    if name and case.answers.get(service.contact_email_answer):
        email = compose_message(
            service,
            name,
            fields={
                "reference": case.reference,
                "reason": reason.strip(),
                "reason_key": PREVIEW_PLACEHOLDER,
                "ledger_index": PREVIEW_PLACEHOLDER,
                "ledger_url": PREVIEW_PLACEHOLDER,
                "ledger_promise": PREVIEW_PLACEHOLDER,
            },
            answers=case.answers,
            submitted_at=case.submitted_at,
            decision=case.fee_decision,
            language=case.language,
        )
    elif state.kind == WAITING_FOR_CITIZEN and reason.strip() and contact_email_of(service, case):
        email = message_email(REQUEST, case, service, reason.strip(), state_id=chosen.to)
    return {"transition": chosen, "state": state, "email": email}


# Filled in only when the decision is logged: shown as a gap in the preview.
PREVIEW_PLACEHOLDER = "[filled in when sent]"


def _answer_rows(service: Service, answers: Mapping[str, JSONValue]) -> list[dict[str, str]]:
    """The answers in page order, shown as check answers showed them, then the values
    derived from them. A sensitive answer's row has no value: "Show" asks for it."""
    rows = [
        {"key": row.key, "value": row.value, **({"hidden": "yes"} if row.hidden else {})}
        for row in service.model.summary(answers, hide_sensitive=True)
    ]
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
        if question is None or question.type != "file" or row.get("hidden"):
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
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    try:
        found, content = read_case_file(
            case=case,
            token=token,
            staff=request.staff,
            # An identity document or a benefit letter: only for roles that may see
            # sensitive answers (the link is on the page "Show" draws).
            sensitive_ids=service.model.sensitive_ids,
        )
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


@require_POST
@staff_member_required(SENSITIVE_PERMISSION)
def case_sensitive_answers(request: StaffRequest, reference: str) -> HttpResponse:
    """A case's sensitive answers, shown only when asked for with a POST (never a link a
    crawler, a prefetch or the browser's history could open), and recorded as shown."""
    staff = request.staff
    case = find_case(reference, organisation_id=staff.organisation.id)
    if case is None:
        raise Http404("no such case")
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    question_ids = request.POST.getlist("question")[:50]
    try:
        rows, receipt = show_sensitive_answers(
            case=case, service=service, staff=staff, question_ids=question_ids
        )
    except CaseNotFound:
        raise Http404("no such case") from None
    except SensitiveQuestionUnknown:
        return render(
            request,
            "cases/sensitive.html",
            {"case": case, "rows": [], "error": "Choose a sensitive question of this case"},
            status=400,
        )
    except LedgerUnavailable:
        return render(
            request,
            "cases/sensitive.html",
            {
                "case": case,
                "rows": [],
                "error": "The sensitive answers cannot be shown now: showing them is "
                "recorded in the transparency log, which is not accepting entries. "
                "Try again later.",
            },
            status=503,
        )
    return render(
        request,
        "cases/sensitive.html",
        {"case": case, "rows": rows, "error": "", "ledger_index": receipt.index},
    )


def _computed_rows(service: Service, case: Case) -> list[dict[str, str]]:
    """The definition's computed values for the case's answers, as of the day it was
    submitted, reading the rules' values from the decision recorded with it."""
    # A value worked out from a sensitive answer (an age, a total income) reveals it: it
    # is shown with the sensitive answers, after "Show".
    shown = case_computed_display(
        service,
        case.answers,
        submitted_at=case.submitted_at,
        decision=case.fee_decision,
        sensitive=False,
    )
    return [{"key": key, "value": value} for key, value in shown]


@require_http_methods(["GET", "POST"])
@staff_member_required("cases.work")
def case_message(request: StaffRequest, reference: str) -> HttpResponse:
    """Writes to a case's applicant: a message of the case's thread, emailed to them."""
    staff = request.staff
    case = find_case(reference, organisation_id=staff.organisation.id)
    if case is None:
        raise Http404("no such case")
    text = request.POST.get("message", "")[: MESSAGE_MAX_CHARS * 2]
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            send_message(reference=case.reference, text=text, staff=staff)
        except CaseNotFound:
            raise Http404("no such case") from None
        except MessageInvalid as error:
            errors[error.field] = str(error)
        else:
            return redirect(f"/staff/cases/{case.reference}/?sent=message#messages")
    return render(
        request,
        "cases/message.html",
        {"case": case, "text": text, "errors": errors, "max_chars": MESSAGE_MAX_CHARS},
        status=400 if errors else 200,
    )
