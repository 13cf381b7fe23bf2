"""System checks: witness settings that cannot be read stop every command at start,
rather than the checkpoint endpoint failing on its first request."""

from typing import Any

from django.core.checks import CheckMessage, Error, register

from civitas.platform.environment import ConfigurationError


@register()
def check_witnesses(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from civitas.ledger.witnessing import witness_config

    try:
        witness_config()
    except ConfigurationError as error:
        return [Error(str(error), hint="See docs/ledger.md, Witnessing.", id="ledger.E001")]
    return []
