"""System checks: a wiring module that cannot be read stops every command at start."""

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register
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


@register()
def check_file_scanner(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A FILE_SCANNER that cannot be made stops every command; clamd with nowhere to
    reach it is a warning: every upload would be refused (fail closed) until it is set."""
    from django.conf import settings

    from civitas.platform.files.scanners import ClamdScanner, file_scanner

    try:
        scanner = file_scanner()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="platform.E002")]
    if isinstance(scanner, ClamdScanner) and not settings.CLAMD_ADDRESS:
        return [
            Warning(
                "FILE_SCANNER is clamd but CLAMD_ADDRESS is not set: every upload will be "
                "refused as 'could not be checked'",
                hint="Set CLAMD_ADDRESS to tcp://host:3310 or unix:///path/to/clamd.ctl "
                "(docs/operations.md, Uploads).",
                id="platform.W001",
            )
        ]
    return []
