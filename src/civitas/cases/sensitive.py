"""Sensitive answers: what a service definition marks `sensitive: true` (health, income,
savings, identity documents, National Insurance numbers).

Such an answer is never indexed for search, never in a list or a CSV download, and left
out of the case page. A member of staff whose role may see them (`cases.sensitive`)
asks for them with a deliberate "Show" (a POST for one case), and each show is audited
and logged in the transparency log by the ids of the questions shown, never their
answers: that entry is what the applicant's access log shows them (decision 0040).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from civitas.cases.computed import case_computed_display
from civitas.cases.events import SensitiveAnswersShown
from civitas.cases.files import list_case_files
from civitas.cases.models import Case
from civitas.cases.services import CaseNotFound
from civitas.catalogue.public import QuestionPage, Service
from civitas.identity.public import StaffContext
from civitas.ledger.public import EntryReceipt
from civitas.platform.events import publish
from civitas.platform.files.kinds import describe_size
from civitas.platform.formats import format_pence
from civitas.platform.jsontypes import JSONValue

PERMISSION = "cases.sensitive"


class SensitiveQuestionUnknown(ValueError):
    """A question asked for is not a sensitive question of the case's service version."""


@dataclass(frozen=True)
class ShownAnswer:
    question_id: str
    key: str
    value: str
    download: str = ""


def has_sensitive_answers(service: Service, answers: Mapping[str, JSONValue]) -> bool:
    """Whether the case holds any answer to a sensitive question."""
    return any(True for _ in _sensitive_answers(service, answers))


def _sensitive_answers(
    service: Service, answers: Mapping[str, JSONValue]
) -> list[tuple[str, str, object]]:
    """(question id, what the case page calls it, the stored answer), in page order; a
    repeating group's items each in turn."""
    found: list[tuple[str, str, object]] = []
    for page in service.model.pages:
        if not isinstance(page, QuestionPage):
            continue
        sensitive = [question for question in page.questions if question.sensitive]
        if not sensitive:
            continue
        if page.repeat is None:
            for question in sensitive:
                if answers.get(question.id) is not None:
                    found.append((question.id, question.summary_key, answers[question.id]))
            continue
        items = answers.get(page.id)
        for position, item in enumerate(items if isinstance(items, list) else [], 1):
            if not isinstance(item, dict):
                continue
            for question in sensitive:
                if item.get(question.id) is not None:
                    key = f"{page.repeat.name(position)}: {question.summary_key}"
                    found.append((question.id, key, item[question.id]))
    return found


def show_sensitive_answers(
    *, case: Case, service: Service, staff: StaffContext, question_ids: Sequence[str] = ()
) -> tuple[list[ShownAnswer], EntryReceipt]:
    """The case's sensitive answers (all of them, or those of `question_ids`), recorded as
    shown to `staff`: audited and publicly logged before anything is returned.

    Raises CaseNotFound for another organisation's case, PermissionDenied for a role that
    may not see sensitive answers, SensitiveQuestionUnknown for a question that is not a
    sensitive question of the service, and LedgerUnavailable when the show cannot be
    logged (nothing is shown then)."""
    if case.organisation_id != staff.organisation.id:
        raise CaseNotFound(case.reference)
    if not staff.can(PERMISSION):
        raise PermissionDenied(PERMISSION)
    sensitive_ids = service.model.sensitive_ids
    unknown = sorted(set(question_ids) - sensitive_ids)
    if unknown:
        raise SensitiveQuestionUnknown(", ".join(unknown))
    wanted = set(question_ids) or sensitive_ids
    answers = [entry for entry in _sensitive_answers(service, case.answers) if entry[0] in wanted]
    shown_ids = tuple(dict.fromkeys(question_id for question_id, _, _ in answers))
    files = list_case_files(case) if any(_is_file(service, qid) for qid in shown_ids) else {}
    rows = []
    for question_id, key, value in answers:
        question = next(q for q in service.model.questions_with_items if q.id == question_id)
        case_file = files.get(str(value)) if question.type == "file" else None
        if case_file is not None:
            rows.append(
                ShownAnswer(
                    question_id,
                    key,
                    f"{case_file.file_name}, {describe_size(case_file.size_bytes)}",
                    download=f"/staff/cases/{case.reference}/files/{case_file.token}/",
                )
            )
        else:
            rows.append(ShownAnswer(question_id, key, question.display(value)))  # type: ignore[arg-type]
    if not question_ids:
        # What is worked out from them reveals them too: shown with them, never before.
        rows.extend(
            ShownAnswer("", key, value)
            for key, value in case_computed_display(
                service,
                case.answers,
                submitted_at=case.submitted_at,
                decision=case.fee_decision,
                sensitive=True,
            )
        )
        spec = service.model.rules
        if case.estimate and spec and spec.estimate and service.model.rules_read_sensitive:
            pence = case.estimate.get("pence")
            if isinstance(pence, int):
                rows.append(ShownAnswer("", spec.estimate.label, format_pence(pence)))
    with transaction.atomic():
        results = publish(
            SensitiveAnswersShown(
                reference=case.reference,
                organisation=staff.organisation.slug,
                staff_user_id=str(staff.user.pk),
                role=staff.role_for(PERMISSION),
                question_ids=shown_ids or tuple(sorted(wanted)),
            )
        )
    return rows, results.require(EntryReceipt)


def _is_file(service: Service, question_id: str) -> bool:
    return any(q.id == question_id and q.type == "file" for q in service.model.questions_with_items)
