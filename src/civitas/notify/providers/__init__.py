"""Delivery providers: who carries each channel's messages (see `base` for the seam)."""

from civitas.notify.providers.base import (
    Channel,
    DeliveryFailed,
    DeliveryProvider,
    DeliveryReceipt,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)
from civitas.notify.providers.registry import load_providers, provider_for

__all__ = [
    "Channel",
    "DeliveryFailed",
    "DeliveryProvider",
    "DeliveryReceipt",
    "OutgoingMessage",
    "PermanentFailure",
    "TemporaryFailure",
    "load_providers",
    "provider_for",
]
