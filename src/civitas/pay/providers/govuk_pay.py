"""GOV.UK Pay's public API (https://docs.payments.service.gov.uk/api_reference/): the
first payment provider, and the one the local sandbox speaks (`civitas paysandbox`).

One keep-alive session per thread: the poller asks from several threads at once.
"""

import datetime
import hashlib
import hmac
import json
import logging
import threading
from typing import Any

import requests
from django.conf import settings

from civitas.pay.providers.base import (
    NewPayment,
    NotFoundAtProvider,
    ProviderPayment,
    ProviderRefund,
    ProviderRefused,
    ProviderUnavailable,
)

logger = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 500
"""GOV.UK Pay's largest search page."""


class GovukPayProvider:
    name = "govuk_pay"

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.base_url = (base_url or settings.PAY_API_URL).rstrip("/")
        self._api_key = api_key if api_key is not None else settings.PAY_API_KEY
        self._webhook_secret = (
            webhook_secret if webhook_secret is not None else settings.PAY_WEBHOOK_SECRET
        )
        self.timeout = timeout if timeout is not None else settings.PAY_TIMEOUT_SECONDS
        self._local = threading.local()

    # --- Payments ----------------------------------------------------------------------

    def create_payment(self, payment: NewPayment) -> ProviderPayment:
        body: dict[str, Any] = {
            "amount": payment.amount_pence,
            "reference": payment.reference,
            "description": payment.description,
            "return_url": payment.return_url,
            "language": payment.language if payment.language in ("en", "cy") else "en",
            "metadata": payment.metadata,
        }
        if payment.email:
            body["email"] = payment.email
        if payment.moto:
            body["moto"] = True
        answer = self._call(
            "POST",
            "/v1/payments",
            json_body=body,
            headers={"Idempotency-Key": payment.idempotency_key},
        )
        return _payment(answer)

    def get_payment(self, payment_id: str) -> ProviderPayment:
        return _payment(self._call("GET", f"/v1/payments/{_path_part(payment_id)}"))

    def cancel_payment(self, payment_id: str) -> None:
        self._call("POST", f"/v1/payments/{_path_part(payment_id)}/cancel", expect_body=False)

    # --- Refunds -----------------------------------------------------------------------

    def refund(
        self, payment_id: str, *, amount_pence: int, available_pence: int, idempotency_key: str
    ) -> ProviderRefund:
        answer = self._call(
            "POST",
            f"/v1/payments/{_path_part(payment_id)}/refunds",
            json_body={"amount": amount_pence, "refund_amount_available": available_pence},
            headers={"Idempotency-Key": idempotency_key},
        )
        return _refund(answer, payment_id)

    def list_refunds(self, payment_id: str) -> list[ProviderRefund]:
        answer = self._call("GET", f"/v1/payments/{_path_part(payment_id)}/refunds")
        embedded = answer.get("_embedded") or {}
        refunds = embedded.get("refunds") if isinstance(embedded, dict) else None
        if not isinstance(refunds, list):
            raise ProviderUnavailable("refunds answered without a list")
        return [_refund(item, payment_id) for item in refunds if isinstance(item, dict)]

    def get_refund(self, payment_id: str, refund_id: str) -> ProviderRefund:
        path = f"/v1/payments/{_path_part(payment_id)}/refunds/{_path_part(refund_id)}"
        return _refund(self._call("GET", path), payment_id)

    # --- Reconciliation ----------------------------------------------------------------

    def settled_payments(self, day: datetime.date) -> list[ProviderPayment]:
        return [_payment(item) for item in self._search("/v1/payments", day)]

    def settled_refunds(self, day: datetime.date) -> list[ProviderRefund]:
        return [
            _refund(item, str(item.get("payment_id", "")))
            for item in self._search("/v1/refunds", day)
        ]

    def _search(self, path: str, day: datetime.date) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self._call(
                "GET",
                path,
                params={
                    "from_settled_date": day.isoformat(),
                    "to_settled_date": day.isoformat(),
                    "display_size": SEARCH_PAGE_SIZE,
                    "page": page,
                },
            )
            found = answer.get("results")
            if not isinstance(found, list):
                raise ProviderUnavailable("search answered without results")
            results.extend(item for item in found if isinstance(item, dict))
            links = answer.get("_links") or {}
            if not found or not (isinstance(links, dict) and links.get("next_page")):
                return results
            page += 1

    # --- Webhooks ----------------------------------------------------------------------

    def verify_webhook(self, body: bytes, signature: str) -> bool:
        """GOV.UK Pay signs a webhook's body with HMAC-SHA256 under the webhook's secret,
        in the Pay-Signature header (hex)."""
        if not self._webhook_secret or not signature:
            return False
        expected = hmac.new(self._webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature.strip().lower())

    # --- HTTP --------------------------------------------------------------------------

    @property
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(
                {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
            )
            self._local.session = session
        return session

    def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        expect_body: bool = True,
    ) -> dict[str, Any]:
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                json=json_body,
                params=params,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise ProviderUnavailable(type(error).__name__) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(f"HTTP {response.status_code}")
        if not expect_body and response.status_code < 300:
            return {}
        try:
            answer = response.json()
        except ValueError:
            raise ProviderUnavailable(f"HTTP {response.status_code}: not JSON") from None
        if not isinstance(answer, dict):
            raise ProviderUnavailable(f"HTTP {response.status_code}: not a JSON object")
        if response.status_code == 404:
            raise NotFoundAtProvider(str(answer.get("code", "P0200")), "not found", 404)
        if response.status_code >= 400:
            raise ProviderRefused(
                str(answer.get("code", "")),
                str(answer.get("description", "refused"))[:200],
                response.status_code,
            )
        return answer


def _path_part(value: str) -> str:
    """An id as a path segment: the provider's ids are letters and digits; anything else
    is refused rather than sent (it could change the path)."""
    if not value or not value.replace("-", "").replace("_", "").isalnum():
        raise NotFoundAtProvider("P0200", "not a payment id", 404)
    return value


def _date(value: object) -> datetime.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _payment(answer: dict[str, Any]) -> ProviderPayment:
    try:
        state = answer["state"]
        links = answer.get("_links") or {}
        next_url = links.get("next_url") or {}
        card = answer.get("card_details") or {}
        settlement = answer.get("settlement_summary") or {}
        refunds = answer.get("refund_summary") or {}
        return ProviderPayment(
            payment_id=str(answer["payment_id"]),
            amount_pence=int(answer["amount"]),
            reference=str(answer.get("reference", "")),
            status=str(state["status"]),
            finished=bool(state.get("finished", False)),
            failure_code=str(state.get("code", "") or ""),
            next_url=str(next_url.get("href", "")) if isinstance(next_url, dict) else "",
            card_brand=str(card.get("card_brand", "") or "")[:40],
            last_digits=str(card.get("last_digits_card_number", "") or "")[:4],
            captured_on=_date(settlement.get("captured_date")),
            settled_on=_date(settlement.get("settled_date")),
            refund_available_pence=int(refunds.get("amount_available", 0) or 0),
            metadata=dict(answer.get("metadata") or {}),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        # Not the API's shape: a proxy's page, say. The answer itself may quote details.
        logger.warning("payment provider answered a payment in an unknown shape")
        raise ProviderUnavailable("payment in an unknown shape") from None


def _refund(answer: dict[str, Any], payment_id: str) -> ProviderRefund:
    try:
        settlement = answer.get("settlement_summary") or {}
        return ProviderRefund(
            refund_id=str(answer["refund_id"]),
            payment_id=payment_id,
            amount_pence=int(answer["amount"]),
            status=str(answer["status"]),
            settled_on=_date(settlement.get("settled_date")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        logger.warning("payment provider answered a refund in an unknown shape")
        raise ProviderUnavailable("refund in an unknown shape") from None


def webhook_payment_id(body: bytes) -> str | None:
    """The payment a GOV.UK Pay webhook is about (its `resource_id`), or None when the
    body is not one. Only the id is read: the state is asked of the API, never taken
    from the webhook, so a replayed webhook can mark nothing paid."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("resource_type") != "payment":
        return None
    resource_id = message.get("resource_id")
    return resource_id if isinstance(resource_id, str) and resource_id else None
