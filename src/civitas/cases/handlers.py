"""How a case's events reach the transparency log and the applicant's inbox.

Wired to the events in `civitas.wiring`; each runs inside the transaction that changed the
case, so the change, its log entry and its email exist together or not at all. A
submission's entry is the one exception in time, not in certainty: it is written into its
confirmation's outbox row, and the worker appends it as it sends the confirmation
(`fill_submitted_entries`, decision 0065).
"""

import logging
from typing import Any

from civitas.cases.events import (
    ApplicationSubmitted,
    CaseDecided,
    CaseMoved,
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
from civitas.cases.models import Case
from civitas.cases.payments import absolute_pay_url
from civitas.cases.services import CaseNotFound, case_subject
from civitas.cases.transitions import apply_automatic_transition
from civitas.cases.workflow import Outcome
from civitas.catalogue.public import (
    WAITING_FOR_PAYMENT,
    Service,
    ServicePublished,
    get_published_service,
    get_service_version,
)
from civitas.ledger.public import (
    EntryReceipt,
    LedgerUnavailable,
    NewEntry,
    ledger_seen_open,
    person_reference,
    record_entries,
    record_entry,
)
from civitas.notify.public import LateFields
from civitas.pay.public import (
    PaymentSucceeded,
    PaymentTaken,
    cancel_open_payments,
    refund_refused_application,
)
from civitas.platform.events import HandlerResults
from civitas.platform.jsontypes import JSONObject
from civitas.platform.templating import format_pence

logger = logging.getLogger(__name__)


def _ledger_fields(receipt: EntryReceipt) -> dict[str, str]:
    # The link carries the log's signed promise, so the page it opens checks it was kept.
    return {
        "ledger_index": str(receipt.index),
        "ledger_url": receipt.promise_url,
        "ledger_promise": receipt.promise,
    }


# The confirmation's entry is appended by the worker, from the confirmation's outbox row
# (decision 0065); until then the message holds these in place of the entry's words.
SUBMITTED_ENTRY_SOURCE = "ledger.submitted_entry"
_ENTRY_STAND_INS = {"ledger_index": "…", "ledger_url": "…", "ledger_promise": "…"}


def fill_submitted_entries(requests: list[JSONObject]) -> list[dict[str, str]]:
    """The late words of submissions' confirmations: appends their log entries, in the
    dispatcher's transaction (which clears the messages' requests with them), one index
    update and one insert for the batch, and returns each entry's words."""
    receipts = record_entries([NewEntry.from_json(request) for request in requests])
    return [_ledger_fields(receipt) for receipt in receipts]


def refuse_while_log_stopped(event: ApplicationSubmitted, results: HandlerResults) -> None:
    # Whether it is logged now, once its fee is paid, or by the worker before its
    # confirmation goes out, an application is refused while the log takes no entries:
    # the applicant would pay for, or be told of, an application that cannot be logged.
    if not ledger_seen_open():
        raise LedgerUnavailable("the transparency log is not accepting new records")


def _submitted_entry(service: Service, reference: str, *, channel: str) -> NewEntry | None:
    """The log's record that an application was received (at submission, or, for one that
    waits for its fee, when the fee is paid). (None is for `bench/ledger.py`, which times
    a submission without its entry.)"""
    return NewEntry(
        kind="case.submitted",
        organisation=service.organisation,
        role="applicant",
        subject=case_subject(reference),
        payload={"service": f"{service.slug}@{service.version}", "channel": channel},
    )


def _confirm_submission(
    service: Service, reference: str, *, channel: str, fields: dict[str, str], **message: Any
) -> None:
    """Sends the confirmation, whose entry in the log the worker appends from its outbox
    row just before it goes out, so that the submission itself writes no entry (decision
    0065). An applicant who gave no address is sent nothing: their entry is appended here
    and now."""
    entry = _submitted_entry(service, reference, channel=channel)
    sent = send_case_message(
        service,
        "submitted",
        reference=reference,
        idempotency_key=f"case:{reference}:submitted",
        fields={**fields, **_ENTRY_STAND_INS},
        late_fields=LateFields(SUBMITTED_ENTRY_SOURCE, entry.as_json()) if entry else None,
        **message,
    )
    if not sent and entry is not None:
        record_entries([entry])


def email_submission_confirmation(event: ApplicationSubmitted, results: HandlerResults) -> None:
    # Sent once the fee is paid, for an application that waits for it.
    if event.awaiting_payment:
        return
    _confirm_submission(
        event.service,
        event.reference,
        channel=event.channel,
        # The case was made in this transaction, under a reference never used before (a
        # clash rolls it back and draws another): no message can have this key yet.
        new_key=True,
        fields={"reference": event.reference, "fee": fee_text(event.fee_pence)},
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


# --- Payments (cases/payments.py says how a case waits for its fee) ----------------------


def take_payment(event: PaymentSucceeded, results: HandlerResults) -> PaymentTaken:
    """A payment succeeded: the case moves on as its workflow says, and the applicant is
    sent the confirmation they were waiting for and the receipt. A case that cannot take
    it (withdrawn, refused, paid already) says so, and the payment is refunded."""
    cases = Case.objects.filter(
        reference=event.case_reference, organisation_id=event.organisation_id
    )
    try:
        moved = apply_automatic_transition(event.case_reference, "payment_received")
    except CaseNotFound:
        return PaymentTaken(counted=False, why_not="no such case")
    if not moved:
        status = cases.values_list("status", flat=True).first()
        return PaymentTaken(counted=False, why_not=f"the case is {status or 'not found'}")
    # Read whole, once, after the move: its messages use most of it. (A payment is made
    # for a case of its own organisation, found by its unique reference.)
    case = cases.get()
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    common = {
        "answers": case.answers,
        "submitted_at": case.submitted_at,
        "decision": case.fee_decision,
        "language": case.language,
        "account_id": str(case.account_id or ""),
    }
    # The confirmation is sent once the fee is paid: an unpaid application is not one.
    _confirm_submission(
        service,
        case.reference,
        channel=case.channel,
        fields={"reference": case.reference, "fee": fee_text(case.fee_pence)},
        **common,
    )
    if "payment-received" in service.model.messages:
        send_case_message(
            service,
            "payment-received",
            reference=case.reference,
            idempotency_key=f"case:{case.reference}:paid:{event.payment_id}",
            fields={
                "reference": case.reference,
                "fee": fee_text(case.fee_pence),
                "amount": format_pence(event.amount_pence),
                "payment_reference": event.provider_payment_id,
            },
            **common,
        )
    return PaymentTaken(counted=True)


def close_unpaid(event: CaseMoved, results: HandlerResults) -> None:
    """A case that waited for its payment closed (its time to pay ran out): its open
    payments are cancelled, and the applicant is told, with the link to pay again where
    paying would reopen it."""
    case = Case.objects.filter(reference=event.reference).first()
    if case is None:
        return
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    workflow = service.model.workflow
    if workflow.state(event.from_status).kind != WAITING_FOR_PAYMENT:
        return
    if not workflow.state(event.to_status).is_closed:
        return
    cancel_open_payments(organisation_id=case.organisation_id, case_reference=case.reference)
    if "not-paid" not in service.model.messages:
        return
    reopens = workflow.on_event(event.to_status, "payment_received") is not None
    send_case_message(
        service,
        "not-paid",
        reference=case.reference,
        idempotency_key=f"case:{case.reference}:not-paid:{case.version}",
        fields={
            "reference": case.reference,
            "fee": fee_text(case.fee_pence),
            "pay_url": absolute_pay_url(service, case.reference) if reopens else "",
        },
        answers=case.answers,
        submitted_at=case.submitted_at,
        decision=case.fee_decision,
        language=case.language,
        account_id=str(case.account_id or ""),
    )


def refund_when_refused(event: CaseDecided, results: HandlerResults) -> None:
    """A refused application's fee goes back, less any administration fee, when its
    service says so (`payment.refund_when_refused`)."""
    spec = event.service.model.payment
    if event.outcome != Outcome.REFUSE or spec is None or not spec.refund_when_refused:
        return
    refunded = refund_refused_application(
        organisation_id=event.service.organisation_id,
        case_reference=event.reference,
        keep_pence=spec.refund_keeps_pence,
    )
    if refunded:
        logger.info("case %s refused: %s pence to refund", event.reference, refunded)
