"""System checks: a wiring module that cannot be read stops every command at start."""

from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from civitas.platform.health import health_parts
from civitas.platform.periodic import periodic_jobs


@register()
def check_wiring(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    for read in (periodic_jobs, health_parts):
        try:
            read()
        except ImproperlyConfigured as error:
            problems.append(Error(str(error), id="platform.E001"))
    return problems
