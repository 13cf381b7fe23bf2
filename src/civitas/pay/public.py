"""What other domains may use of payments (docs/payments.md)."""

from civitas.pay.events import (
    PaymentSucceeded,
    PaymentTaken,
    ReconciliationViewed,
    RefundRequested,
    TelephonePaymentStarted,
)
from civitas.pay.health import check_payments
from civitas.pay.pages import allow_payment_redirect, payment_pages_origin
from civitas.pay.payments import (
    AlreadyPaid,
    PaymentFee,
    PaymentNotFound,
    PaymentRefused,
    PaymentUnavailable,
    PaymentView,
    cancel_open_payments,
    payment_for_return,
    payments_of_case,
    start_payment,
)
from civitas.pay.polling import poll_due_payments, run_poller
from civitas.pay.refunds import (
    RefundInvalid,
    RefundView,
    refund_refused_application,
    refunds_of_case,
    send_due_refunds,
)

__all__ = [
    "AlreadyPaid",
    "PaymentFee",
    "PaymentNotFound",
    "PaymentRefused",
    "PaymentSucceeded",
    "PaymentTaken",
    "PaymentUnavailable",
    "PaymentView",
    "ReconciliationViewed",
    "RefundInvalid",
    "RefundRequested",
    "RefundView",
    "TelephonePaymentStarted",
    "allow_payment_redirect",
    "cancel_open_payments",
    "check_payments",
    "payment_for_return",
    "payment_pages_origin",
    "payments_of_case",
    "poll_due_payments",
    "refund_refused_application",
    "refunds_of_case",
    "run_poller",
    "send_due_refunds",
    "start_payment",
]
