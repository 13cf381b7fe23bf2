"""A case that waits for its fee: paying for it, what a payment does to it, and what
closing or refusing it does to its payments (docs/payments.md).

A service whose definition has a `payment` section starts each case with a fee in its
workflow's initial state, which waits for the payment; the `payment_received` event
moves it on. A case with nothing to pay (an exemption the rules grant) starts where a
payment would have moved it. The pay domain takes the money and announces a success;
the cases domain's handlers (handlers.py: take_payment, close_unpaid,
refund_when_refused) decide what it means for the case.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from civitas.cases.models import Case
from civitas.catalogue.public import (
    Service,
    get_service_version,
)
from civitas.pay.public import (
    AlreadyPaid,
    PaymentFee,
    PaymentView,
    payments_of_case,
    start_payment,
)
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
    return payment_of_case(case, service)


def payment_of_case(case: Case, service: Service) -> CasePayment | None:
    """The fee and payments of a case already read (with its service version); None when
    it takes no payment. One query: its payments."""
    if service.model.payment is None or not case.fee_pence:
        return None
    workflow = service.model.workflow
    return CasePayment(
        reference=case.reference,
        service=service,
        fee_pence=case.fee_pence,
        waiting=workflow.on_event(case.status, "payment_received") is not None,
        payments=tuple(
            payments_of_case(organisation_id=case.organisation_id, case_reference=case.reference)
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


def absolute_pay_url(service: Service, reference: str) -> str:
    """The payment page's full address, for emails and API clients."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + pay_url(service, reference)
