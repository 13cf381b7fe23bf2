"""The payment sandbox's API, as a GOV.UK Pay client sees it (tools/pay_sandbox)."""

import datetime
import json
import re
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.pay_sandbox import (
    DECLINED,
    pay_without_browser,
    signature,
    start_pay_sandbox,
)

PAYMENT_ID = re.compile(r"^[a-z0-9]{26}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def unique_reference() -> str:
    return f"REF-{uuid.uuid4().hex[:12]}"


def post(sandbox, path: str, body=None, **headers) -> requests.Response:
    return requests.post(
        f"{sandbox.url}{path}", json=body, headers=sandbox.headers | headers, timeout=10
    )


def get(sandbox, path: str, **params) -> requests.Response:
    return requests.get(f"{sandbox.url}{path}", params=params, headers=sandbox.headers, timeout=10)


def paid(sandbox, **fields) -> dict:
    payment = sandbox.create_payment(**fields)
    answer = pay_without_browser(payment["_links"]["next_url"]["href"])
    assert answer.status_code == 303, answer.text[:500]
    return sandbox.get_payment(payment["payment_id"])


# --- Creating and reading ---------------------------------------------------------------


def test_it_creates_a_payment_as_gov_uk_pay_describes_it(pay_sandbox):
    payment = pay_sandbox.create_payment(
        amount=2500,
        reference="PERMIT-1",
        language="cy",
        metadata={"case": "C-1", "count": 2, "urgent": False},
        email="payer@example.com",
    )

    assert PAYMENT_ID.match(payment["payment_id"])
    assert TIMESTAMP.match(payment["created_date"])
    assert payment["amount"] == 2500
    assert payment["reference"] == "PERMIT-1"
    assert payment["language"] == "cy"
    assert payment["metadata"] == {"case": "C-1", "count": 2, "urgent": False}
    assert payment["email"] == "payer@example.com"
    assert payment["moto"] is False
    assert payment["payment_provider"] == "sandbox"
    assert payment["state"] == {"status": "created", "finished": False}
    assert payment["refund_summary"] == {
        "status": "unavailable",
        "amount_available": 0,
        "amount_submitted": 0,
    }
    assert payment["card_details"] is None
    links = payment["_links"]
    assert links["next_url"]["href"].startswith(f"{pay_sandbox.url}/secure/")
    assert links["next_url_post"]["method"] == "POST"
    assert links["cancel"]["method"] == "POST"
    assert pay_sandbox.get_payment(payment["payment_id"]) == payment


def test_it_answers_an_unknown_payment_with_not_found(pay_sandbox):
    response = get(pay_sandbox, "/v1/payments/" + "a" * 26)

    assert response.status_code == 404
    assert response.json() == {"code": "P0200", "description": "Not found"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}],
    ids=["none", "wrong key", "wrong scheme"],
)
def test_it_refuses_calls_without_its_api_key(pay_sandbox, headers):
    payment = pay_sandbox.create_payment()

    for response in (
        requests.get(
            f"{pay_sandbox.url}/v1/payments/{payment['payment_id']}", headers=headers, timeout=10
        ),
        requests.post(f"{pay_sandbox.url}/v1/payments", json={}, headers=headers, timeout=10),
        requests.post(
            f"{pay_sandbox.url}/_sandbox/faults", json={"clear": True}, headers=headers, timeout=10
        ),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "P0920"


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"amount": None}, 400, "P0101", "amount"),
        ({"return_url": None}, 400, "P0101", "return_url"),
        ({"amount": 0}, 422, "P0102", "amount"),
        ({"amount": 10_000_001}, 422, "P0102", "amount"),
        ({"amount": 12.5}, 422, "P0102", "amount"),
        ({"amount": "1250"}, 422, "P0102", "amount"),
        ({"amount": True}, 422, "P0102", "amount"),
        ({"reference": "x" * 256}, 422, "P0102", "reference"),
        ({"description": ""}, 422, "P0102", "description"),
        ({"return_url": "javascript:alert(1)"}, 422, "P0102", "return_url"),
        ({"language": "fr"}, 422, "P0102", "language"),
        ({"metadata": {f"k{n}": n for n in range(11)}}, 422, "P0102", "metadata"),
        ({"metadata": {"nested": {"a": 1}}}, 422, "P0102", "metadata"),
        ({"metadata": ["a"]}, 422, "P0102", "metadata"),
        ({"email": "not an email"}, 422, "P0102", "email"),
        ({"moto": "yes"}, 422, "P0102", "moto"),
    ],
)
def test_it_refuses_an_invalid_payment_naming_the_field(pay_sandbox, change, status, code, field):
    body = {
        "amount": 100,
        "reference": "R",
        "description": "D",
        "return_url": "https://example.com/return",
    } | change
    body = {name: value for name, value in body.items() if value is not None}

    response = post(pay_sandbox, "/v1/payments", body)

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert response.json()["field"] == field


def test_it_refuses_a_body_that_is_not_json(pay_sandbox):
    response = requests.post(
        f"{pay_sandbox.url}/v1/payments",
        data=b"{not json",
        headers=pay_sandbox.headers,
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json()["code"] == "P0197"


def test_the_same_idempotency_key_and_body_returns_the_first_payment(pay_sandbox):
    body = {
        "amount": 700,
        "reference": unique_reference(),
        "description": "Bulky waste collection",
        "return_url": "https://example.com/return",
    }
    key = uuid.uuid4().hex

    first = post(pay_sandbox, "/v1/payments", body, **{"Idempotency-Key": key})
    again = post(pay_sandbox, "/v1/payments", body, **{"Idempotency-Key": key})

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["payment_id"] == first.json()["payment_id"]
    found = get(pay_sandbox, "/v1/payments", reference=body["reference"]).json()
    assert found["total"] == 1


def test_the_same_idempotency_key_with_another_body_is_refused(pay_sandbox):
    body = {
        "amount": 700,
        "reference": unique_reference(),
        "description": "Bulky waste collection",
        "return_url": "https://example.com/return",
    }
    key = uuid.uuid4().hex
    post(pay_sandbox, "/v1/payments", body, **{"Idempotency-Key": key})

    response = post(pay_sandbox, "/v1/payments", body | {"amount": 701}, **{"Idempotency-Key": key})

    assert response.status_code == 422
    assert response.json()["code"] == "P0191"


# --- Cancelling and events ----------------------------------------------------------------


def test_the_service_cancels_an_unfinished_payment(pay_sandbox):
    payment = pay_sandbox.create_payment()

    response = post(pay_sandbox, f"/v1/payments/{payment['payment_id']}/cancel")

    assert response.status_code == 204
    cancelled = pay_sandbox.get_payment(payment["payment_id"])
    assert cancelled["state"] == {
        "status": "cancelled",
        "finished": True,
        "code": "P0040",
        "message": "Payment was cancelled by the service",
    }
    assert cancelled["_links"]["next_url"] is None
    assert cancelled["_links"]["cancel"] is None


def test_a_finished_payment_cannot_be_cancelled(pay_sandbox):
    payment = paid(pay_sandbox)

    response = post(pay_sandbox, f"/v1/payments/{payment['payment_id']}/cancel")

    assert response.status_code == 400
    assert response.json()["code"] == "P0501"
    assert pay_sandbox.get_payment(payment["payment_id"])["state"]["status"] == "success"


def test_events_list_each_state_the_payment_went_through(pay_sandbox):
    payment = paid(pay_sandbox)

    response = get(pay_sandbox, f"/v1/payments/{payment['payment_id']}/events")

    assert response.status_code == 200
    events = response.json()["events"]
    assert [event["state"]["status"] for event in events] == [
        "created",
        "started",
        "submitted",
        "success",
    ]
    assert all(TIMESTAMP.match(event["updated"]) for event in events)
    assert events[-1]["state"]["finished"] is True


def test_a_paid_payment_shows_its_card_but_never_the_number(pay_sandbox):
    payment = paid(pay_sandbox)

    assert payment["state"] == {"status": "success", "finished": True}
    assert payment["card_details"]["last_digits_card_number"] == "1111"
    assert payment["card_details"]["first_digits_card_number"] == "444433"
    assert payment["card_details"]["card_brand"] == "visa"
    assert payment["card_details"]["expiry_date"] == "12/40"
    assert "4444333322221111" not in json.dumps(payment)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    assert payment["settlement_summary"]["captured_date"] == today
    assert payment["settlement_summary"]["settled_date"] == today
    assert payment["refund_summary"] == {
        "status": "available",
        "amount_available": 1250,
        "amount_submitted": 0,
    }


# --- Refunds ----------------------------------------------------------------------------


def test_a_payment_is_refunded_in_part_then_in_full(pay_sandbox):
    payment = paid(pay_sandbox, amount=1000)
    path = f"/v1/payments/{payment['payment_id']}/refunds"

    part = post(pay_sandbox, path, {"amount": 400, "refund_amount_available": 1000})
    rest = post(pay_sandbox, path, {"amount": 600, "refund_amount_available": 600})

    assert part.status_code == 202, part.text
    assert part.json()["status"] == "success"
    assert part.json()["amount"] == 400
    assert rest.status_code == 202
    summary = pay_sandbox.get_payment(payment["payment_id"])["refund_summary"]
    assert summary == {"status": "full", "amount_available": 0, "amount_submitted": 1000}
    listed = get(pay_sandbox, path).json()["_embedded"]["refunds"]
    assert [refund["amount"] for refund in listed] == [400, 600]
    one = get(pay_sandbox, f"{path}/{part.json()['refund_id']}")
    assert one.status_code == 200
    assert one.json()["refund_id"] == part.json()["refund_id"]


def test_a_refund_above_what_is_left_is_refused(pay_sandbox):
    payment = paid(pay_sandbox, amount=1000)
    path = f"/v1/payments/{payment['payment_id']}/refunds"
    post(pay_sandbox, path, {"amount": 700, "refund_amount_available": 1000})

    response = post(pay_sandbox, path, {"amount": 301, "refund_amount_available": 300})

    assert response.status_code == 400
    assert response.json()["code"] == "P0603"
    assert "exceeds" in response.json()["description"]


def test_a_refund_made_from_a_stale_view_of_what_is_left_is_refused(pay_sandbox):
    payment = paid(pay_sandbox, amount=1000)
    path = f"/v1/payments/{payment['payment_id']}/refunds"
    post(pay_sandbox, path, {"amount": 100, "refund_amount_available": 1000})

    response = post(pay_sandbox, path, {"amount": 100, "refund_amount_available": 1000})

    assert response.status_code == 412
    assert response.json()["code"] == "P0604"
    summary = pay_sandbox.get_payment(payment["payment_id"])["refund_summary"]
    assert summary["amount_submitted"] == 100


def test_refunds_sent_at_once_from_one_view_refund_once(pay_sandbox):
    payment = paid(pay_sandbox, amount=1000)
    path = f"/v1/payments/{payment['payment_id']}/refunds"

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(
            pool.map(
                lambda _: post(pay_sandbox, path, {"amount": 600, "refund_amount_available": 1000}),
                range(5),
            )
        )

    assert sorted(answer.status_code for answer in answers) == [202, 412, 412, 412, 412]
    summary = pay_sandbox.get_payment(payment["payment_id"])["refund_summary"]
    assert summary["amount_submitted"] == 600


def test_an_unpaid_payment_cannot_be_refunded(pay_sandbox):
    payment = pay_sandbox.create_payment()

    response = post(pay_sandbox, f"/v1/payments/{payment['payment_id']}/refunds", {"amount": 100})

    assert response.status_code == 400
    assert response.json()["code"] == "P0603"


@pytest.mark.parametrize("amount", [0, -5, "100", None, 1.5])
def test_a_refund_of_no_real_amount_is_refused(pay_sandbox, amount):
    payment = paid(pay_sandbox)

    response = post(
        pay_sandbox, f"/v1/payments/{payment['payment_id']}/refunds", {"amount": amount}
    )

    assert response.status_code in {400, 422}
    assert response.json()["code"] in {"P0601", "P0602"}


def test_a_held_refund_is_submitted_then_succeeds(pay_sandbox):
    payment = paid(pay_sandbox)
    path = f"/v1/payments/{payment['payment_id']}/refunds"
    pay_sandbox.faults(refunds_pending_seconds=1)
    try:
        refund = post(pay_sandbox, path, {"amount": 100}).json()
    finally:
        pay_sandbox.faults(clear=True)

    assert refund["status"] == "submitted"
    assert refund["settlement_summary"]["settled_date"] is None
    time.sleep(1.1)
    assert get(pay_sandbox, f"{path}/{refund['refund_id']}").json()["status"] == "success"


# --- Searching --------------------------------------------------------------------------


def test_search_pages_through_payments_settled_in_a_range(pay_sandbox):
    reference = unique_reference()
    for _ in range(3):
        paid(pay_sandbox, reference=reference)
    pay_sandbox.create_payment(reference=reference)  # not paid: not settled
    today = datetime.datetime.now(datetime.UTC).date()

    first = get(
        pay_sandbox,
        "/v1/payments",
        reference=reference,
        from_settled_date=today.isoformat(),
        to_settled_date=today.isoformat(),
        display_size=2,
    ).json()
    second = requests.get(
        first["_links"]["next_page"]["href"], headers=pay_sandbox.headers, timeout=10
    ).json()

    assert first["total"] == 3
    assert (first["count"], first["page"], second["count"], second["page"]) == (2, 1, 1, 2)
    assert first["_links"]["prev_page"] is None
    assert second["_links"]["next_page"] is None
    ids = {payment["payment_id"] for payment in first["results"] + second["results"]}
    assert len(ids) == 3
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    earlier = get(
        pay_sandbox, "/v1/payments", reference=reference, to_settled_date=yesterday
    ).json()
    assert earlier["total"] == 0


def test_search_filters_by_state_and_creation_time(pay_sandbox):
    reference = unique_reference()
    paid(pay_sandbox, reference=reference)
    pay_sandbox.create_payment(reference=reference)
    later = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)).isoformat()

    succeeded = get(pay_sandbox, "/v1/payments", reference=reference, state="success").json()
    none_yet = get(pay_sandbox, "/v1/payments", reference=reference, from_date=later).json()

    assert succeeded["total"] == 1
    assert succeeded["results"][0]["state"]["status"] == "success"
    assert none_yet["total"] == 0


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"display_size": "501"}, 422, "P0401"),
        ({"page": "0"}, 422, "P0401"),
        ({"page": "x"}, 422, "P0401"),
        ({"from_date": "yesterday"}, 422, "P0401"),
        ({"from_settled_date": "2026-02-30"}, 422, "P0401"),
        ({"state": "paid"}, 422, "P0401"),
        ({"reference": "no-such-reference", "page": "2"}, 404, "P0402"),
    ],
)
def test_search_refuses_bad_parameters(pay_sandbox, params, status, code):
    response = get(pay_sandbox, "/v1/payments", **params)

    assert response.status_code == status
    assert response.json()["code"] == code


def test_refunds_are_searched_by_settled_date(pay_sandbox):
    payment = paid(pay_sandbox)
    refund = post(
        pay_sandbox, f"/v1/payments/{payment['payment_id']}/refunds", {"amount": 50}
    ).json()
    today = datetime.datetime.now(datetime.UTC).date().isoformat()

    found = get(pay_sandbox, "/v1/refunds", from_settled_date=today, display_size=500).json()

    mine = [item for item in found["results"] if item["refund_id"] == refund["refund_id"]]
    assert mine[0]["payment_id"] == payment["payment_id"]
    assert mine[0]["settlement_summary"]["settled_date"] == today


# --- Expiry, faults, restarts -------------------------------------------------------------


def test_an_expired_payment_has_failed_and_can_no_longer_be_paid(pay_sandbox):
    payment = pay_sandbox.create_payment()

    pay_sandbox.expire(payment["payment_id"])

    expired = pay_sandbox.get_payment(payment["payment_id"])
    assert expired["state"] == {
        "status": "failed",
        "finished": True,
        "code": "P0020",
        "message": "Payment expired",
    }
    page = requests.get(payment["_links"]["next_url"]["href"], timeout=10)
    assert "Your payment session has ended" in page.text


def test_a_payment_expires_on_its_own_after_the_expiry_time(tmp_path):
    sandbox = start_pay_sandbox(tmp_path, api_key="key", expiry_seconds=1)
    try:
        payment = sandbox.create_payment()
        time.sleep(1.2)
        assert sandbox.get_payment(payment["payment_id"])["state"]["code"] == "P0020"
    finally:
        sandbox.stop()


def test_failures_switched_on_answer_the_next_calls_and_take_nothing(pay_sandbox):
    reference = unique_reference()
    pay_sandbox.faults(fail_with=503, count=2)

    answers = [
        post(
            pay_sandbox,
            "/v1/payments",
            {"amount": 1, "reference": reference, "description": "D", "return_url": "https://e.x/"},
        )
        for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [503, 503, 201]
    assert answers[0].json()["code"] == "P0999"
    assert get(pay_sandbox, "/v1/payments", reference=reference).json()["total"] == 1


@pytest.mark.parametrize(
    "switches", [{"fail_with": 200}, {"fail_with": "x"}, {"hang_seconds": 1, "count": -1}, [1]]
)
def test_nonsense_fault_switches_are_refused(pay_sandbox, switches):
    response = post(pay_sandbox, "/_sandbox/faults", switches)

    assert response.status_code == 400
    assert post(pay_sandbox, "/v1/payments", {}).status_code == 400  # nothing switched on


def test_a_hang_switched_on_makes_the_payment_but_answers_too_late(pay_sandbox):
    reference = unique_reference()
    pay_sandbox.faults(hang_seconds=2, count=1)

    with pytest.raises(requests.Timeout):
        requests.post(
            f"{pay_sandbox.url}/v1/payments",
            json={
                "amount": 1,
                "reference": reference,
                "description": "D",
                "return_url": "https://e.x/",
            },
            headers=pay_sandbox.headers,
            timeout=0.5,
        )

    time.sleep(1.6)
    assert get(pay_sandbox, "/v1/payments", reference=reference).json()["total"] == 1


def test_payments_survive_a_restart_of_the_sandbox(tmp_path):
    sandbox = start_pay_sandbox(tmp_path, api_key="key")
    try:
        payment = paid(sandbox, amount=333)
        sandbox.restart()
        assert sandbox.get_payment(payment["payment_id"]) == payment
    finally:
        sandbox.stop()


def test_settlement_waits_the_days_it_is_told(tmp_path):
    sandbox = start_pay_sandbox(tmp_path, api_key="key", settle_days=2)
    try:
        payment = paid(sandbox)
    finally:
        sandbox.stop()

    assert payment["settlement_summary"]["captured_date"] is not None
    assert payment["settlement_summary"]["settled_date"] is None


# --- Webhooks ---------------------------------------------------------------------------


class WebhookReceiver:
    """A tiny HTTP server that keeps what is posted to it; it fails the first
    `failures` posts, to show the sandbox tries again."""

    def __init__(self, failures: int = 0) -> None:
        self.messages: list[tuple[bytes, dict]] = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(500)
                else:
                    receiver.messages.append((body, dict(self.headers)))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 15) -> list[tuple[bytes, dict]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def close(self) -> None:
        self.server.shutdown()


def test_webhooks_are_signed_and_tell_each_state_change(tmp_path):
    receiver = WebhookReceiver(failures=1)
    secret = secrets.token_urlsafe(16)
    sandbox = start_pay_sandbox(
        tmp_path, api_key="key", webhook_url=receiver.url, webhook_secret=secret
    )
    try:
        payment = paid(sandbox)
        post(sandbox, f"/v1/payments/{payment['payment_id']}/refunds", {"amount": 100})
        declined = sandbox.create_payment()
        pay_without_browser(declined["_links"]["next_url"]["href"], DECLINED)
        messages = receiver.wait_for(7)
    finally:
        sandbox.stop()
        receiver.close()

    bodies = [json.loads(body) for body, _ in messages]
    assert [(body["resource_id"], body["event_type"]) for body in bodies] == [
        (payment["payment_id"], "card_payment_started"),
        (payment["payment_id"], "card_payment_succeeded"),
        (payment["payment_id"], "card_payment_captured"),
        (payment["payment_id"], "card_payment_settled"),
        (payment["payment_id"], "card_payment_refunded"),
        (declined["payment_id"], "card_payment_started"),
        (declined["payment_id"], "card_payment_failed"),
    ]
    for body, headers in messages:
        assert headers["Pay-Signature"] == signature(body, secret)
    refunded = bodies[4]
    assert refunded["api_version"] == 1
    assert refunded["resource_type"] == "payment"
    assert refunded["resource"]["refund_summary"]["amount_submitted"] == 100
    assert bodies[-1]["resource"]["state"]["code"] == "P0010"


def test_a_key_and_secret_that_begin_with_a_dash_still_start_the_sandbox(tmp_path):
    sandbox = start_pay_sandbox(
        tmp_path, "-key-with-a-dash", webhook_url="http://127.0.0.1:9/", webhook_secret="-s"
    )
    try:
        answer = requests.get(
            f"{sandbox.url}/v1/payments",
            headers={"Authorization": "Bearer -key-with-a-dash"},
            timeout=10,
        )
        assert answer.status_code == 200
    finally:
        sandbox.process.kill()
