"""Which provider carries each channel: the NOTIFY_PROVIDERS setting, resolved once.

    NOTIFY_PROVIDERS = {"email": "civitas.notify.providers.smtp.SmtpEmailProvider"}

Each value is the dotted path of a class (or any callable) that makes the channel's
provider with no arguments. A bad setting raises ImproperlyConfigured, which the system
check in `notify.checks` turns into an error when any command starts, a worker included.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from civitas.notify.providers.base import Channel, DeliveryProvider

# The setting as it was read, and the providers it named: made on first use and kept while
# the setting is unchanged (tests change it). Two threads racing to fill it build equal
# providers, and one wins.
_resolved: tuple[dict[str, Any], Mapping[str, DeliveryProvider]] | None = None


def provider_for(channel: str) -> DeliveryProvider:
    """The provider that carries `channel`'s messages."""
    providers = load_providers()
    if channel not in providers:
        raise ImproperlyConfigured(
            f"NOTIFY_PROVIDERS has no provider for the {str(channel)!r} channel"
        )
    return providers[channel]


def load_providers() -> Mapping[str, DeliveryProvider]:
    """Every configured provider by channel, made on the first call and kept."""
    global _resolved
    setting = settings.NOTIFY_PROVIDERS
    if _resolved is None or _resolved[0] != setting:
        providers = _resolve(setting)
        _resolved = (dict(setting), providers)
    return _resolved[1]


def _resolve(setting: Any) -> dict[str, DeliveryProvider]:
    if not isinstance(setting, Mapping):
        raise ImproperlyConfigured(
            "NOTIFY_PROVIDERS must map each channel to the dotted path of its provider"
        )
    channels = [channel.value for channel in Channel]
    providers: dict[str, DeliveryProvider] = {}
    for channel, path in setting.items():
        name = f"NOTIFY_PROVIDERS[{channel!r}]"
        if channel not in channels:
            raise ImproperlyConfigured(f"{name}: not a channel (one of {', '.join(channels)})")
        if not isinstance(path, str):
            raise ImproperlyConfigured(f"{name} must be a dotted path, such as 'package.Class'")
        try:
            make = import_string(path)
        except ImportError as error:
            raise ImproperlyConfigured(f"{name}: cannot import {path!r} ({error})") from error
        try:
            provider = make()
        except Exception as error:
            raise ImproperlyConfigured(
                f"{name}: {path!r} could not be made ({type(error).__name__}: {error})"
            ) from error
        if not isinstance(provider, DeliveryProvider):
            raise ImproperlyConfigured(
                f"{name}: {path!r} is not a delivery provider (it needs a `channel` and a "
                "`send(message)` method)"
            )
        if provider.channel != channel:
            raise ImproperlyConfigured(
                f"{name}: {path!r} carries {str(provider.channel)!r} messages, not {channel!r}"
            )
        providers[channel] = provider
    return providers
