"""How a refund reaches the transparency log: its amount, kind and finance codes, and a
keyed fingerprint of its reason; never the reason, the payer or the case reference."""

from civitas.ledger.public import EntryReceipt, person_reference, record_entry
from civitas.pay.events import RefundRequested
from civitas.platform.events import HandlerResults


def log_refund(event: RefundRequested, results: HandlerResults) -> EntryReceipt:
    return record_entry(
        kind="payment.refunded",
        organisation=event.organisation,
        role="finance" if event.staff_user_id else "system",
        subject=person_reference(f"case:{event.case_reference}"),
        payload={
            "amount_pence": event.amount_pence,
            "kind": event.kind,
            "cost_centre": event.cost_centre,
            "ledger_code": event.ledger_code,
            "reason_hmac_sha256": event.reason_fingerprint.hmac_sha256,
            "refunded_by": person_reference(f"staff:{event.staff_user_id}")
            if event.staff_user_id
            else None,
        },
    )
