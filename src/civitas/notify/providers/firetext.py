"""Text messages through Firetext's HTTP API, one of the two gateways GOV.UK Notify uses.

A message is a form POST to FIRETEXT_URL (`/api/sendsms/json`) with `apiKey`, `from`, `to`
(international digits, no +), `message`, `reference` (our message id, the client
reference Firetext's delivery receipt quotes back) and `receipt` (where to post that
receipt). Firetext answers JSON whose `code` is 0 when the message is queued; any other
code, or any other HTTP status, means it was not.
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

NAME = "firetext"
# Firetext's answer codes that are about the message itself (the number, the text):
# another try, or another gateway, would be refused the same way. Every other code is
# about our account (credentials, credit, the receipt URL) and the message may go through
# another gateway meanwhile.
MESSAGE_REFUSED = {2: "invalid-number", 5: "invalid-message"}


class FiretextProvider:
    """Settings: FIRETEXT_URL, FIRETEXT_API_KEY, FIRETEXT_TIMEOUT_SECONDS,
    FIRETEXT_RECEIPT_URL (default: this site's), FIRETEXT_CALLBACK_PASSWORD (what
    Firetext's receipts and received texts authenticate with)."""

    channel = Channel.SMS
    name = NAME

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        if not settings.FIRETEXT_API_KEY:
            # Not set up here: the next gateway takes the message.
            raise GatewayUnavailable(f"{NAME}-not-configured")
        data = {
            "apiKey": settings.FIRETEXT_API_KEY,
            "from": message.sender or settings.SMS_DEFAULT_SENDER,
            "to": international_digits(message.recipient),
            "message": message.body_text,
            "reference": message.reference,
            "receipt": receipt_url(
                NAME, settings.FIRETEXT_RECEIPT_URL, settings.FIRETEXT_CALLBACK_PASSWORD
            ),
        }
        response = post(
            NAME,
            settings.FIRETEXT_URL,
            timeout_seconds=settings.FIRETEXT_TIMEOUT_SECONDS,
            data=data,
        )
        if response.status_code >= 500:
            raise GatewayUnavailable(f"{NAME}-http-{response.status_code}")
        try:
            code = int(json.loads(response.text)["code"])
        except (ValueError, KeyError, TypeError) as error:
            if response.status_code == 200:
                # A success status whose body we cannot read: it may have queued it.
                raise GatewayTimedOut(f"{NAME}-unreadable-answer") from error
            raise GatewayUnavailable(f"{NAME}-http-{response.status_code}") from error
        if response.status_code == 200 and code == 0:
            return DeliveryReceipt(reference=message.reference, status="sending", provider=NAME)
        if code in MESSAGE_REFUSED:
            raise PermanentFailure(f"{NAME}-{MESSAGE_REFUSED[code]}")
        raise GatewayUnavailable(f"{NAME}-code-{code}")
