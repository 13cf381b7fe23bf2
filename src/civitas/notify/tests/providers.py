"""Providers for tests, named in NOTIFY_PROVIDERS by their dotted paths."""

from civitas.notify.providers import (
    Channel,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)


class RecordingEmailProvider:
    """Accepts every message and keeps it."""

    channel = Channel.EMAIL
    made = 0

    def __init__(self) -> None:
        type(self).made += 1
        self.sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        self.sent.append(message)
        return DeliveryReceipt(reference=f"recorded-{len(self.sent)}")


class RecordingTextMessageProvider(RecordingEmailProvider):
    channel = Channel.SMS


class RefusingEmailProvider:
    channel = Channel.EMAIL

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        raise PermanentFailure("AddressRefused")


class UnreachableEmailProvider:
    channel = Channel.EMAIL

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        raise TemporaryFailure("GatewayTimeout")


class CrashingEmailProvider:
    """Fails as careless code does: with the recipient in the error."""

    channel = Channel.EMAIL

    def send(self, message: OutgoingMessage) -> DeliveryReceipt:
        raise RuntimeError(f"could not reach {message.recipient}")


class NotAProvider:
    channel = Channel.EMAIL  # but no send()
