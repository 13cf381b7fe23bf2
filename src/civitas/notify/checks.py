"""System checks: a bad NOTIFY_PROVIDERS stops a command, the worker included, at start."""

from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from civitas.notify.providers import load_providers


@register()
def check_providers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        load_providers()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="notify.E001")]
    return []
