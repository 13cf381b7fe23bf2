"""Text messages through a list of gateways: the first that takes a message sends it.

SMS_PROVIDERS orders the gateways (default: firetext, then mmg). A gateway that surely did
not take a message (connection refused, a 5xx answer, our credentials refused) is passed
over for the next. A gateway that timed out may have taken it, so the message is pinned
to that gateway: every later attempt asks that gateway only, with the same client
reference, which it drops if it already has it. That is what makes a timeout, or a worker
killed mid-request, end in one text message, not two (decision 44).

The pin is the message's `provider` column, written before each request and cleared when
the gateway's answer proves it did not take the message. A gateway that keeps timing out
therefore holds its messages until it answers or the outbox gives up on them
(technical-failure after NOTIFY_MAX_ATTEMPTS): never a second copy through another.

A gateway that failed (down, 5xx, a timeout) is tried last for SMS_GATEWAY_REST_SECONDS,
so that while it hangs new messages go straight to the next gateway and only the messages
that met the hang wait for it.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Sequence

from django.conf import settings

from civitas.notify.models import Message
from civitas.notify.providers.base import (
    Channel,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
)
from civitas.notify.providers.firetext import FiretextProvider
from civitas.notify.providers.mmg import MmgProvider
from civitas.notify.providers.sms import GatewayUnavailable

logger = logging.getLogger(__name__)

GATEWAYS: dict[str, type[FiretextProvider | MmgProvider]] = {
    "firetext": FiretextProvider,
    "mmg": MmgProvider,
}


class FailoverTextMessageProvider:
    """The `sms` channel's provider: SMS_PROVIDERS's gateways, in order, with pinning."""

    channel = Channel.SMS

    def __init__(self) -> None:
        unknown = [name for name in settings.SMS_PROVIDERS if name not in GATEWAYS]
        if unknown or not settings.SMS_PROVIDERS:
            raise ValueError(f"SMS_PROVIDERS must name gateways among {', '.join(GATEWAYS)}")
        self.gateways = {name: GATEWAYS[name]() for name in settings.SMS_PROVIDERS}
        # Gateways that just failed, and until when (monotonic seconds) they are tried
        # last. State about gateways, shared by this process's threads; none about a
        # message. Without it, a gateway that hangs would pin every new message too.
        self._resting: dict[str, float] = {}
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        pinned = _pinned_gateway(message.reference)
        if pinned in self.gateways:
            # It may already have the message: it alone may be asked again.
            return self._through(pinned, message)
        last: GatewayUnavailable | None = None
        for name in self._order():
            _pin(message.reference, name)
            try:
                return self._through(name, message)
            except GatewayUnavailable as failure:
                _pin(message.reference, "")
                logger.warning(
                    "message %s not taken by %s (%s); trying the next gateway",
                    message.reference,
                    name,
                    failure.reason,
                )
                last = failure
            except PermanentFailure:
                _pin(message.reference, "")  # refused for good: no gateway has it
                raise
            # A timeout, or anything unforeseen: the gateway may have it, so the pin stays.
        assert last is not None
        raise last

    def _through(self, name: str, message: OutgoingMessage) -> DeliveryReceipt:
        try:
            receipt = self.gateways[name].send(message)
        except PermanentFailure:
            raise
        except Exception:
            with self._lock:
                self._resting[name] = time.monotonic() + settings.SMS_GATEWAY_REST_SECONDS
            raise
        with self._lock:
            self._resting.pop(name, None)
        return receipt

    def _order(self) -> Sequence[str]:
        """SMS_PROVIDERS's order, with gateways that failed in the last
        SMS_GATEWAY_REST_SECONDS moved to the end (still tried, never skipped)."""
        now = time.monotonic()
        with self._lock:
            resting = {name for name, until in self._resting.items() if until > now}
        return sorted(self.gateways, key=lambda name: name in resting)


def _pinned_gateway(reference: str) -> str:
    try:
        return (
            Message.objects.filter(id=reference, sent_at__isnull=True)
            .values_list("provider", flat=True)
            .first()
        ) or ""
    except ValueError:  # not a message id: nothing is pinned
        return ""


def _pin(reference: str, gateway: str) -> None:
    with contextlib.suppress(ValueError):  # not a message id: nothing to pin
        Message.objects.filter(id=reference, sent_at__isnull=True).update(provider=gateway)
