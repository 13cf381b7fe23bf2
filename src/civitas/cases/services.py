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
from civitas.ledger.public import (
    EntryReceipt,
    LedgerUnavailable,
    person_reference,
    record_entry,
    text_sha256,
)
from civitas.notify.public import queue_email
from civitas.platform.audit import record_audit_event
from civitas.platform.references import new_reference

REFERENCE_ATTEMPTS = 5


class DecisionInvalid(ValueError):
    """The decision cannot be made as asked; the message says why, in plain English."""


class DecisionNotLogged(DecisionInvalid):
    """The transparency log cannot record the decision now, so it was not made."""


def case_subject(reference: str) -> str:
    """The keyed reference that stands for a case in the public log.

    The case reference itself never goes in the log: the log is public and can never be
    edited, so it holds nothing that could be linked to a person without our key.
    """
    return person_reference(f"case:{reference}")


def _acting_as(user: Any) -> tuple[str, str]:
    """The organisation and role a member of staff acts in, as the log records them."""
    membership = user.memberships.select_related("organisation").order_by("pk").first()
    if membership is None:
        return "unknown", "staff"
    return membership.organisation.name, membership.role


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


def decide_case(*, reference: str, outcome: Outcome, reason: str, decided_by: Any) -> Case:
    """Approves or refuses a submitted case, logs it publicly and emails the applicant.

    Locks the case so two caseworkers deciding at once cannot both succeed. Raises
    DecisionNotLogged, changing nothing, when the transparency log cannot record it.
    """
    reason = reason.strip()
    if outcome in NEEDS_REASON and not reason:
        raise DecisionInvalid("Enter the reason for refusing the application")
    if len(reason) > 2000:
        raise DecisionInvalid("The reason must be 2,000 characters or fewer")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(reference=reference)
        new_status = transition(Status(case.status), outcome)
        case.status = new_status
        case.decided_at = timezone.now()
        case.decided_by = decided_by
        case.decision_reason = reason or None
        case.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        record_audit_event(
            action="case.decided",
            object_type="case",
            object_id=case.reference,
            actor_type="staff",
            actor_id=str(decided_by.pk),
            details={"outcome": outcome.value, "status": new_status.value},
        )
        service = get_service_version(case.service_slug, case.service_version)
        organisation, role = _acting_as(decided_by)
        try:
            receipt = record_entry(
                kind="case.decided",
                organisation=organisation,
                role=role,
                subject=case_subject(case.reference),
                payload={
                    "outcome": outcome.value,
                    "status": new_status.value,
                    "service": f"{service.slug}@{service.version}",
                    # The reason goes to the applicant, never to the public log: its hash
                    # lets them (or an auditor) show later which reason was given.
                    "reason_sha256": text_sha256(reason) if reason else None,
                    "decided_by": person_reference(f"staff:{decided_by.pk}"),
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
            idempotency_key=f"case:{case.reference}:{template}",
            about=case.reference,
            template=template,
            to=case.answers[service.contact_email_answer],
            content=compose_message(
                service,
                template,
                fields={"reference": case.reference, "reason": reason, **_ledger_fields(receipt)},
            ),
        )
    return case


def record_personal_data_view(*, reference: str, viewed_by: Any) -> EntryReceipt:
    """Records that a member of staff opened a case's answers: audited and publicly logged.

    Call it before showing the answers. Raises LedgerUnavailable when the view cannot be
    logged, in which case the answers must not be shown.
    """
    with transaction.atomic():
        record_audit_event(
            action="case.personal_data_viewed",
            object_type="case",
            object_id=reference,
            actor_type="staff",
            actor_id=str(viewed_by.pk),
        )
        organisation, role = _acting_as(viewed_by)
        return record_entry(
            kind="personal_data.viewed",
            organisation=organisation,
            role=role,
            subject=case_subject(reference),
            payload={
                "data": "application answers",
                "viewed_by": person_reference(f"staff:{viewed_by.pk}"),
            },
        )
