"""A small GOV.UK Pay, in the test's own process, for the refund and reconciliation tests.

It speaks the few endpoints those need, over real HTTP, in GOV.UK Pay's shapes: making,
listing and reading refunds (with the `refund_amount_available` check the real API
makes), and the search of settled payments and refunds by settled date. The
provider adapter is pointed at it (PAY_API_URL), so the adapter runs as it does in
production. A test seeds what the provider holds and can make the next answers fail.
"""

import datetime
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from civitas.pay.providers import forget_providers


@dataclass
class HeldPayment:
    payment_id: str
    amount_pence: int
    reference: str
    metadata: dict[str, object] = field(default_factory=dict)
    settled_on: datetime.date | None = None
    status: str = "success"


@dataclass
class HeldRefund:
    refund_id: str
    payment_id: str
    amount_pence: int
    status: str = "success"
    settled_on: datetime.date | None = None


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeGovukPay:
    url: str = ""
    payments: dict[str, HeldPayment] = field(default_factory=dict)
    refunds: dict[str, HeldRefund] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    next_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """Answers given, in turn, before any other: (HTTP status, body)."""
    refund_status: str = "success"
    """What a refund made here is, at once: success, or submitted."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hold_payment(
        self,
        payment_id: str,
        amount_pence: int,
        reference: str = "",
        *,
        settled_on: datetime.date | None = None,
        metadata: dict[str, object] | None = None,
    ) -> HeldPayment:
        held = HeldPayment(payment_id, amount_pence, reference, metadata or {}, settled_on)
        self.payments[payment_id] = held
        return held

    def hold_refund(
        self,
        refund_id: str,
        payment_id: str,
        amount_pence: int,
        *,
        settled_on: datetime.date | None = None,
    ) -> HeldRefund:
        held = HeldRefund(refund_id, payment_id, amount_pence, "success", settled_on)
        self.refunds[refund_id] = held
        return held

    def answer_next(self, status: int, body: dict[str, Any] | None = None) -> None:
        self.next_answers.append((status, body or {}))

    def refund_requests(self) -> list[Seen]:
        return [seen for seen in self.requests if seen.method == "POST"]

    # --- What the API answers ----------------------------------------------------------

    def answer(self, seen: Seen, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append(seen)
            if self.next_answers:
                return self.next_answers.pop(0)
            parts = [part for part in seen.path.split("/") if part]
            if seen.method == "GET" and parts == ["v1", "payments"]:
                return 200, self._search(query, self._settled_payments)
            if seen.method == "GET" and parts == ["v1", "refunds"]:
                return 200, self._search(query, self._settled_refunds)
            if len(parts) >= 4 and parts[:2] == ["v1", "payments"] and parts[3] == "refunds":
                payment = self.payments.get(parts[2])
                if payment is None:
                    return 404, {"code": "P0700", "description": "Not found"}
                if seen.method == "POST" and len(parts) == 4:
                    return self._refund(payment, seen)
                if seen.method == "GET" and len(parts) == 4:
                    made = [r for r in self.refunds.values() if r.payment_id == payment.payment_id]
                    return 200, {
                        "payment_id": payment.payment_id,
                        "_embedded": {"refunds": [_refund_json(refund) for refund in made]},
                    }
                if seen.method == "GET" and len(parts) == 5:
                    refund = self.refunds.get(parts[4])
                    if refund is None or refund.payment_id != payment.payment_id:
                        return 404, {"code": "P0800", "description": "Not found"}
                    return 200, _refund_json(refund)
            return 404, {"code": "P0900", "description": "No such endpoint"}

    def _available(self, payment: HeldPayment) -> int:
        refunded = sum(
            refund.amount_pence
            for refund in self.refunds.values()
            if refund.payment_id == payment.payment_id and refund.status != "error"
        )
        return payment.amount_pence - refunded

    def _refund(self, payment: HeldPayment, seen: Seen) -> tuple[int, dict[str, Any]]:
        # Like GOV.UK Pay, no idempotency for refunds: a refund sent again is refused as
        # stale by `refund_amount_available` instead.
        amount = seen.body.get("amount")
        available = self._available(payment)
        if seen.body.get("refund_amount_available") != available:
            return 412, {"code": "P0604", "description": "Refund amount available mismatch"}
        if not isinstance(amount, int) or amount <= 0 or amount > available:
            return 400, {"code": "P0603", "description": "The payment is not available for refund"}
        refund = HeldRefund(uuid.uuid4().hex[:26], payment.payment_id, amount, self.refund_status)
        self.refunds[refund.refund_id] = refund
        return 202, _refund_json(refund)

    def _search(self, query: dict[str, list[str]], found: Any) -> dict[str, Any]:
        day = datetime.date.fromisoformat(query["from_settled_date"][0])
        assert query["to_settled_date"] == [day.isoformat()]
        size = int(query.get("display_size", ["500"])[0])
        page = int(query.get("page", ["1"])[0])
        results = found(day)
        shown = results[(page - 1) * size : page * size]
        more = page * size < len(results)
        return {
            "total": len(results),
            "count": len(shown),
            "page": page,
            "results": shown,
            "_links": {"next_page": {"href": f"?page={page + 1}"} if more else None},
        }

    def _settled_payments(self, day: datetime.date) -> list[dict[str, Any]]:
        return [
            _payment_json(payment)
            for payment in self.payments.values()
            if payment.settled_on == day
        ]

    def _settled_refunds(self, day: datetime.date) -> list[dict[str, Any]]:
        return [
            {**_refund_json(refund), "payment_id": refund.payment_id}
            for refund in self.refunds.values()
            if refund.settled_on == day
        ]


def _payment_json(payment: HeldPayment) -> dict[str, Any]:
    return {
        "payment_id": payment.payment_id,
        "amount": payment.amount_pence,
        "reference": payment.reference,
        "description": "A fee",
        "state": {"status": payment.status, "finished": True},
        "metadata": payment.metadata,
        "settlement_summary": {
            "settled_date": payment.settled_on.isoformat() if payment.settled_on else None
        },
        "_links": {},
    }


def _refund_json(refund: HeldRefund) -> dict[str, Any]:
    return {
        "refund_id": refund.refund_id,
        "amount": refund.amount_pence,
        "status": refund.status,
        "created_date": "2026-01-01T10:00:00.000Z",
        "settlement_summary": {
            "settled_date": refund.settled_on.isoformat() if refund.settled_on else None
        },
    }


def _handler(fake: FakeGovukPay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            address = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            seen = Seen(
                self.command,
                address.path,
                {name.lower(): value for name, value in self.headers.items()},
                body if isinstance(body, dict) else {},
            )
            status, answer = fake.answer(seen, parse_qs(address.query))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def govuk_pay(settings) -> Iterator[FakeGovukPay]:
    """A GOV.UK Pay the provider adapter is pointed at, for one test."""
    fake = FakeGovukPay()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PAY_API_URL = fake.url
    settings.PAY_TIMEOUT_SECONDS = 5
    forget_providers()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        forget_providers()
