"""Where the SMS gateways post delivery receipts and received text messages.

Each gateway authenticates with HTTP basic auth: its own name as the user name and the
password in <GATEWAY>_CALLBACK_PASSWORD (put in the receipt URL given with each message,
and set in the gateway's account for received texts). Not a browser: no CSRF token,
JSON answers; anything malformed is answered 4xx with a problem body.
"""

import base64
import binascii
import hmac
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from civitas.notify import sms_reports
from civitas.notify.sms_reports import ReportRefused
from civitas.platform.problems import problem_response

PASSWORDS = {"firetext": "FIRETEXT_CALLBACK_PASSWORD", "mmg": "MMG_CALLBACK_PASSWORD"}


def _is_gateway(request: HttpRequest, gateway: str) -> bool:
    expected = getattr(settings, PASSWORDS[gateway], "")
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if not expected or scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(user.encode(), gateway.encode()) & hmac.compare_digest(
        password.encode(), expected.encode()
    )


View = Callable[[HttpRequest], HttpResponse]


def _gateway_view(gateway: str, handle: View) -> View:
    @csrf_exempt
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        if not _is_gateway(request, gateway):
            response = problem_response(status=401, title="Not authenticated as the gateway")
            response["WWW-Authenticate"] = f'Basic realm="{gateway}"'
            return response
        try:
            return handle(request)
        except ReportRefused as refused:
            return problem_response(status=400, title="Report not understood", detail=str(refused))

    view.__name__ = f"{gateway}_{handle.__name__}"
    return view


def _firetext_receipt(request: HttpRequest) -> HttpResponse:
    return _receipt(sms_reports.parse_firetext_receipt(request.POST))


def _mmg_receipt(request: HttpRequest) -> HttpResponse:
    return _receipt(sms_reports.parse_mmg_receipt(request.body))


def _receipt(receipt: sms_reports.Receipt) -> HttpResponse:
    if sms_reports.record_delivery_receipt(receipt) == "unknown":
        return problem_response(status=404, title="No message has that reference")
    return JsonResponse({"result": "success"})


def _firetext_inbound(request: HttpRequest) -> HttpResponse:
    sms_reports.record_received_text(sms_reports.parse_firetext_inbound(request.POST))
    return JsonResponse({"status": "ok"})


def _mmg_inbound(request: HttpRequest) -> HttpResponse:
    sms_reports.record_received_text(sms_reports.parse_mmg_inbound(request.body))
    return JsonResponse({"status": "ok"})


firetext_receipt = _gateway_view("firetext", _firetext_receipt)
firetext_inbound = _gateway_view("firetext", _firetext_inbound)
mmg_receipt = _gateway_view("mmg", _mmg_receipt)
mmg_inbound = _gateway_view("mmg", _mmg_inbound)
