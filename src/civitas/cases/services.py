"""Every change to a case: submitted, then decided. Each is one transaction holding the
change, its audit event and the email it sends, so none can exist without the others."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from civitas.cases.messages import compose_message, fee_text
from civitas.cases.models import Case
from civitas.cases.workflow import NEEDS_REASON, Outcome, Status, transition
from civitas.catalogue.public import Service, get_service_version
from civitas.notify.public import queue_email
from civitas.platform.audit import record_audit_event
from civitas.platform.references import new_reference

REFERENCE_ATTEMPTS = 5


class DecisionInvalid(ValueError):
    """The decision cannot be made as asked; the message says why, in plain English."""


def submit_application(
    *, service: Service, answers: dict[str, Any], fee_pence: int | None, channel: str = "online"
) -> Case:
    """Stores an application as a case, with its audit event and confirmation email.

    The answers must already be checked against the service (see journeys.flow).
    """
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _store_submission(service, answers, fee_pence, channel)
        except IntegrityError:
            # A reference collision is one in hundreds of billions: draw another.
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _store_submission(
    service: Service, answers: dict[str, Any], fee_pence: int | None, channel: str
) -> Case:
    case = Case.objects.create(
        reference=new_reference(),
        service_slug=service.slug,
        service_version=service.version,
        status=Status.SUBMITTED,
        channel=channel,
        answers=answers,
        fee_pence=fee_pence,
        submitted_at=timezone.now(),
    )
    record_audit_event(
        action="case.submitted",
        object_type="case",
        object_id=case.reference,
        actor_type="citizen",
        details={"service": f"{service.slug}@{service.version}", "channel": channel},
    )
    queue_email(
        idempotency_key=f"case:{case.reference}:submitted",
        about=case.reference,
        template="submitted",
        to=answers[service.contact_email_answer],
        content=compose_message(
            service, "submitted", fields={"reference": case.reference, "fee": fee_text(fee_pence)}
        ),
    )
    return case


def decide_case(*, reference: str, outcome: Outcome, reason: str, decided_by: Any) -> Case:
    """Approves or refuses a submitted case and emails the applicant.

    Locks the case so two caseworkers deciding at once cannot both succeed.
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
        template = "approved" if new_status == Status.APPROVED else "refused"
        queue_email(
            idempotency_key=f"case:{case.reference}:{template}",
            about=case.reference,
            template=template,
            to=case.answers[service.contact_email_answer],
            content=compose_message(
                service, template, fields={"reference": case.reference, "reason": reason}
            ),
        )
    return case
