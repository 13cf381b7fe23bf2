"""The payment provider's webhook: `POST /pay/webhooks/govuk-pay/`.

Checked by its signature (GOV.UK Pay's `Pay-Signature`), then taken only as a hint to
ask the provider about the payment (payments.handle_webhook). Answered with a problem
body (RFC 9457) when refused, and 200 otherwise, even for a payment we do not know, so
the provider does not keep retrying what we can do nothing with.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from civitas.pay.payments import handle_webhook
from civitas.platform.problems import problem_response

MAX_WEBHOOK_BYTES = 64 * 1024


@csrf_exempt  # signed by the provider instead: no browser posts here
@require_POST
def govuk_pay_webhook(request: HttpRequest) -> HttpResponse:
    body = request.read(MAX_WEBHOOK_BYTES + 1)
    if len(body) > MAX_WEBHOOK_BYTES:
        return problem_response(status=413, title="Webhook too large")
    if not handle_webhook(body, request.headers.get("Pay-Signature", "")):
        return problem_response(
            status=401,
            title="Bad signature",
            detail="The Pay-Signature header does not sign this body with the webhook secret.",
        )
    return HttpResponse(status=200)
