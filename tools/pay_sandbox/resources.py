"""Payments and refunds as the GOV.UK Pay API shows them (field names, dates, links)."""

import datetime

from django.conf import settings

from . import lifecycle
from .models import Payment, Refund


def timestamp(moment: datetime.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as GOV.UK Pay writes times."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def link(path: str, method: str = "GET") -> dict:
    return {"href": f"{settings.BASE_URL}{path}", "method": method}


def settled(date: datetime.date | None) -> str | None:
    """A settlement date is shown once the day has come."""
    if date is None or date > datetime.datetime.now(datetime.UTC).date():
        return None
    return date.isoformat()


def state_of(payment: Payment) -> dict:
    state: dict = {
        "status": payment.status,
        "finished": payment.status in lifecycle.FINISHED,
    }
    if payment.failure_code:
        state["code"] = payment.failure_code
        state["message"] = lifecycle.MESSAGES[payment.failure_code]
    return state


def refund_summary(payment: Payment, refunded: int) -> dict:
    if payment.status != lifecycle.SUCCESS:
        status = "unavailable"
    elif refunded >= payment.amount:
        status = "full"
    else:
        status = "available"
    return {
        "status": status,
        "amount_available": payment.amount - refunded if payment.status == "success" else 0,
        "amount_submitted": refunded,
    }


def payment_resource(payment: Payment) -> dict:
    """The payment object every payment endpoint (and webhook) returns."""
    refunded = payment.amount_refunded()
    path = f"/v1/payments/{payment.payment_id}"
    links: dict = {
        "self": link(path),
        "next_url": None,
        "next_url_post": None,
        "events": link(f"{path}/events"),
        "refunds": link(f"{path}/refunds"),
        "cancel": None,
    }
    if payment.status not in lifecycle.FINISHED:
        links["next_url"] = link(f"/secure/{payment.token}")
        links["next_url_post"] = {
            "type": "application/x-www-form-urlencoded",
            "params": {"chargeTokenId": payment.token},
            "href": f"{settings.BASE_URL}/secure",
            "method": "POST",
        }
    if payment.status in lifecycle.CANCELLABLE:
        links["cancel"] = link(f"{path}/cancel", "POST")
    resource = {
        "amount": payment.amount,
        "description": payment.description,
        "reference": payment.reference,
        "language": payment.language,
        "metadata": payment.metadata,
        "email": payment.email or None,
        "moto": payment.moto,
        "payment_id": payment.payment_id,
        "payment_provider": "sandbox",
        "created_date": timestamp(payment.created_at),
        "return_url": payment.return_url,
        "delayed_capture": False,
        "state": state_of(payment),
        "refund_summary": refund_summary(payment, refunded),
        "settlement_summary": {
            "capture_submit_time": (
                timestamp(payment.capture_submitted_at) if payment.capture_submitted_at else None
            ),
            "captured_date": payment.captured_date.isoformat() if payment.captured_date else None,
            "settled_date": settled(payment.settled_date),
        },
        "card_details": card_details(payment),
        "_links": links,
    }
    if payment.status == lifecycle.SUCCESS:
        resource["total_amount"] = payment.amount
    return resource


def card_details(payment: Payment) -> dict | None:
    if not payment.card_last_digits:
        return None
    return {
        "last_digits_card_number": payment.card_last_digits,
        "first_digits_card_number": payment.card_first_digits,
        "cardholder_name": payment.cardholder_name,
        "expiry_date": payment.card_expiry,
        "billing_address": payment.billing_address,
        "card_brand": payment.card_brand,
        "card_type": payment.card_type or None,
    }


def refund_resource(refund: Refund, *, with_payment_id: bool = False) -> dict:
    path = f"/v1/payments/{refund.payment_id}"
    resource = {
        "refund_id": refund.refund_id,
        "created_date": timestamp(refund.created_at),
        "amount": refund.amount,
        "status": refund.status,
        "settlement_summary": {"settled_date": settled(refund.settled_date)},
        "_links": {
            "self": link(f"{path}/refunds/{refund.refund_id}"),
            "payment": link(path),
        },
    }
    if with_payment_id:
        resource["payment_id"] = refund.payment_id
    return resource


def event_resource(payment_id: str, status: str, code: str, at: datetime.datetime) -> dict:
    state: dict = {"status": status, "finished": status in lifecycle.FINISHED}
    if code:
        state["code"] = code
        state["message"] = lifecycle.MESSAGES[code]
    return {
        "payment_id": payment_id,
        "state": state,
        "updated": timestamp(at),
        "_links": {"payment_url": link(f"/v1/payments/{payment_id}")},
    }
