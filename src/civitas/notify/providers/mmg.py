"""Text messages through MMG's HTTP API, one of the two gateways GOV.UK Notify uses.

A message is a JSON POST to MMG_URL (`/jsonv2a/api.php`) authenticated by
`Authorization: Basic <MMG_API_KEY>` (the key as MMG issues it, already encoded), with
`reqType: BULK`, `MSISDN` (international digits), `msg`, `sender`, `cid` (our message id,
the client reference MMG's delivery receipt quotes back as `CID`), `multi: true` (a long
text goes as several parts) and `delurl` (where to post that receipt). MMG answers 200
with its own `Reference` when it has queued the message.
"""

import json

from django.conf import settings

from civitas.notify.providers.base import (
    Channel,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
)
from civitas.notify.providers.sms import (
    GatewayTimedOut,
    GatewayUnavailable,
    international_digits,
    post,
    receipt_url,
)

NAME = "mmg"


class MmgProvider:
    """Settings: MMG_URL, MMG_API_KEY, MMG_TIMEOUT_SECONDS, MMG_RECEIPT_URL (default: this
    site's), MMG_CALLBACK_PASSWORD (what MMG's receipts and received texts authenticate
    with)."""

    channel = Channel.SMS
    name = NAME

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        if not settings.MMG_API_KEY:
            # Not set up here: the next gateway takes the message.
            raise GatewayUnavailable(f"{NAME}-not-configured")
        body = {
            "reqType": "BULK",
            "MSISDN": international_digits(message.recipient),
            "msg": message.body_text,
            "sender": message.sender or settings.SMS_DEFAULT_SENDER,
            "cid": message.reference,
            "multi": True,
            "delurl": receipt_url(NAME, settings.MMG_RECEIPT_URL, settings.MMG_CALLBACK_PASSWORD),
        }
        response = post(
            NAME,
            settings.MMG_URL,
            timeout_seconds=settings.MMG_TIMEOUT_SECONDS,
            data=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Basic {settings.MMG_API_KEY}",
            },
        )
        status = response.status_code
        if status == 200:
            try:
                json.loads(response.text)
            except ValueError as error:
                # A success status whose body we cannot read: it may have queued it.
                raise GatewayTimedOut(f"{NAME}-unreadable-answer") from error
            return DeliveryReceipt(reference=message.reference, status="sending", provider=NAME)
        if status in (400, 422):
            # About the message (the number, the text): another gateway would refuse it too.
            raise PermanentFailure(f"{NAME}-http-{status}-{_error_code(response.text)}")
        # 401/403 (our credentials), 429 (too fast), 5xx: not taken; another may be tried.
        raise GatewayUnavailable(f"{NAME}-http-{status}")


def _error_code(text: str) -> str:
    """MMG's numeric error code, when it gave one; never its words."""
    try:
        code = json.loads(text).get("Error")
    except (ValueError, AttributeError):
        return "unknown"
    return str(code) if isinstance(code, int) else "unknown"
