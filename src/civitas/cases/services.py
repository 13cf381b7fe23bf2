"""Every change to a case: submitted, then decided. Each is one transaction holding the
change, its audit event, its transparency log entry and the email it sends, so none can
exist without the others."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from civitas.cases.messages import compose_message, fee_text
from civitas.cases.models import Case
from civitas.cases.workflow import NEEDS_REASON, Outcome, Status, transition
from civitas.catalogue.public import Service, get_service_version
from civitas.identity.public import StaffContext
from civitas.ledger.public import (
    EntryReceipt,
    LedgerUnavailable,
    fingerprint_text,
    person_reference,
    record_entry,
)
from civitas.notify.public import queue_email
from civitas.platform.audit import record_audit_event
from civitas.platform.references import new_reference

REFERENCE_ATTEMPTS = 5


class DecisionInvalid(ValueError):
    """The decision cannot be made as asked; the message says why, in plain English."""


class DecisionNotLogged(DecisionInvalid):
    """The transparency log cannot record the decision now, so it was not made."""


class CaseNotFound(LookupError):
    """No case with that reference in the acting organisation. Whether one exists in
    another organisation is deliberately not told apart."""


def case_subject(reference: str) -> str:
    """The keyed reference that stands for a case in the public log.

    The case reference itself never goes in the log: the log is public and can never be
    edited, so it holds nothing that could be linked to a person without our key.
    """
    return person_reference(f"case:{reference}")


def _ledger_fields(receipt: EntryReceipt) -> dict[str, str]:
    return {"ledger_index": str(receipt.index), "ledger_url": receipt.url}


def submit_application(
    *,
    service: Service,
    answers: dict[str, Any],
    fee_pence: int | None,
    channel: str = "online",
    decision: dict[str, Any] | None = None,
) -> Case:
    """Stores an application as a case, with its audit event and confirmation email.

    The answers must already be checked against the service (see journeys.flow).
    `decision` is the record of the rules' decision that set the fee, when rules did.
    """
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _store_submission(service, answers, fee_pence, channel, decision)
        except IntegrityError:
            # A reference collision is one in hundreds of billions: draw another.
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _store_submission(
    service: Service,
    answers: dict[str, Any],
    fee_pence: int | None,
    channel: str,
    decision: dict[str, Any] | None,
) -> Case:
    case = Case.objects.create(
        reference=new_reference(),
        organisation_id=service.organisation_id,
        service_slug=service.slug,
        service_version=service.version,
        status=Status.SUBMITTED,
        channel=channel,
        answers=answers,
        fee_pence=fee_pence,
        fee_decision=decision,
        submitted_at=timezone.now(),
    )
    record_audit_event(
        action="case.submitted",
        object_type="case",
        object_id=case.reference,
        actor_type="citizen",
        organisation=service.organisation,
        details={"service": f"{service.slug}@{service.version}", "channel": channel},
    )
    # Last but one: the log's sequence row stays locked until this transaction commits.
    receipt = record_entry(
        kind="case.submitted",
        organisation=service.organisation,
        role="applicant",
        subject=case_subject(case.reference),
        payload={"service": f"{service.slug}@{service.version}", "channel": channel},
    )
    queue_email(
        organisation_id=service.organisation_id,
        idempotency_key=f"case:{case.reference}:submitted",
        about=case.reference,
        template="submitted",
        to=answers[service.contact_email_answer],
        content=compose_message(
            service,
            "submitted",
            fields={
                "reference": case.reference,
                "fee": fee_text(fee_pence),
                **_ledger_fields(receipt),
            },
        ),
    )
    return case


def decide_case(*, reference: str, outcome: Outcome, reason: str, staff: StaffContext) -> Case:
    """Approves or refuses a submitted case, logs it publicly and emails the applicant.

    Only a case of the organisation `staff` acts for can be decided: any other reference
    raises CaseNotFound. Locks the case so two caseworkers deciding at once cannot both
    succeed. Raises DecisionNotLogged, changing nothing, when the transparency log cannot
    record it.
    """
    reason = reason.strip()
    if outcome in NEEDS_REASON and not reason:
        raise DecisionInvalid("Enter the reason for refusing the application")
    if len(reason) > 2000:
        raise DecisionInvalid("The reason must be 2,000 characters or fewer")
    role = staff.role_for("cases.decide")
    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(reference=reference, organisation_id=staff.organisation.id)
            .first()
        )
        if case is None:
            raise CaseNotFound(reference)
        new_status = transition(Status(case.status), outcome)
        case.status = new_status
        case.decided_at = timezone.now()
        case.decided_by = staff.user
        case.decision_reason = reason or None
        case.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        record_audit_event(
            action="case.decided",
            object_type="case",
            object_id=case.reference,
            actor_type="staff",
            actor_id=str(staff.user.pk),
            organisation=staff.organisation.slug,
            details={"outcome": outcome.value, "status": new_status.value},
        )
        service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
        # The reason goes to the applicant, never to the public log: a keyed fingerprint
        # lets them (or an auditor they show the email to) prove which reason was given.
        fingerprint = fingerprint_text(reason) if reason else None
        try:
            receipt = record_entry(
                kind="case.decided",
                organisation=staff.organisation.slug,
                role=role,
                subject=case_subject(case.reference),
                payload={
                    "outcome": outcome.value,
                    "status": new_status.value,
                    "service": f"{service.slug}@{service.version}",
                    "reason_hmac_sha256": fingerprint.hmac_sha256 if fingerprint else None,
                    "decided_by": person_reference(f"staff:{staff.user.pk}"),
                },
            )
        except LedgerUnavailable:
            raise DecisionNotLogged(
                "The decision was not saved: every decision must be recorded in the "
                "transparency log, and the log is not accepting entries at the moment. "
                "Try again later, and tell the service desk if this keeps happening"
            ) from None
        template = "approved" if new_status == Status.APPROVED else "refused"
        queue_email(
            organisation_id=case.organisation_id,
            idempotency_key=f"case:{case.reference}:{template}",
            about=case.reference,
            template=template,
            to=case.answers[service.contact_email_answer],
            content=compose_message(
                service,
                template,
                fields={
                    "reference": case.reference,
                    "reason": reason,
                    "reason_key": fingerprint.key if fingerprint else "",
                    **_ledger_fields(receipt),
                },
            ),
        )
    return case


def record_personal_data_view(*, case: Case, staff: StaffContext) -> EntryReceipt:
    """Records that a member of staff opened a case's answers: audited and publicly logged.

    Call it before showing the answers, with a case found through the acting organisation.
    Raises LedgerUnavailable when the view cannot be logged, in which case the answers
    must not be shown.
    """
    if case.organisation_id != staff.organisation.id:
        raise CaseNotFound(case.reference)
    with transaction.atomic():
        record_audit_event(
            action="case.personal_data_viewed",
            object_type="case",
            object_id=case.reference,
            actor_type="staff",
            actor_id=str(staff.user.pk),
            organisation=staff.organisation.slug,
        )
        return record_entry(
            kind="personal_data.viewed",
            organisation=staff.organisation.slug,
            role=staff.role_for("cases.view"),
            subject=case_subject(case.reference),
            payload={
                "data": "application answers",
                "viewed_by": person_reference(f"staff:{staff.user.pk}"),
            },
        )
