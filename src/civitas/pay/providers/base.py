"""The seam between Civitas and whoever takes a payment.

A provider hosts the card pages: Civitas never sees card details. It is asked to make a
payment (amount, reference, description, return address, language) and answers with its
id and the page to send the citizen to; it is asked, whenever Civitas needs to know, what
state a payment is in; it refunds; and it lists what it settled, for reconciliation.
GOV.UK Pay's API is the first provider's (govuk_pay.py); a pay-by-bank provider would be
another class with the same methods, named in the PAY_PROVIDERS setting.

What a provider owes:

- `idempotency_key` is the same on every attempt to make the same payment or refund:
  pass it on, so a request repeated after a timeout makes nothing twice.
- Failures raise `ProviderUnavailable` (try again later: a timeout, a 5xx answer, an
  answer that is not the API's) or `ProviderRefused` (asking again will not help: the
  provider's error code and a plain-English message). Their text is logged: an error code
  or class, never card or personal details.
- No database transaction is open while a provider is called.
"""

import datetime
from dataclasses import dataclass, field
from typing import Protocol


class ProviderError(Exception):
    """The provider did not do what it was asked."""


class ProviderUnavailable(ProviderError):
    """Try again later: the provider timed out, was down, or answered nonsense."""


class ProviderRefused(ProviderError):
    """The provider refused the request; asking again the same way will not help."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class NotFoundAtProvider(ProviderRefused):
    """The provider knows no such payment."""


@dataclass(frozen=True)
class NewPayment:
    amount_pence: int
    reference: str
    description: str
    return_url: str
    language: str
    metadata: dict[str, str | int | bool]
    idempotency_key: str
    email: str = ""
    moto: bool = False


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider sees it."""

    payment_id: str
    amount_pence: int
    reference: str
    status: str
    """GOV.UK Pay's: created, started, submitted, capturable, success, failed, cancelled, error."""
    finished: bool
    failure_code: str = ""
    next_url: str = ""
    card_brand: str = ""
    last_digits: str = ""
    captured_on: datetime.date | None = None
    settled_on: datetime.date | None = None
    refund_available_pence: int = 0
    metadata: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderRefund:
    refund_id: str
    payment_id: str
    amount_pence: int
    status: str
    """submitted, success or error."""
    settled_on: datetime.date | None = None


class PaymentProvider(Protocol):
    name: str

    def create_payment(self, payment: NewPayment) -> ProviderPayment: ...

    def get_payment(self, payment_id: str) -> ProviderPayment: ...

    def cancel_payment(self, payment_id: str) -> None: ...

    def refund(
        self, payment_id: str, *, amount_pence: int, available_pence: int, idempotency_key: str
    ) -> ProviderRefund: ...

    def list_refunds(self, payment_id: str) -> list[ProviderRefund]: ...

    def get_refund(self, payment_id: str, refund_id: str) -> ProviderRefund: ...

    def settled_payments(self, day: datetime.date) -> list[ProviderPayment]: ...

    def settled_refunds(self, day: datetime.date) -> list[ProviderRefund]: ...

    def verify_webhook(self, body: bytes, signature: str) -> bool: ...
