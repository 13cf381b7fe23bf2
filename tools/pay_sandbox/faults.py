"""Fault switches for tests (POST /_sandbox/faults): the next N API calls fail with a
status, or are answered only after a wait, as a payment provider having a bad day does.
Kept in memory: a restart clears them."""

import json
import threading
import time
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse


@dataclass
class Switches:
    fail_with: int = 0
    fail_count: int = 0
    hang_seconds: float = 0
    hang_count: int = 0
    # Refunds stay "submitted" this long before they succeed.
    refunds_pending_seconds: float = 0


_lock = threading.Lock()
_switches = Switches()


def set_switches(switches: dict) -> None:
    """Applies a faults request: {"fail_with": 503, "count": 2}, {"hang_seconds": 5,
    "count": 1}, {"refunds_pending_seconds": 2}, or {"clear": true}."""
    global _switches
    with _lock:
        if switches.get("clear"):
            _switches = Switches()
        count = int(switches.get("count", 1))
        if count < 0 or not 400 <= int(switches.get("fail_with", 500)) <= 599:
            raise ValueError("count must be 0 or more, fail_with an HTTP error status")
        if "fail_with" in switches:
            _switches.fail_with, _switches.fail_count = int(switches["fail_with"]), count
        if "hang_seconds" in switches:
            _switches.hang_seconds, _switches.hang_count = float(switches["hang_seconds"]), count
        if "refunds_pending_seconds" in switches:
            _switches.refunds_pending_seconds = float(switches["refunds_pending_seconds"])


def refunds_pending_seconds() -> float:
    with _lock:
        return _switches.refunds_pending_seconds


def _take_failure() -> int:
    with _lock:
        if _switches.fail_count > 0:
            _switches.fail_count -= 1
            return _switches.fail_with
    return 0


def _take_hang() -> float:
    with _lock:
        if _switches.hang_count > 0:
            _switches.hang_count -= 1
            return _switches.hang_seconds
    return 0


class FaultMiddleware:
    """Applies the switches to the API (/v1/) only: the card pages and the switches'
    own endpoint always answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/v1/"):
            return self.get_response(request)
        status = _take_failure()
        if status:
            return JsonResponse(
                {"code": "P0999", "description": "GOV.UK Pay is unavailable (a sandbox fault)"},
                status=status,
            )
        hang = _take_hang()
        response = self.get_response(request)
        if hang:
            # The request has done its work (a payment IS made); only the answer is late.
            time.sleep(hang)
        return response


def parse(body: bytes) -> dict:
    switches = json.loads(body or b"{}")
    if not isinstance(switches, dict):
        raise ValueError("a JSON object is expected")
    return switches
