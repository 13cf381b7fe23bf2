"""The payment providers, by name (the PAY_PROVIDERS setting); base.py is the seam."""

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from civitas.pay.providers.base import PaymentProvider


@functools.cache
def _provider(name: str, dotted_path: str) -> PaymentProvider:
    provider: PaymentProvider = import_string(dotted_path)()
    return provider


def payment_provider(name: str | None = None) -> PaymentProvider:
    """The provider called `name` (by default PAY_PROVIDER's), made once per process so
    its connections are kept open between calls."""
    name = name or settings.PAY_PROVIDER
    return _provider(name, settings.PAY_PROVIDERS[name])


def forget_providers() -> None:
    """For tests that point a provider at another server."""
    _provider.cache_clear()
