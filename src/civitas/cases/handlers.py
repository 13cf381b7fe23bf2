"""How a case's events reach the transparency log and the applicant's inbox.

Wired to the events in `civitas.wiring`; each runs inside the transaction that changed the
case, so the change, its log entry and its email exist together or not at all.
"""

from civitas.cases.events import (
    ApplicationSubmitted,
    CaseDecided,
    CaseRecordsErased,
    PersonalDataViewed,
    SensitiveAnswersShown,
)
from civitas.cases.messages import (
    definition_templates,
    fee_text,
    schedule_reminders,
    send_case_message,
)
from civitas.cases.services import case_subject, log_case_submitted
from civitas.cases.workflow import Outcome
from civitas.catalogue.public import ServicePublished, get_published_service
from civitas.ledger.public import (
    EntryReceipt,
    LedgerUnavailable,
    ledger_health,
    person_reference,
    record_entry,
)
from civitas.platform.events import HandlerResults


def _ledger_fields(receipt: EntryReceipt) -> dict[str, str]:
    return {"ledger_index": str(receipt.index), "ledger_url": receipt.url}


def log_submission(event: ApplicationSubmitted, results: HandlerResults) -> EntryReceipt | None:
    # An application waiting for its fee is logged as submitted when it is paid
    # (cases/payments.py): an unpaid one may never be. It is refused all the same while the
    # log takes no entries: its payment could not be taken, and the applicant would pay
    # for an application that cannot be submitted.
    if event.awaiting_payment:
        if ledger_health() != "ok":
            raise LedgerUnavailable("the transparency log is not accepting new records")
        return None
    # The log's sequence row stays locked until the transaction commits: wire this last
    # but one, so the lock is held as briefly as possible.
    return log_case_submitted(event.service, event.reference, channel=event.channel)


def email_submission_confirmation(event: ApplicationSubmitted, results: HandlerResults) -> None:
    # Sent once the fee is paid, for an application that waits for it.
    if event.awaiting_payment:
        return
    # An applicant who gave no address (an anonymous report) is sent nothing.
    send_case_message(
        event.service,
        "submitted",
        reference=event.reference,
        idempotency_key=f"case:{event.reference}:submitted",
        # The case was made in this transaction, under a reference never used before (a
        # clash rolls it back and draws another): no message can have this key yet.
        new_key=True,
        fields={
            "reference": event.reference,
            "fee": fee_text(event.fee_pence),
            **_ledger_fields(results.require(EntryReceipt)),
        },
        answers=event.answers,
        submitted_at=event.submitted_at,
        decision=event.decision,
        language=event.language,
        account_id=event.account_id,
    )


def log_decision(event: CaseDecided, results: HandlerResults) -> EntryReceipt:
    # The reason goes to the applicant, never to the public log: a keyed fingerprint lets
    # them (or an auditor they show the email to) prove which reason was given.
    fingerprint = event.reason_fingerprint
    return record_entry(
        kind="case.decided",
        organisation=event.service.organisation,
        role=event.role,
        subject=case_subject(event.reference),
        payload={
            "outcome": event.outcome.value,
            "status": event.status,
            "service": f"{event.service.slug}@{event.service.version}",
            "reason_hmac_sha256": fingerprint.hmac_sha256 if fingerprint else None,
            "decided_by": person_reference(f"staff:{event.staff_user_id}"),
        },
    )


def email_decision(event: CaseDecided, results: HandlerResults) -> None:
    """Tells the applicant the decision; an approval also schedules the definition's
    reminders (a permit about to expire)."""
    name = "approved" if event.outcome == Outcome.APPROVE else "refused"
    fingerprint = event.reason_fingerprint
    send_case_message(
        event.service,
        name,
        reference=event.reference,
        idempotency_key=f"case:{event.reference}:{name}",
        fields={
            "reference": event.reference,
            "reason": event.reason,
            "reason_key": fingerprint.key if fingerprint else "",
            "fee": fee_text(event.fee_pence),
            **_ledger_fields(results.require(EntryReceipt)),
        },
        answers=event.answers,
        submitted_at=event.submitted_at,
        decision=event.decision,
        language=event.language,
        account_id=event.account_id,
    )
    if event.outcome == Outcome.APPROVE:
        schedule_reminders(
            event.service,
            reference=event.reference,
            answers=event.answers,
            submitted_at=event.submitted_at,
            decision=event.decision,
            language=event.language,
            account_id=event.account_id,
        )


def log_personal_data_view(event: PersonalDataViewed, results: HandlerResults) -> EntryReceipt:
    return record_entry(
        kind="personal_data.viewed",
        organisation=event.organisation,
        role=event.role,
        subject=case_subject(event.reference),
        payload={
            "data": "application answers",
            "viewed_by": person_reference(f"staff:{event.staff_user_id}"),
        },
    )


def log_sensitive_answers_shown(
    event: SensitiveAnswersShown, results: HandlerResults
) -> EntryReceipt:
    # Which questions, by their ids in the definition: what kind of data was seen, never
    # what it said. The applicant's access log reads these entries.
    return record_entry(
        kind="personal_data.viewed",
        organisation=event.organisation,
        role=event.role,
        subject=case_subject(event.reference),
        payload={
            "data": "sensitive answers",
            "questions": " ".join(event.question_ids),
            "viewed_by": person_reference(f"staff:{event.staff_user_id}"),
        },
    )


def log_records_erased(event: CaseRecordsErased, results: HandlerResults) -> EntryReceipt:
    # Under the case's keyed subject, so the applicant's access log shows that their
    # records were erased on time; the count and kind only, nothing they held.
    return record_entry(
        kind="retention.applied",
        organisation=event.organisation,
        role="platform",
        subject=case_subject(event.reference),
        payload={
            "service": event.service,
            "records": event.kind,
            "action": event.action,
            "count": event.count,
            "kept_days": event.kept_days,
        },
    )


def make_message_templates(event: ServicePublished, results: HandlerResults) -> None:
    """Makes the new version's messages the sending service's templates (a new template
    version where the words changed), so staff see and preview them before any is sent."""
    definition_templates(get_published_service(event.organisation, event.slug, event.version))
