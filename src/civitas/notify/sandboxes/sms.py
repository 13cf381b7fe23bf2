"""Sandbox SMS gateways: small HTTP servers that speak Firetext's and MMG's APIs.

Each checks the credentials it was given, takes a text message once per client
reference (a repeat is answered as the first was, as an idempotency key), keeps what it
took in `accepted` for tests to read, and posts delivery receipts and received texts
back in its gateway's format. Switches make it misbehave as real gateways do:

- `fail_with = 500`: answer every send with that HTTP status, taking nothing;
- `hang_next = n`: take the next n messages, then hold the answer until `release` is set
  or `hang_seconds` pass (past the client's timeout: the worst case, a message taken
  whose taker never heard so);
- `garble_next = n`: take the next n messages and answer 200 with a body that is not
  JSON (a proxy's error page);
- `drop_next = n`: take the next n messages and close the connection without answering;
- stopping it: the port refuses connections.

With `auto_receipts` it posts each message's receipt itself shortly after taking it, as
the demo wants: GOV.UK Notify's test numbers 07700 900002 and 07700 900003 fail
permanently and temporarily, every other number is delivered.
"""

import base64
import datetime
import itertools
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote_plus

import requests

logger = logging.getLogger(__name__)

OUTCOMES_BY_NUMBER = {"447700900002": "permanent-failure", "447700900003": "temporary-failure"}
_UK_MOBILE = re.compile(r"447\d{9}")


@dataclass
class Accepted:
    """A text message the gateway took."""

    reference: str
    to: str
    sender: str
    text: str
    receipt_url: str
    gateway_id: str
    received_at: float = field(default_factory=time.time)


class SandboxGateway:
    """What both sandboxes share; a subclass speaks one gateway's API."""

    name: ClassVar[str] = ""
    send_path: ClassVar[str] = ""

    def __init__(
        self,
        *,
        api_key: str,
        host: str = "127.0.0.1",
        port: int = 0,
        auto_receipts: bool = False,
        on_accept: Any = None,
    ) -> None:
        self.api_key = api_key
        self.accepted: dict[str, Accepted] = {}
        self.requests = 0
        self.fail_with: int | None = None
        self.hang_next = 0
        self.garble_next = 0
        self.drop_next = 0
        self.hang_seconds = 30.0
        self.release = threading.Event()
        self.auto_receipts = auto_receipts
        self.on_accept = on_accept
        self._lock = threading.Lock()
        self._ids = itertools.count(70_000_001)
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- running ------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.send_path}"

    def start(self) -> "SandboxGateway":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self.release.set()
        if self._thread is not None:
            # shutdown() waits for serve_forever to end: only call it on one that ran.
            self._server.shutdown()
        self._server.server_close()

    # --- what a subclass says -----------------------------------------------------------
    def read_send(
        self, headers: Any, body: bytes
    ) -> tuple[dict[str, str] | None, int, dict[str, Any]]:
        """(fields, status, answer): the message's fields (reference, to, sender, text,
        receipt_url), or None with the refusal to answer."""
        raise NotImplementedError

    def answer_accepted(self, accepted: Accepted) -> dict[str, Any]:
        raise NotImplementedError

    def receipt(self, accepted: Accepted, outcome: str) -> dict[str, Any]:
        """requests.post arguments for the receipt of `accepted` ending in `outcome`."""
        raise NotImplementedError

    def inbound(
        self, *, reference: str, source: str, destination: str, text: str, when: str
    ) -> dict[str, Any]:
        raise NotImplementedError

    # --- behaviour ----------------------------------------------------------------------
    def take(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any], bool]:
        """(status, answer, hang) for one send request."""
        with self._lock:
            self.requests += 1
            if self.fail_with is not None:
                return self.fail_with, {"error": "sandbox told to fail"}, False
            fields, status, answer = self.read_send(headers, body)
            if fields is None:
                return status, answer, False
            existing = self.accepted.get(fields["reference"])
            if existing is not None:
                # The same client reference again: taken once, answered as before.
                return 200, self.answer_accepted(existing), False
            accepted = Accepted(
                reference=fields["reference"],
                to=fields["to"],
                sender=fields["sender"],
                text=fields["text"],
                receipt_url=fields["receipt_url"],
                gateway_id=str(next(self._ids)),
            )
            self.accepted[accepted.reference] = accepted
            hang = self.hang_next > 0
            if hang:
                self.hang_next -= 1
            garble = self.garble_next > 0
            if garble:
                self.garble_next -= 1
            drop = self.drop_next > 0
            if drop:
                self.drop_next -= 1
        if self.on_accept is not None:
            self.on_accept(self, accepted)
        if self.auto_receipts:
            outcome = OUTCOMES_BY_NUMBER.get(accepted.to, "delivered")
            threading.Thread(target=self._post_later, args=(accepted, outcome), daemon=True).start()
        if drop:
            return 0, {}, hang
        if garble:
            return 200, {"garbled": True}, hang
        return 200, self.answer_accepted(accepted), hang

    def _post_later(self, accepted: Accepted, outcome: str) -> None:
        for wait in (0.5, 1, 2, 4, 8):
            time.sleep(wait)
            try:
                if self.deliver(accepted.reference, outcome) < 500:
                    return
            except requests.RequestException:
                continue

    def deliver(self, reference: str, outcome: str = "delivered") -> int:
        """Posts the receipt of a message taken; returns Civitas's HTTP status."""
        accepted = self.accepted[reference]
        response = requests.post(
            accepted.receipt_url, timeout=10, **self.receipt(accepted, outcome)
        )
        return response.status_code

    def send_inbound(
        self,
        url: str,
        *,
        password: str,
        source: str,
        destination: str,
        text: str,
        reference: str | None = None,
        when: str | None = None,
    ) -> requests.Response:
        """Posts a text a person sent to `destination` to Civitas at `url`."""
        arguments = self.inbound(
            reference=reference or f"{self.name}-in-{next(self._ids)}",
            source=source,
            destination=destination,
            text=text,
            when=when or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        )
        return requests.post(url, auth=(self.name, password), timeout=10, **arguments)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # requests carry phone numbers: nothing is logged

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 1_000_000))
                if self.path.split("?")[0] != gateway.send_path:
                    self._answer(404, {"error": "not found"})
                    return
                status, answer, hang = gateway.take(self.headers, body)
                if hang:
                    gateway.release.wait(gateway.hang_seconds)
                if status == 0:
                    self.close_connection = True  # dropped: no answer at all
                    return
                self._answer(status, answer)

            def _answer(self, status: int, answer: dict[str, Any]) -> None:
                garbled = answer == {"garbled": True}
                data = b"<html>Bad gateway</html>" if garbled else json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

        return Handler


class FiretextSandbox(SandboxGateway):
    """Firetext's `/api/sendsms/json`: a form with apiKey, from, to, message, reference,
    receipt; answers JSON whose `code` is 0 when queued (1: authentication error,
    2: destination number error, 5: message error)."""

    name = "firetext"
    send_path = "/api/sendsms/json"

    def read_send(
        self, headers: Any, body: bytes
    ) -> tuple[dict[str, str] | None, int, dict[str, Any]]:
        form = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("apiKey") != self.api_key:
            return None, 200, {"code": 1, "description": "Authentication error"}
        if not _UK_MOBILE.fullmatch(form.get("to", "")):
            return None, 200, {"code": 2, "description": "Destination number error"}
        if not form.get("message"):
            return None, 200, {"code": 5, "description": "Message error"}
        fields = {
            "reference": form.get("reference", ""),
            "to": form["to"],
            "sender": form.get("from", ""),
            "text": form["message"],
            "receipt_url": form.get("receipt", ""),
        }
        return fields, 200, {}

    def answer_accepted(self, accepted: Accepted) -> dict[str, Any]:
        return {"code": 0, "description": "SMS successfully queued", "responseData": 1}

    def receipt(self, accepted: Accepted, outcome: str) -> dict[str, Any]:
        status, code = {
            "delivered": ("0", ""),
            "permanent-failure": ("1", "101"),
            "temporary-failure": ("1", "102"),
            "pending": ("2", ""),
        }[outcome]
        form = {
            "mobile": accepted.to,
            "status": status,
            "time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "reference": accepted.reference,
        }
        if code:
            form["code"] = code
        return {"data": form}

    def inbound(
        self, *, reference: str, source: str, destination: str, text: str, when: str
    ) -> dict[str, Any]:
        # Firetext's received texts carry no id of their own.
        return {
            "data": {
                "source": source,
                "destination": destination,
                "message": text,
                "time": when,
                "keyword": text.split(" ")[0].upper() if text else "",
            }
        }


class MmgSandbox(SandboxGateway):
    """MMG's `/jsonv2a/api.php`: JSON with reqType BULK, MSISDN, msg, sender, cid, multi,
    delurl, authenticated by `Authorization: Basic <api key>`; answers 200 with its own
    `Reference`, 401 for bad credentials, 400 with an `Error` code for a bad request."""

    name = "mmg"
    send_path = "/jsonv2a/api.php"

    def read_send(
        self, headers: Any, body: bytes
    ) -> tuple[dict[str, str] | None, int, dict[str, Any]]:
        if headers.get("Authorization", "") != f"Basic {self.api_key}":
            return None, 401, {"Error": 1, "Description": "Authentication failed"}
        try:
            data = json.loads(body)
        except ValueError:
            return None, 400, {"Error": 2, "Description": "Request not JSON"}
        if not isinstance(data, dict) or data.get("reqType") != "BULK" or not data.get("cid"):
            return None, 400, {"Error": 3, "Description": "Missing parameters"}
        if not _UK_MOBILE.fullmatch(str(data.get("MSISDN", ""))):
            return None, 400, {"Error": 206, "Description": "Invalid MSISDN"}
        if not data.get("msg"):
            return None, 400, {"Error": 207, "Description": "Invalid message"}
        fields = {
            "reference": str(data["cid"]),
            "to": str(data["MSISDN"]),
            "sender": str(data.get("sender", "")),
            "text": str(data["msg"]),
            "receipt_url": str(data.get("delurl", "")),
        }
        return fields, 200, {}

    def answer_accepted(self, accepted: Accepted) -> dict[str, Any]:
        return {"Reference": int(accepted.gateway_id)}

    def receipt(self, accepted: Accepted, outcome: str) -> dict[str, Any]:
        status, substatus = {
            "delivered": ("3", "5"),
            "permanent-failure": ("5", "52"),
            "temporary-failure": ("4", "6"),
            "duplicate": ("5", "23"),
        }[outcome]
        body = {
            "reference": accepted.gateway_id,
            "CID": accepted.reference,
            "MSISDN": accepted.to,
            "status": status,
            "substatus": substatus,
            "deliverytime": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        }
        return {"data": json.dumps(body), "headers": {"Content-Type": "application/json"}}

    def inbound(
        self, *, reference: str, source: str, destination: str, text: str, when: str
    ) -> dict[str, Any]:
        body = {
            "ID": reference,
            "MSISDN": source,
            "Number": destination,
            "Message": quote_plus(text),
            "Trigger": text.split(" ")[0] if text else "",
            "Channel": "SMS",
            "DateRecieved": quote_plus(when),  # sic: MMG's spelling
        }
        return {"data": json.dumps(body), "headers": {"Content-Type": "application/json"}}


def basic_api_key(user: str, password: str) -> str:
    """An MMG API key as MMG issues it: user and password, base64-encoded."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()
