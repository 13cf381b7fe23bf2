"""`civitas rules validate|test|simulate|population ...`: the rules engine's commands.

The work, and the arguments, are the plain functions' in ``civitas.rules.commands`` (which
``civitas rules`` runs without Django's set-up, see ``civitas.cli``); this makes them a
management command too, for ``call_command`` and ``manage.py``. Bad input ends with a
message and exit status 1, never a traceback.
"""

import contextlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civitas.rules import commands


class Command(BaseCommand):
    help = commands.DESCRIPTION
    # Nothing here touches the database, models or URLs: no system checks to run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        commands.add_arguments(parser)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        # The command functions print to sys.stdout and sys.stderr, looked up per call:
        # pointing those at this command's streams makes call_command(stdout=...) work.
        with (
            contextlib.redirect_stdout(self.stdout._out),  # type: ignore[type-var]
            contextlib.redirect_stderr(self.stderr._out),  # type: ignore[type-var]
        ):
            status = commands.run(action, options)
        if status:
            raise SystemExit(status)
