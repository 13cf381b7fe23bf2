"""A case that waits for its fee: paying for it, what a payment does to it, and what
closing or refusing it does to its payments (docs/payments.md).

A service whose definition has a `payment` section starts each case with a fee in its
workflow's initial state, which waits for the payment; the `payment_received` event
moves it on. A case with nothing to pay (an exemption the rules grant) starts where a
payment would have moved it. The pay domain takes the money and announces a success;
this module decides what the success means for the case.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from civitas.cases.events import CaseDecided, CaseMoved
from civitas.cases.messages import fee_text, send_case_message
from civitas.cases.models import Case
from civitas.cases.services import CaseNotFound, log_case_submitted
from civitas.cases.transitions import apply_automatic_transition
from civitas.cases.workflow import Outcome
from civitas.catalogue.public import (
    WAITING_FOR_PAYMENT,
    Service,
    Workflow,
    get_service_version,
)
from civitas.pay.public import (
    AlreadyPaid,
    PaymentFee,
    PaymentSucceeded,
    PaymentTaken,
    PaymentView,
    cancel_open_payments,
    payments_of_case,
    refund_refused_application,
    start_payment,
)
from civitas.platform.events import HandlerResults
from civitas.platform.templating import format_pence

logger = logging.getLogger(__name__)


def pay_link_token(reference: str) -> str:
    """The capability in a case's payment link: whoever holds it may pay the case's fee
    (and see its amount and reference), nothing more. Keyed, so it cannot be made up."""
    return salted_hmac("civitas.cases.pay-link", reference).hexdigest()[:32]


def pay_link_token_is_valid(reference: str, token: str) -> bool:
    return constant_time_compare(pay_link_token(reference), token)


def pay_url(service: Service, reference: str) -> str:
    """The page a case's fee is paid on (the service's, under its reference)."""
    return f"{service.url}pay/{reference}/{pay_link_token(reference)}/"


@dataclass(frozen=True)
class CasePayment:
    """Where a case stands with its fee, for the citizen's and the caseworker's pages."""

    reference: str
    service: Service
    fee_pence: int
    waiting: bool
    """The case waits for its payment (or closed unpaid and a payment would reopen it)."""
    payments: tuple[PaymentView, ...]

    @property
    def paid(self) -> PaymentView | None:
        return next((payment for payment in self.payments if payment.paid), None)

    @property
    def latest(self) -> PaymentView | None:
        return self.payments[0] if self.payments else None

    @property
    def fee_text(self) -> str:
        return format_pence(self.fee_pence)


def case_payment(
    reference: str, *, organisation_id: int | None = None, token: str | None = None
) -> CasePayment | None:
    """A case's fee and payments, found by the acting organisation or by its payment link
    token; None when there is no such case, or it takes no payment."""
    if token is not None and not pay_link_token_is_valid(reference, token):
        return None
    cases = Case.objects.filter(reference=reference)
    if organisation_id is not None:
        cases = cases.filter(organisation_id=organisation_id)
    case = cases.only(
        "reference", "organisation_id", "service_slug", "service_version", "status", "fee_pence"
    ).first()
    if case is None:
        return None
    service = get_service_version(case.organisation_id, case.service_slug, case.service_version)
    if service.model.payment is None or not case.fee_pence:
        return None
    workflow = service.model.workflow
    return CasePayment(
        reference=case.reference,
        service=service,
        fee_pence=case.fee_pence,
        waiting=workflow.on_event(case.status, "payment_received") is not None,
        payments=tuple(
            payments_of_case(organisation_id=case.organisation_id, case_reference=reference)
        ),
    )


def pay_for_case(
    case_payment_: CasePayment,
    *,
    language: str,
    return_url_for: Callable[[str], str],
    taken_by: int | None = None,
) -> PaymentView:
    """Makes (or finds) the payment of a case that waits for its fee, and returns it with
    the provider's page to pay on. Raises AlreadyPaid when nothing is left to pay, and
    the pay domain's PaymentUnavailable or PaymentRefused."""
    if not case_payment_.waiting or case_payment_.paid is not None:
        raise AlreadyPaid(case_payment_.reference)
    service = case_payment_.service
    spec = service.model.payment
    assert spec is not None
    return start_payment(
        organisation_id=service.organisation_id,
        service_slug=service.slug,
        case_reference=case_payment_.reference,
        fee=PaymentFee(
            amount_pence=case_payment_.fee_pence,
            description=f"{spec.description} ({case_payment_.reference})",
            cost_centre=spec.cost_centre,
            ledger_code=spec.ledger_code,
        ),
        language=language,
        return_url_for=return_url_for,
        taken_by=taken_by,
    )


# --- Handlers (wired in civitas.wiring) ---------------------------------------------------


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
    receipt = log_case_submitted(service, case.reference, channel=case.channel)
    common = {
        "answers": case.answers,
        "submitted_at": case.submitted_at,
        "decision": case.fee_decision,
        "language": case.language,
        "account_id": str(case.account_id or ""),
    }
    # The confirmation is sent once the fee is paid: an unpaid application is not one.
    send_case_message(
        service,
        "submitted",
        reference=case.reference,
        idempotency_key=f"case:{case.reference}:submitted",
        fields={
            "reference": case.reference,
            "fee": fee_text(case.fee_pence),
            "ledger_index": str(receipt.index),
            "ledger_url": receipt.url,
        },
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


def absolute_pay_url(service: Service, reference: str) -> str:
    """The payment page's full address, for emails and API clients."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + pay_url(service, reference)


def payment_deadline(case: Case, workflow: Workflow) -> datetime.datetime | None:
    """When a case waiting for its payment closes unpaid, if its workflow closes it."""
    if case.timer_due_at is None or workflow.state(case.status).kind != WAITING_FOR_PAYMENT:
        return None
    return case.timer_due_at if case.timer_due_at > timezone.now() else None
